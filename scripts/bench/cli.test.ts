import { readFileSync } from 'node:fs';
import { runCli, type CliIO } from '@sluice/cli';
import { describe, expect, it } from 'vitest';
import { benchProgram, selectSections } from './cli.ts';

/** An IO that keeps what the program writes. */
function capture(): CliIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (t) => outLines.push(t), err: (t) => errLines.push(t), progress: { write: () => true } };
}

describe('bench command line', () => {
  it.each([['10'], ['abc'], ['1,,3'], [''], ['0']])('refuses --only %j with one line naming the sections, exit 2, before measuring', async (only) => {
    const io = capture();
    expect(await runCli(benchProgram, ['--only', only], io)).toBe(2);
    expect(io.outLines).toEqual([]);
    expect(io.errLines).toHaveLength(2);
    expect(io.errLines[0]).toMatch(/^bench: --only .*sections are 1 \(decode \+ validate\), 2 .*7 \(npm test wall time \(opt-in\)\), 8 \(CI wall time on a fresh clone \(opt-in\)\)$/);
    expect(io.errLines[1]).toBe('Run `npm run bench -- --help` for usage.');
  });

  it('refuses a negative or non-numeric --latency-ms and unknown options', async () => {
    for (const args of [['--latency-ms', '-1'], ['--latency-ms', 'x'], ['--qiuck']]) {
      const io = capture();
      expect(await runCli(benchProgram, args, io)).toBe(2);
      expect(io.errLines[1]).toBe('Run `npm run bench -- --help` for usage.');
    }
  });

  it('runs the sections --only names, once each, in section order', () => {
    expect(selectSections('3, 1,3').map((s) => s.number)).toEqual([1, 3]);
    // Section 7 runs the whole test suite: only when named.
    expect(selectSections(undefined).map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(selectSections('7').map((s) => s.number)).toEqual([7]);
  });

  it('prints the framework\'s version, as every other entry point does (not the root package\'s)', async () => {
    const io = capture();
    expect(await runCli(benchProgram, ['--version'], io)).toBe(0);
    const framework = (JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(io.outLines).toEqual([framework]);
  });

  it('says how long a full run takes, as the last full runs took', async () => {
    const io = capture();
    expect(await runCli(benchProgram, ['--help'], io)).toBe(0);
    expect(io.outLines.join('\n')).toContain('About 4–5 minutes on 2 cores');
  });

  it('lists the sections and the exit status in --help', async () => {
    const io = capture();
    expect(await runCli(benchProgram, ['--help'], io)).toBe(0);
    expect(io.outLines.join('\n')).toMatch(/Sections: 1 \(decode \+ validate\).*6 \(memory at rest per consumer\), 7 \(npm test wall time \(opt-in\)\), 8 \(CI wall time on a fresh clone \(opt-in\)\)\./);
    expect(io.outLines.join('\n')).toMatch(/2 for a usage error/);
  });
});
