/**
 * The instances' environment switches as the function host reads them, in its process and in a
 * function's own: a value that is not a number of milliseconds is the function's init failure,
 * named, never ignored (an idle timeout that read as NaN kept instances forever, silently).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_IDLE_ENV, INSTANCE_SCALE_UP_ENV, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

let fixture: FixtureProject;
let runtime: LocalRuntime | undefined;
beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
}, 60_000);
afterAll(() => fixture?.dispose());
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  delete process.env[INSTANCE_IDLE_ENV];
  delete process.env[INSTANCE_SCALE_UP_ENV];
});

describe('a bad instance switch', () => {
  for (const functionProcesses of ['shared', 'separate'] as const) {
    it(`fails the function's init with the variable named (functions ${functionProcesses})`, async () => {
      process.env[INSTANCE_SCALE_UP_ENV] = 'soon';
      process.env[INSTANCE_IDLE_ENV] = '30 s';
      const lines: string[] = [];
      runtime = await startLocalRuntime({ application: await fixture.application(), port: 0, logLevel: 'SILENT', functionProcesses, restartDelayMs: 60_000, onEvent: (l) => lines.push(l) });
      await waitFor('the init failure', () => lines.some((l) => /init failed/.test(l)), 20_000);
      expect(lines.filter((l) => /init failed/.test(l))).toContainEqual(expect.stringMatching(/: init failed: SLUICE_INSTANCE_IDLE_MS=30 s: not a number of milliseconds from 0 to 2147483647, or Infinity \(unset it for the default\)$/));
    }, 30_000);
  }
});
