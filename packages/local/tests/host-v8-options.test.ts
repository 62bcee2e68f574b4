/**
 * The host's V8 options are the ones `npm start` and `npm run subscriber` run with: the young
 * generation V8 sizes once, at process start (package.json's scripts), and the one the bench and a
 * `'separate'` function's process are given (HOST_V8_OPTIONS).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_V8_OPTIONS } from '@sluice/local';

const scripts = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('HOST_V8_OPTIONS', () => {
  it('bounds the host young generation to 2 × 8 MiB', () => {
    expect(HOST_V8_OPTIONS).toEqual(['--max-semi-space-size=8']);
  });

  it.each(['start', 'subscriber'])('is what `npm run %s` starts node with', (name) => {
    const script = scripts[name]!;
    expect(script.startsWith('node ')).toBe(true);
    for (const option of HOST_V8_OPTIONS) expect(script.split(' ')).toContain(option);
  });
});
