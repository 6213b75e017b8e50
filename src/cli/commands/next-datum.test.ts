import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { shellExports } from '../next-datum-ask.js';

describe('tusk next datum output', () => {
  test('a shell that evals the exports gets every value back exactly, quotes and newlines included', () => {
    const env = { TUSK_DATUM_ID: 'abc', images: "/pfs/images/it's a \"file\" $HOME `x`.png", multi: 'a\nb' };
    const { text, skipped } = shellExports(env);
    expect(skipped).toEqual([]);
    const out = execFileSync('sh', ['-c', `${text}\nprintf '%s|' "$TUSK_DATUM_ID" "$images" "$multi"`], { encoding: 'utf8' });
    expect(out).toBe(`abc|${env.images}|a\nb|`);
  });

  test('names a shell cannot export are left out and listed', () => {
    const { text, skipped } = shellExports({ 'my-input': '/pfs/my-input/a', ok_1: 'x' });
    expect(text).toBe("export ok_1='x'");
    expect(skipped).toEqual(['my-input']);
  });
});
