import { describe, expect, it } from 'vitest';
import { kindSchema } from '../../server/embedded/apiserver/openapi/documents.ts';
import { pruneUnknownFields, strictDecodingProblems, unknownFieldPaths } from '../../server/embedded/apiserver/openapi/strict-fields.ts';
import { RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';
import { WIDGET } from '../helpers/custom-kind.ts';

const schemaOf = (kind: string) => kindSchema(RESOURCE_TYPES.find((t) => t.kind === kind)!, 'v1')!;
const problems = (kind: string, json: string) => {
  const { schema, definitions } = schemaOf(kind);
  return strictDecodingProblems(json, JSON.parse(json), schema, definitions);
};

describe('strict decoding of a body against its kind schema', () => {
  it('names unknown and duplicate fields by path, in the order the body has them', () => {
    const json = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","labels":{"a":"1","a":"2"},"nmae":"x"},"data":{"k":"v"},"datum":1,"data":{"k":"w"}}';
    expect(problems('ConfigMap', json)).toEqual(['duplicate field "metadata.labels.a"', 'unknown field "metadata.nmae"', 'unknown field "datum"', 'duplicate field "data"']);
  });

  it('reads keys with escapes and strings holding quotes and colons', () => {
    const json = '{"kind":"ConfigMap","metadata":{"name":"q"},"data":{"a\\"b":"x\\":\\"y","a\\"b":"z"},"extra\\u0041":true}';
    expect(problems('ConfigMap', json)).toEqual(['duplicate field "data.a\\"b"', 'unknown field "extraA"']);
  });

  it('follows refs into lists: a misplaced container field is found, a keyed list is named by index', () => {
    const pod = { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y', requests: { cpu: '1' } }], affinity: { anything: 1 } } };
    expect(problems('Pod', JSON.stringify(pod))).toEqual(['unknown field "spec.containers[1].requests"']);
    const { schema, definitions } = schemaOf('Pod');
    expect(unknownFieldPaths(pod, schema, definitions, 'apply')).toEqual(['.spec.containers[name="b"].requests']);
  });

  it('stops at the schema: a 3,000-deep value under an unknown field is one problem', () => {
    const json = `{"kind":"ConfigMap","metadata":{"name":"d"},"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`;
    expect(problems('ConfigMap', json)).toEqual(['unknown field "a"']);
  });

  it("prunes what a CRD schema does not declare, keeping maps and preserve-unknown-fields subtrees", () => {
    const obj = { apiVersion: 'deck.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, colour: 'red', labels: { a: 'b' }, extra: { x: { y: 1 } }, rules: [{ path: { value: '/', regex: '.' } }] } };
    const schema = kindSchema(WIDGET, 'v1')!;
    pruneUnknownFields(obj, schema.schema, schema.definitions);
    expect(obj.spec).toEqual({ size: 1, labels: { a: 'b' }, extra: { x: { y: 1 } }, rules: [{ path: { value: '/' } }] });
  });
});
