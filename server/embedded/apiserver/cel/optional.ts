/**
 * `oldSelf` of a rule with optionalOldSelf: an optional value (`oldSelf.hasValue()`,
 * `oldSelf.value()`, `oldSelf.orValue(x)`), none on create. The evaluator has no optional
 * type, so one is a map under a key no schema field can have.
 */
import { type CelInput, type CelMap, CelScalar, celMethod, mapType } from '@bufbuild/cel';

const PRESENT = '@optional-value';
const OPTIONAL = mapType(CelScalar.STRING, CelScalar.DYN);

export const optionalOf = (value: CelInput): CelInput => new Map([[PRESENT, value]]);
export const optionalNone = (): CelInput => new Map([['@optional-none', true]]);

const present = (m: CelMap) => m.has(PRESENT);

export const OPTIONAL_FUNCS = [
  celMethod('hasValue', OPTIONAL, [], CelScalar.BOOL, function () {
    return present(this);
  }),
  celMethod('value', OPTIONAL, [], CelScalar.DYN, function () {
    if (!present(this)) throw new Error('optional.none() dereference');
    return this.get(PRESENT)!;
  }),
  celMethod('orValue', OPTIONAL, [CelScalar.DYN], CelScalar.DYN, function (fallback) {
    return present(this) ? this.get(PRESENT)! : fallback;
  }),
];
