/** Fast check of the bad-body corpus at the decoder (the reliability suite runs it end to end). */
import { describe, expect, it } from 'vitest';
import { operations } from '@orders/contract';
import { createDecoder } from '@sluice/runtime/consumer';
import { badBodies } from './bad-bodies.ts';

const decode = createDecoder(operations.consumeOrderPlaced);

describe('bad-body corpus', () => {
  it('holds at least 60 bodies with distinct names, none above the 256 KiB SQS limit', () => {
    expect(badBodies.length).toBeGreaterThanOrEqual(60);
    expect(new Set(badBodies.map((b) => b.name)).size).toBe(badBodies.length);
    for (const b of badBodies) expect(Buffer.byteLength(b.body), b.name).toBeLessThanOrEqual(256 * 1024);
  });

  it.each(badBodies.map((b) => [b.name, b] as const))('%s is refused with its code and a readable reason', (_name, b) => {
    const result = decode({ body: b.body });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(b.code);
    expect(result.error.message).toMatch(/\w{3,}/);
  });
});
