/**
 * The name, label key and label value checks every Kubernetes API server applies, with
 * its messages word for word, because kubectl prints them and a reader compares them with
 * a real cluster's. Lengths are in bytes, as the API server counts them.
 */

import { utf8ByteLength as byteLength } from '../../portable/bytes.ts';

/** The "(e.g. 'a',  or 'b', regex used for validation is '…')" tail a real API server appends to a format error. */
function regexError(message: string, format: string, ...examples: string[]): string {
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${message} (${examples.length ? `e.g. ${shown}` : ''}regex used for validation is '${format}')`;
}

export const maxLenError = (n: number) => `must be no more than ${n} characters`;
const EMPTY_ERROR = 'must be non-empty';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';

const whole = (fmt: string) => new RegExp(`^(?:${fmt})$`);
const DNS1123_LABEL = whole(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = whole(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = whole(DNS1035_LABEL_FMT);
const QNAME = whole(QNAME_FMT);
const LABEL_VALUE = whole(LABEL_VALUE_FMT);
const CONFIG_KEY = whole(CONFIG_KEY_FMT);

export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value)) {
    // Dots are the only difference from a subdomain, so say just that.
    if (DNS1123_SUBDOMAIN.test(value)) errs.push('must not contain dots');
    else errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

export function dns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL.test(value)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

/** Checks an object name; `prefix` is true for generateName, whose trailing '-' is fine. */
export type NameCheck = (name: string, prefix: boolean) => string[];

const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

export const nameIsDnsSubdomain: NameCheck = (name, prefix) => dns1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDnsLabel: NameCheck = (name, prefix) => dns1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDns1035Label: NameCheck = (name, prefix) => dns1035Label(prefix ? maskTrailingDash(name) : name);

/** A label or annotation key: `name` or `dns.prefix/name`. */
export function qualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [`a qualified name ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QNAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (!prefix) errs.push(`prefix part ${EMPTY_ERROR}`);
    else errs.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  }
  if (!name) errs.push(`name part ${EMPTY_ERROR}`);
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QNAME.test(name)) {
    errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE.test(value)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** A ConfigMap or Secret key, which becomes a file name when mounted. */
export function configMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY.test(value)) errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export const portNumber = (port: number): string[] => (port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive']);

const IANA_SVC_NAME = /^[-a-z0-9]+$/;
const HAS_LETTER = /[a-z]/;

/** A named port (IANA_SVC_NAME): up to 15 lower case letters, digits and '-', at least one letter. */
export function portName(name: string): string[] {
  const errs: string[] = [];
  if (byteLength(name) > 15) errs.push(maxLenError(15));
  if (!IANA_SVC_NAME.test(name)) errs.push(regexError("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", '[-a-z0-9]+'));
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && !HAS_LETTER.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const ENV_VAR_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR = whole(ENV_VAR_FMT);

export function envVarName(name: string): string[] {
  if (ENV_VAR.test(name)) return [];
  return [regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", ENV_VAR_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1')];
}

export function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split('.').every((o) => Number(o) <= 255 && (o === '0' || !o.startsWith('0')));
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g)?.length ?? 0) <= 1;
}
