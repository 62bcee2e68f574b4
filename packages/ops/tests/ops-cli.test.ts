/**
 * `sluice-ops` (opsProgram): the framework's operator commands as a program of their own, named as
 * the user started it; its commands are the ones the order application's CLI mounts (their own
 * tests are in this folder and packages/orders/tests). packages/create/tests/create.test.ts runs it
 * in a created project (`npm run ops -- status`, `dlq list`) against its npm start.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { opsInvocation, opsProgram } from '@sluice/ops';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

describe('sluice-ops', () => {
  it('is named as the user started it: the npm script that runs sluice-ops, else npx sluice-ops', () => {
    expect(opsInvocation({ npm_lifecycle_event: 'ops', npm_lifecycle_script: 'sluice-ops' })).toBe('npm run ops --');
    expect(opsInvocation({ npm_lifecycle_event: 'operate', npm_lifecycle_script: 'sluice-ops --aws' })).toBe('npm run operate --');
    // npx sets npm_lifecycle_event to npx; another script (npm start) is not this program's.
    expect(opsInvocation({ npm_lifecycle_event: 'npx', npm_lifecycle_script: 'sluice-ops' })).toBe('npx sluice-ops');
    expect(opsInvocation({ npm_lifecycle_event: 'start', npm_lifecycle_script: 'sluice-start' })).toBe('npx sluice-ops');
    expect(opsInvocation({ npm_lifecycle_event: 'ops', npm_lifecycle_script: 'sluice-opsx' })).toBe('npx sluice-ops');
    expect(opsInvocation({})).toBe('npx sluice-ops');
  });

  it('has status, dlq (list, redrive, purge) and publish-message, and no order commands', async () => {
    expect(opsProgram.name).toBe('sluice-ops');
    expect(opsProgram.commands!.map((c) => c.name)).toEqual(['status', 'dlq', 'publish-message']);
    expect(opsProgram.commands!.find((c) => c.name === 'dlq')!.commands!.map((c) => c.name)).toEqual(['list', 'redrive', 'purge']);
    const io = captureIO();
    expect(await runCli({ ...opsProgram, invocation: 'npm run ops --' }, ['--help'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^Usage: npm run ops -- <command> \[options\]/);
    expect(io.stdout()).toContain('--aws talks to AWS');
  });

  it('says what to do when no local stack answers, naming itself as started (exit 1)', async () => {
    const io = captureIO();
    // A port nothing listens on (the discard port).
    expect(await runCli({ ...opsProgram, invocation: 'npm run ops --' }, ['status', '--endpoint', 'http://127.0.0.1:9'], io)).toBe(1);
    expect(io.stderr()).toMatch(/^ops status: no local stack answers at http:\/\/127\.0\.0\.1:9\n/);
    expect(io.stderr()).toContain('npm start');
  });
});
