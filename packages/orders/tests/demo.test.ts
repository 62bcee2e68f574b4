/**
 * `npm run demo` (the README's first look after `npm start`), run whole on an in-memory stack of
 * its own: every batch is reported, the framework's triage function's included, and nothing in
 * its output is an error of the demo itself.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

describe('npm run demo', () => {
  it('publishes, dead-letters the poison message, reports every batch (the triage function\'s too) and exits 0', { timeout: 120_000 }, () => {
    const demo = spawnSync(process.execPath, ['--import', 'tsx', 'packages/orders/bin/demo.ts', '--in-memory', '--port', '0'], { cwd: root, encoding: 'utf8', timeout: 110_000 });
    const output = demo.stdout + demo.stderr;
    expect(demo.status, output).toBe(0);
    // A batch callback that throws is reported by the poller as "poller: … (retrying)".
    expect(output).not.toMatch(/poller:/);
    expect(output).toMatch(/triageOrderTopic: batch of \d+: \d+ done/);
    expect(output).toMatch(/consumeOrderPlaced: batch of \d+/);
    // The poison message's last receive names its DLQ and the command that lists it on this stack (port 0: its endpoint).
    expect(output).toMatch(/failed on its last receive \(3\/3\): to OrderDLQ next \(`SLUICE_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ npx orders dlq list --queue OrderDLQ` lists it\)/);
  });
});
