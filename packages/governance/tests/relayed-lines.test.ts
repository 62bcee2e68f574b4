/**
 * contract:lint relays the AsyncAPI CLI's output through the command's I/O: each line as the
 * program writes it (a slow run shows its progress), stdout to out and stderr to err.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRelayingLines } from '../src/relayed-lines.ts';

describe('runRelayingLines', () => {
  it('relays each line as it comes, not when the program ends', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'relayed-lines-'));
    const go = path.join(dir, 'go');
    try {
      // The program writes the rest only once its first line has been relayed (the relay writes `go`).
      const program = `
        const { existsSync } = require('node:fs');
        process.stderr.write('on stderr\\n');
        process.stdout.write('first\\n');
        const started = Date.now();
        const wait = setInterval(() => {
          if (existsSync(${JSON.stringify(go)})) {
            clearInterval(wait);
            process.stdout.write('second\\r\\nthird, no newline');
            process.exitCode = 3;
          } else if (Date.now() - started > 10_000) {
            clearInterval(wait);
            console.log('nothing was relayed before the end');
            process.exitCode = 4;
          }
        }, 20);`;
      const out: string[] = [];
      const err: string[] = [];
      const exit = await runRelayingLines(process.execPath, ['-e', program], process.env, {
        out: (line) => {
          out.push(line);
          if (line === 'first') writeFileSync(go, '');
        },
        err: (line) => err.push(line),
      });
      expect(out).toEqual(['first', 'second', 'third, no newline']);
      expect(err).toEqual(['on stderr']);
      expect(exit).toEqual({ status: 3, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which signal stopped the program', async () => {
    const exit = await runRelayingLines(process.execPath, ['-e', "process.kill(process.pid, 'SIGTERM')"], process.env, { out: () => {}, err: () => {} });
    expect(exit).toEqual({ status: null, signal: 'SIGTERM' });
  });
});
