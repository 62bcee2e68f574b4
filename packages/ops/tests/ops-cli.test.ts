/**
 * `sluice-ops` (opsProgram): the framework's operator commands as a program of their own, named as
 * the user started it; its commands are the ones the order application's CLI mounts (their own
 * tests are in this folder and packages/orders/tests). packages/create/tests/create.test.ts runs it
 * in a created project (`npm run ops -- status`, `dlq list`) against its npm start.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { complementPolicy } from '@sluice/model';
import { displayWidth } from '@sluice/cli';
import { formatSubscriptions, opsInvocation, opsProgram } from '@sluice/ops';
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

  it("gives every command's --help a paragraph on what it does (status had its one-line summary only)", async () => {
    const leaves = (commands: NonNullable<typeof opsProgram.commands>, prefix: string[] = []): string[][] =>
      commands.flatMap((c) => (c.commands ? leaves(c.commands, [...prefix, c.name]) : [[...prefix, c.name]]));
    for (const path of leaves(opsProgram.commands!)) {
      const io = captureIO();
      expect(await runCli(opsProgram, [...path, '--help'], io)).toBe(0);
      // Usage line, blank, a paragraph of its own, blank, then the options.
      const [usage, blank, paragraph] = io.stdout().split('\n');
      expect(usage, path.join(' ')).toMatch(/^Usage: /);
      expect(blank).toBe('');
      expect(paragraph!.length, `${path.join(' ')}: ${io.stdout()}`).toBeGreaterThan(60);
    }
  });

  it('says what to do when no local stack answers, naming itself as started (exit 1)', async () => {
    const io = captureIO();
    // A port nothing listens on (the discard port).
    expect(await runCli({ ...opsProgram, invocation: 'npm run ops --' }, ['status', '--endpoint', 'http://127.0.0.1:9'], io)).toBe(1);
    expect(io.stderr()).toMatch(/^ops status: no local stack answers at http:\/\/127\.0\.0\.1:9\n/);
    expect(io.stderr()).toContain('npm start');
  });
});

describe("status's subscription table", () => {
  const routed = ['OrderPlaced', 'OrderCancelled', 'OrderShipped', 'PaymentCaptured', 'PaymentRefunded'].map((eventType) => ({ eventType, majors: ['1'] }));
  const subscriptions = [
    { topic: 'OrderTopic', queue: 'OrderQueue', rawMessageDelivery: false, filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] } },
    // A consumer of many messages: a policy wider than the table shows whole.
    { topic: 'OrderTopic', queue: 'AuditQueue', rawMessageDelivery: true, filterPolicy: { eventType: routed.map((r) => r.eventType), schemaVersion: [{ prefix: '1.' }] } },
    { topic: 'OrderTopic', queue: 'OrderTopicUnrouted', rawMessageDelivery: false, filterPolicy: complementPolicy(routed) },
    { topic: 'OrderTopic', queue: 'OrderTopicTriage', rawMessageDelivery: false, filterPolicy: {} },
  ];
  const unrouted = [{ queue: 'OrderTopicUnrouted' }];

  it('fits a 120-column terminal: the unrouted policy summarized, a long one cut short, and says --wide shows them whole', () => {
    expect(JSON.stringify(complementPolicy(routed)).length).toBeGreaterThan(300);
    const text = formatSubscriptions(subscriptions, unrouted);
    for (const line of text.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(120);
    expect(text).toMatch(/^OrderTopic → OrderTopicUnrouted +no +anything no other subscription of OrderTopic takes \(8 conditions\)$/m);
    expect(text).toContain('{"eventType":["OrderPlaced"],"schemaVersion":[{"prefix":"1."}]}');
    expect(text).toMatch(/^OrderTopic → AuditQueue +yes +\{"eventType":\["OrderPlaced","OrderCancelled",.*…$/m);
    expect(text).toMatch(/^OrderTopic → OrderTopicTriage +no +\{\}$/m);
    expect(text.split('\n').at(-1)).toBe('Filter policies summarized or cut short: --wide shows them whole (--json too).');
  });

  it('--wide shows every policy whole, and a table with none long says nothing more', () => {
    const wide = formatSubscriptions(subscriptions, unrouted, { wide: true });
    for (const s of subscriptions) expect(wide).toContain(JSON.stringify(s.filterPolicy));
    expect(wide).not.toContain('--wide');
    const short = formatSubscriptions([subscriptions[0]!], []);
    expect(short.split('\n')).toHaveLength(3);
  });
});
