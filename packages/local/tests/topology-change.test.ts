/**
 * `npm start` creates its resources only when it starts (`--watch` reloads code, not them). When
 * `npm run codegen` changes the topology while it runs (the contract gained LedgerQueue and its
 * LedgerDLQ), it says so, once, with or without `--watch`: `the topology changed: restart npm
 * start to apply it (new: LedgerQueue, …)`. The real `npm start` (plain: `--watch` only adds the
 * code reloads, the same line comes from the same watch) and `npm run codegen`, in a copy of the
 * project.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { copyProject, type ProjectCopy } from '../../../tests/helpers/project-copy.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { killAndWait } from '../../../tests/helpers/kill-child.ts';
import { outOfContractReason } from '@sluice/local';
import type { Topology } from '@sluice/runtime/contract';

let child: ChildProcess | undefined;
let copy: ProjectCopy | undefined;
afterAll(async () => {
  await killAndWait(child);
  copy?.dispose();
});

/**
 * Adds one more consumer of OrderPlaced to the contract, read and written as YAML (whatever else
 * the contract holds: the README's added consumers too, in readme-steps' copy): LedgerQueue with its
 * LedgerDLQ, subscribed to OrderTopic by the send operation of OrderPlaced.
 */
function addLedgerQueue(project: ProjectCopy): void {
  const doc = parse(project.read('asyncapi.yaml')) as Record<string, any>;
  doc.channels.ledgerQueue = {
    address: 'LedgerQueue',
    messages: { orderPlaced: { $ref: '#/components/messages/OrderPlaced' } },
    bindings: {
      sqs: {
        queue: { name: 'LedgerQueue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'LedgerDLQ' }, maxReceiveCount: 3 } },
        deadLetterQueue: { name: 'LedgerDLQ', fifoQueue: false, messageRetentionPeriod: 1209600 },
        bindingVersion: '0.2.0',
      },
    },
  };
  doc.operations.consumeOrderLedger = { action: 'receive', channel: { $ref: '#/channels/ledgerQueue' }, messages: [{ $ref: '#/channels/ledgerQueue/messages/orderPlaced' }] };
  doc.operations.publishOrderPlaced.bindings.sns.consumers.push({ protocol: 'sqs', endpoint: { name: 'LedgerQueue' }, rawMessageDelivery: false });
  project.write('asyncapi.yaml', stringify(doc));
}

describe('npm start, when npm run codegen changes the topology', () => {
  it('prints one line naming what is new and saying to restart npm start, without --watch too', async () => {
    copy = copyProject();
    const codegen = copy.run('packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    child = spawn(process.execPath, ['packages/local/src/bin/start.ts', '--port', '0', '--in-memory'], { cwd: copy.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('the banner', () => output.includes('Ctrl-C to stop') || child!.exitCode !== null, 90_000);
    expect(output).toContain('Ctrl-C to stop');

    // codegen again with nothing changed: the manifest is rewritten as it was, nothing to say.
    expect(copy.run('packages/codegen/src/cli.ts').status).toBe(0);
    addLedgerQueue(copy);
    const changed = await copy.start('packages/codegen/src/cli.ts');
    expect(changed.stdout, changed.stderr).toContain('codegen: updated');
    const line = await waitFor('the topology change line', () => output.split('\n').find((l) => l.includes('the topology changed')), 30_000);
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} the topology changed: restart npm start to apply it \(new: LedgerDLQ, LedgerQueue, OrderTopicToLedgerQueue, consumeOrderLedger\)$/,
    );
    // Once: a second codegen of the same contract says nothing more.
    expect(copy.run('packages/codegen/src/cli.ts').status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(output.split('\n').filter((l) => l.includes('the topology changed'))).toHaveLength(1);
  }, 180_000);
});

describe('outOfContractReason (what npm start tells its consumers after npm run codegen)', () => {
  const topology = (...operations: string[]) => ({ operations: Object.fromEntries(operations.map((o) => [o, {}])) }) as unknown as Topology;
  const running = topology('consumeOrderPlaced', 'consumeAudit');
  it('names a consumer the contract no longer has, and the restart that applies it', () => {
    expect(outOfContractReason(running, () => topology('consumeOrderPlaced'), 'consumeAudit')).toBe(
      'its operation is no longer in the contract (npm run codegen removed it): this stack keeps the topology it started with until you restart npm start',
    );
  });
  it('says nothing of one still there, one the stack did not start with (a triage), or while the manifest cannot be read', () => {
    expect(outOfContractReason(running, () => running, 'consumeAudit')).toBeUndefined();
    expect(outOfContractReason(running, () => topology('consumeOrderPlaced'), 'triageOrderTopic')).toBeUndefined();
    expect(outOfContractReason(running, () => { throw new Error('being written'); }, 'consumeAudit')).toBeUndefined();
  });
});
