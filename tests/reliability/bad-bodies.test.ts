/** Fast check of the bad-body corpus at the decoder (the reliability suite runs it end to end). */
import { describe, expect, it } from 'vitest';
import { decodeOrderRecord } from '@orders/core';
import { badBodies } from './bad-bodies.ts';

describe('bad-body corpus', () => {
  it('holds at least 60 bodies with distinct names, none above the 256 KiB SQS limit', () => {
    expect(badBodies.length).toBeGreaterThanOrEqual(60);
    expect(new Set(badBodies.map((b) => b.name)).size).toBe(badBodies.length);
    for (const b of badBodies) expect(Buffer.byteLength(b.body), b.name).toBeLessThanOrEqual(256 * 1024);
  });

  it.each(badBodies.map((b) => [b.name, b] as const))('%s is refused with its code and a readable reason', (_name, b) => {
    const result = decodeOrderRecord({ body: b.body });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(b.code);
    expect(result.error.message).toMatch(/\w{3,}/);
  });
});
