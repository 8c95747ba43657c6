/**
 * A CRD schema's CEL rules (`x-kubernetes-validations`), compiled once when the CRD changes
 * and evaluated on every write as the apiserver evaluates them: `self` is the value at the
 * schema node that carries the rule, transition rules (those reading `oldSelf`) run only on
 * update where the old value exists (or always, with optionalOldSelf), an unchanged value is
 * not checked again by its non-transition rules, and the failures are worded and placed as the
 * apiserver places them (the node's path, or the rule's fieldPath below it).
 */
import type { CelInput } from '@bufbuild/cel';
import { isCelError } from '@bufbuild/cel';
import { EvaluationBudget, withBudget } from '../cel/budget.ts';
import { type CompiledExpression, compileExpression } from '../cel/compile.ts';
import { optionalNone, optionalOf } from '../cel/optional.ts';
import { toCel } from '../cel/values.ts';
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import { type FieldError, childPath, forbiddenField, indexPath, invalidValue, requiredValue, unsupportedValue } from './field-errors.ts';
import { utf8ByteLength } from '../../portable/bytes.ts';

type ValidationRule = NonNullable<JSONSchemaProps['x-kubernetes-validations']>[number] & { optionalOldSelf?: boolean };

const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const MAX_MESSAGE_BYTES = 5 * 1024;

interface CompiledRule {
  rule: ValidationRule;
  program: CompiledExpression;
  message?: CompiledExpression;
}

/** The schema nodes that hold rules, or lead to ones that do. */
export interface RuleTree {
  schema: JSONSchemaProps;
  rules: CompiledRule[];
  properties: Map<string, RuleTree>;
  additional?: RuleTree;
  items?: RuleTree;
}

const rulesOf = (s: JSONSchemaProps): ValidationRule[] => (s['x-kubernetes-validations'] ?? []) as ValidationRule[];

/** The rule tree of a structural schema; undefined when it has no rules (nothing to evaluate). */
export function compileRuleTree(schema: JSONSchemaProps | undefined): RuleTree | undefined {
  if (!schema) return undefined;
  const rules: CompiledRule[] = [];
  for (const rule of rulesOf(schema)) {
    const program = compileExpression(rule.rule ?? '').program;
    if (!program) continue; // refused when the CRD was written; a stored bad rule fails closed below
    const message = rule.messageExpression ? compileExpression(rule.messageExpression).program : undefined;
    rules.push({ rule, program, message });
  }
  const properties = new Map<string, RuleTree>();
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const sub = compileRuleTree(p);
    if (sub) properties.set(name, sub);
  }
  const additional = typeof schema.additionalProperties === 'object' ? compileRuleTree(schema.additionalProperties) : undefined;
  const items = compileRuleTree(schema.items);
  if (!rules.length && !properties.size && !additional && !items) return undefined;
  return { schema, rules, properties, additional, items };
}

/** What the apiserver refuses in a CRD's rules: ones that do not compile, unknown reasons. `path` is the schema node's. */
export function ruleDefinitionErrors(schema: JSONSchemaProps, path: string, out: FieldError[]): void {
  rulesOf(schema).forEach((rule, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    if (!rule.rule?.trim()) out.push(requiredValue(`${at}.rule`));
    else {
      const compiled = compileExpression(rule.rule);
      if (compiled.error) out.push(invalidValue(`${at}.rule`, rule.rule, compiled.error));
    }
    if (rule.messageExpression) {
      const compiled = compileExpression(rule.messageExpression);
      if (compiled.error) out.push(invalidValue(`${at}.messageExpression`, rule.messageExpression, `messageExpression ${compiled.error}`));
    }
    if (rule.message !== undefined && rule.message.trim() === '') out.push(requiredValue(`${at}.message`, 'message must be non-empty if specified'));
    if (rule.reason !== undefined && !REASONS.includes(rule.reason)) out.push(unsupportedValue(`${at}.reason`, rule.reason, REASONS));
    if (rule.fieldPath !== undefined && !/^(\.[A-Za-z_][A-Za-z0-9_-]*|\['[^']*'\])+$/.test(rule.fieldPath)) {
      out.push(invalidValue(`${at}.fieldPath`, rule.fieldPath, 'fieldPath must be a valid path'));
    }
  });
}

const ruleText = (r: ValidationRule) => (r.message?.trim() ? r.message.trim() : r.rule.trim());
const defaultMessage = (r: ValidationRule) => (r.message?.trim() ? r.message.trim() : `failed rule: ${r.rule.trim()}`);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

class RuleRun {
  readonly out: FieldError[] = [];
  readonly budget = new EvaluationBudget();
  stopped = false;
  /** Values converted for CEL once per request, whichever rule reads them. */
  private readonly converted = new WeakMap<object, CelInput>();

  cel(schema: JSONSchemaProps, value: unknown): CelInput {
    if (typeof value !== 'object' || value === null) return toCel(schema, value);
    let v = this.converted.get(value);
    if (v === undefined) {
      v = toCel(schema, value);
      this.converted.set(value, v);
    }
    return v;
  }

  walk(node: RuleTree, value: unknown, old: unknown, path: string): void {
    if (this.stopped || value === null || value === undefined) return;
    if (node.rules.length) this.evaluate(node, value, old, path);
    if (Array.isArray(value)) {
      if (!node.items) return;
      const oldItems = correlatedItems(node.schema, value, old);
      value.forEach((item, i) => this.walk(node.items!, item, oldItems[i], indexPath(path, i)));
    } else if (typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      const oldObj = old && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
      for (const [name, v] of Object.entries(obj)) {
        const sub = node.properties.get(name) ?? (node.schema.properties?.[name] ? undefined : node.additional);
        if (!sub) continue;
        this.walk(sub, v, oldObj?.[name], node.properties.has(name) ? childPath(path, name) : indexPath(path, name));
      }
    }
  }

  private evaluate(node: RuleTree, value: unknown, old: unknown, path: string): void {
    const type = node.schema.type ?? (typeof value === 'string' ? 'string' : 'object');
    const unchanged = old !== undefined && deepEqual(value, old);
    const self = this.cel(node.schema, value);
    for (const compiled of node.rules) {
      const { rule, program } = compiled;
      if (this.budget.overdue) return this.outOfBudget(path, type);
      if (program.usesOldSelf ? old === undefined && !rule.optionalOldSelf : unchanged) continue;
      const vars: Record<string, unknown> = { self };
      if (program.usesOldSelf) {
        const oldSelf = old === undefined ? undefined : this.cel(node.schema, old);
        vars.oldSelf = rule.optionalOldSelf ? (oldSelf === undefined ? optionalNone() : optionalOf(oldSelf)) : oldSelf;
      }
      this.budget.startRule();
      const result = withBudget(this.budget, () => program.evaluate(vars));
      if (this.budget.exceeded) {
        this.out.push(invalidValue(path, type, `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(rule)}`));
        this.stopped = true;
        return;
      }
      if (isCelError(result)) {
        this.out.push(invalidValue(path, type, `${result.message.replace(/^field not found:/, 'no such key:')} evaluating rule: ${ruleText(rule)}`));
        continue;
      }
      if (result === true) continue;
      const at = rule.fieldPath ? childPath(path, rule.fieldPath.replace(/^\./, '')) : path;
      const detail = (compiled.message && this.message(compiled.message, vars)) || defaultMessage(rule);
      this.out.push(failure(at, type, detail, rule.reason));
    }
  }

  private message(program: CompiledExpression, vars: Record<string, unknown>): string | undefined {
    this.budget.startRule();
    const result = withBudget(this.budget, () => program.evaluate(vars));
    if (typeof result !== 'string') return undefined;
    const text = result.trim();
    return text && !text.includes('\n') && utf8ByteLength(text) <= MAX_MESSAGE_BYTES ? text : undefined;
  }

  private outOfBudget(path: string, type: string): void {
    this.out.push(invalidValue(path, type, 'validation failed due to running out of cost budget, no further validation rules will be run'));
    this.stopped = true;
  }
}

function failure(path: string, type: string, detail: string, reason: string | undefined): FieldError {
  if (reason === 'FieldValueForbidden') return forbiddenField(path, detail);
  if (reason === 'FieldValueRequired') return requiredValue(path, detail);
  if (reason === 'FieldValueDuplicate') return { reason: 'FieldValueDuplicate', field: path, message: `Duplicate value: ${JSON.stringify(type)}` };
  return invalidValue(path, type, detail);
}

/** The old item each new item of a list is compared with: by key in a map list; none in other lists. */
function correlatedItems(schema: JSONSchemaProps, value: unknown[], old: unknown): unknown[] {
  const keys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] !== 'map' || !keys?.length || !Array.isArray(old)) return [];
  const id = (item: unknown) => JSON.stringify(keys.map((k) => (item as Record<string, unknown> | null)?.[k]));
  const byKey = new Map(old.map((item) => [id(item), item]));
  return value.map((item) => byKey.get(id(item)));
}

/**
 * Every rule failure of a custom object (and, on update, its stored version `old`). The root's
 * `self` has apiVersion, kind and the metadata name fields, as the apiserver gives it.
 */
export function validateRules(tree: RuleTree | undefined, obj: Record<string, unknown>, old?: Record<string, unknown>): FieldError[] {
  if (!tree) return [];
  const run = new RuleRun();
  run.walk(tree, rootView(obj), old && rootView(old), '');
  return run.out;
}

function rootView(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const metadata: Record<string, unknown> = {};
  if (meta.name !== undefined) metadata.name = meta.name;
  if (meta.generateName !== undefined) metadata.generateName = meta.generateName;
  return { ...obj, metadata };
}
