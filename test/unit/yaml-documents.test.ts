import { describe, expect, it } from 'vitest';
import { DocumentError, MANIFEST_LIMITS, parseManifests } from '../../server/api/yaml-documents.ts';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

async function refusal(text: string): Promise<DocumentError['body']> {
  const err = await parseManifests(text).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DocumentError);
  return (err as DocumentError).body;
}

describe('parseManifests', () => {
  it('skips a trailing --- and empty documents, as kubectl does, and keeps each object\'s lines', async () => {
    const text = `---\n${cm('a')}---\n---\n${cm('b')}---\n`;
    const docs = await parseManifests(text);
    expect(docs.map((d) => d.object.metadata.name)).toEqual(['a', 'b']);
    expect(docs.map((d) => d.index)).toEqual([0, 1]);
    const lines = text.split('\n');
    expect(docs[1].locate('metadata.name')!.line).toBe(lines.indexOf('  name: b') + 1);
  });

  it('names the right document and line after an empty document', async () => {
    const text = `${cm('a')}---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n`;
    const body = await refusal(text);
    expect(body.error).toMatch(/^document 2 \(ConfigMap\): metadata.name is required/);
    expect(body.line).toBe(text.split('\n').indexOf('metadata: {}') + 1);
  });

  it('refuses an alias to a missing anchor, with its line', async () => {
    const body = await refusal(`${cm('a')}data: *nowhere\n`);
    expect(body.error).toMatch(/Unresolved alias.*nowhere/);
    expect(body.line).toBe(5);
  });

  it('refuses an alias bomb instead of expanding it', async () => {
    let bomb = `${cm('a')}a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
    for (let i = 1; i < 8; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const body = await refusal(bomb);
    expect(body.error).toMatch(/aliases expand to too many nodes/);
  });

  it('refuses deep nesting before parsing, flow or block, with the line', async () => {
    expect((await refusal(`${cm('a')}data: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)).error).toMatch(`nests more than ${MANIFEST_LIMITS.nesting} levels deep (line 5)`);
    let block = `${cm('a')}data:\n`;
    for (let i = 1; i <= 200; i++) block += `${' '.repeat(i)}k${i}:\n`;
    expect((await refusal(block)).error).toMatch(/nests more than \d+ levels deep/);
  });

  it('refuses more documents than the limit at once, naming where the first extra one starts', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => cm(`c${i}`)).join('---\n');
    const t0 = performance.now();
    const body = await refusal(text);
    expect(body.error).toBe(`more than ${MANIFEST_LIMITS.documents} documents in one body (document ${MANIFEST_LIMITS.documents + 1} starts at line ${MANIFEST_LIMITS.documents * 5}): apply them in parts`);
    expect(performance.now() - t0).toBeLessThan(2000); // refused by counting, not by parsing 10,000 documents
    expect(await parseManifests(Array.from({ length: MANIFEST_LIMITS.documents }, (_, i) => cm(`c${i}`)).join('---\n') + '---\n')).toHaveLength(MANIFEST_LIMITS.documents);
  });

  it('refuses a key given twice, pointing at the second', async () => {
    const body = await refusal(`${cm('a')}data:\n  x: "1"\n  x: "2"\n`);
    expect(body.error).toMatch(/"x" appears twice/);
    expect(body.line).toBe(7);
  });
});
