/**
 * The functions Kubernetes adds to CEL for validation rules, beyond the CEL standard and
 * strings extension: lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find,
 * findAll), isIP/isCIDR, isURL. Regexes run on RE2, so their time stays linear.
 */
import { type CelFunc, type CelList, type CelValue, CelScalar, celFunc, celMethod, listType } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { type UserRegex, compileUserRegex } from '../../../user-regex.ts';

const DYN_LIST = listType(CelScalar.DYN);

function compare(a: CelValue, b: CelValue): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload');
}

const items = (list: CelList): CelValue[] => [...list];

function extreme(list: CelList, sign: 1 | -1): CelValue {
  const all = items(list);
  if (!all.length) throw new Error(sign > 0 ? 'max called on empty list' : 'min called on empty list');
  return all.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

function sum(list: CelList): CelValue {
  const all = items(list);
  if (all.every((v) => typeof v === 'bigint')) return (all as bigint[]).reduce((a, b) => a + b, 0n);
  return all.reduce<number>((a, b) => a + Number(b), 0);
}

function indexIn(list: CelList, value: CelValue, last: boolean): bigint {
  const all = items(list);
  const same = (v: CelValue) => {
    try {
      return compare(v, value) === 0;
    } catch {
      return false;
    }
  };
  return BigInt(last ? all.findLastIndex(same) : all.findIndex(same));
}

const regexes = new Map<string, UserRegex>();

/** Non-empty matches, left to right, at most `limit` of them (-1: all). */
function findAll(text: string, pattern: string, limit: number): string[] {
  let re = regexes.get(pattern);
  if (!re) {
    const compiled = compileUserRegex(pattern);
    if (!compiled.regex) throw new Error(compiled.error);
    re = compiled.regex;
    if (regexes.size > 1000) regexes.clear();
    regexes.set(pattern, re);
  }
  const all = re.occurrences(text);
  return limit < 0 ? all : all.slice(0, limit);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(s: string): boolean {
  if (s.includes('%') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h ? h.split(':') : []);
  const parts = [...groups(halves[0]), ...(halves[1] !== undefined ? groups(halves[1]) : [])];
  const tail = parts[parts.length - 1];
  const v4 = tail !== undefined && tail.includes('.');
  if (v4 && !IPV4.test(tail)) return false;
  const hex = v4 ? parts.slice(0, -1) : parts;
  if (!hex.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4 ? 2 : 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

export const isIP = (s: string) => IPV4.test(s) || isIPv6(s);

function isCIDR(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return IPV4.test(addr) ? Number(bits) <= 32 : isIPv6(addr) && Number(bits) <= 128;
}

function isURL(s: string): boolean {
  try {
    new URL(s);
    return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s);
  } catch {
    return s.startsWith('/');
  }
}

export const KUBERNETES_FUNCS: CelFunc[] = [
  ...strings,
  celMethod('isSorted', DYN_LIST, [], CelScalar.BOOL, function () {
    const all = items(this);
    return all.every((v, i) => i === 0 || compare(all[i - 1], v) <= 0);
  }),
  celMethod('sum', DYN_LIST, [], CelScalar.DYN, function () {
    return sum(this);
  }),
  celMethod('min', DYN_LIST, [], CelScalar.DYN, function () {
    return extreme(this, -1);
  }),
  celMethod('max', DYN_LIST, [], CelScalar.DYN, function () {
    return extreme(this, 1);
  }),
  celMethod('indexOf', DYN_LIST, [CelScalar.DYN], CelScalar.INT, function (v) {
    return indexIn(this, v, false);
  }),
  celMethod('lastIndexOf', DYN_LIST, [CelScalar.DYN], CelScalar.INT, function (v) {
    return indexIn(this, v, true);
  }),
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (p) {
    return findAll(this, p, 1)[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], DYN_LIST, function (p) {
    return findAll(this, p, -1);
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING, CelScalar.INT], DYN_LIST, function (p, n) {
    return findAll(this, p, Number(n));
  }),
  celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (s) => isIP(s)),
  celFunc('isCIDR', [CelScalar.STRING], CelScalar.BOOL, (s) => isCIDR(s)),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s) => isURL(s)),
];
