/** The test a vitest summary line names as failed (" FAIL  file > suite > test"), colours stripped. */
export function failedTestName(line: string): string | undefined {
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  return /^\s*FAIL\s+(\S.*\S)\s*$/.exec(plain)?.[1];
}
