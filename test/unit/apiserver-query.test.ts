import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/embedded/apiserver/errors.ts';
import { queryBool, queryInt } from '../../server/embedded/apiserver/query.ts';

const q = (s: string) => new URLSearchParams(s);

describe('query parameters as the kube-apiserver reads them', () => {
  it('takes every spelling but 0 and false (any case) as true, as the Python client and the kubelet send them', () => {
    for (const s of ['watch=true', 'watch=True', 'watch=TRUE', 'watch=1', 'watch=t', 'watch=f', 'watch=', 'watch', 'watch=yes', 'watch=off', 'watch=2']) {
      expect(queryBool(q(s), 'watch'), s).toBe(true);
    }
    for (const s of ['', 'watch=false', 'watch=False', 'watch=fAlSe', 'watch=0', 'other=true']) {
      expect(queryBool(q(s), 'watch'), s).toBe(false);
    }
  });

  it('reads only the first of a repeated parameter', () => {
    expect(queryBool(q('watch=false&watch=true'), 'watch')).toBe(false);
    expect(queryBool(q('stdout=True&stdout=0'), 'stdout')).toBe(true);
  });

  it('refuses a whole-number option that is not one, naming the parameter', () => {
    expect(queryInt(q('tailLines=10'), 'tailLines')).toBe(10);
    expect(queryInt(q('tailLines='), 'tailLines')).toBeUndefined();
    const bad = () => queryInt(q('tailLines=ten'), 'tailLines');
    expect(bad).toThrow(ApiError);
    expect(bad).toThrow('tailLines: Invalid value: "ten": must be an integer');
    expect(() => queryInt(q('timeoutSeconds=90000'), 'timeoutSeconds', { max: 86_400 })).toThrow('must be less than or equal to 86400');
  });
});
