/**
 * The contract-only change the framework promises: a different maxReceiveCount and a renamed
 * dead-letter queue show in `infra:plan` and `npm start` after `npm run codegen`, nothing else
 * edited. On a copy of this project. (Apart from readme-steps.test.ts, which it used to follow, so
 * that the two copies are worked on at the same time.)
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { copyProject, type ProjectCopy } from '../helpers/project-copy.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a redrive change made in the contract only', () => {
  let copy: ProjectCopy;
  beforeAll(() => {
    copy = copyProject();
    // The order queue's binding only: whatever other queues the contract has keep theirs.
    const contract = parse(copy.read('asyncapi.yaml')) as { channels: Record<string, { bindings: { sqs: { queue: { redrivePolicy: { deadLetterQueue: { name: string }; maxReceiveCount: number } }; deadLetterQueue: { name: string } } } }> };
    const sqs = contract.channels.orderQueue!.bindings.sqs;
    expect([sqs.queue.redrivePolicy.deadLetterQueue.name, sqs.queue.redrivePolicy.maxReceiveCount, sqs.deadLetterQueue.name]).toEqual(['OrderDLQ', 3, 'OrderDLQ']);
    sqs.queue.redrivePolicy = { deadLetterQueue: { name: 'OrderDeadLetters' }, maxReceiveCount: 5 };
    sqs.deadLetterQueue.name = 'OrderDeadLetters';
    copy.write('asyncapi.yaml', stringify(contract, { lineWidth: 0 }));
    const codegen = copy.run('packages/codegen/src/cli.ts');
    if (codegen.status !== 0) throw new Error(codegen.stderr);
  });
  afterAll(() => copy?.dispose());

  it('shows in infra:plan --json after npm run codegen, nothing else edited', () => {
    const planned = copy.run('packages/infra/src/plan/cli.ts', ['--json']);
    expect(planned.status, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { resources: { type: string; name: string; properties: Record<string, any> }[] };
    const queues = plan.resources.filter((r) => r.type === 'aws:sqs/queue:Queue');
    // Every queue of the contract, the order queue's dead letters under their new name.
    const topology = JSON.parse(copy.read('generated/topology.json')) as { queues: Record<string, unknown> };
    expect(Object.keys(topology.queues)).toContain('OrderDeadLetters');
    expect(Object.keys(topology.queues)).not.toContain('OrderDLQ');
    // Every queue of the contract; besides them only the framework's own per topic (unrouted, triage and its DLQ).
    expect(queues.map((q) => q.name).filter((name) => !/(Unrouted|Triage|TriageDLQ)Queue$/.test(name)).sort()).toEqual(Object.keys(topology.queues).map((name) => `${name}Queue`).sort());
    expect(queues.find((q) => q.name === 'OrderQueueQueue')?.properties.redrive).toEqual({ deadLetterQueue: 'OrderDeadLettersQueue', maxReceiveCount: 5 });
    const alarms = plan.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm').map((r) => r.name);
    expect(alarms.filter((name) => /OrderDLQ|OrderDeadLetters/.test(name)).sort()).toEqual(['OrderDeadLettersAgeAlarm', 'OrderDeadLettersDepthAlarm']);
  }, 120_000);

  it('shows in npm start', async () => {
    const child = spawn(process.execPath, ['packages/local/src/bin/start.ts', '--port', '0', '--in-memory'], { cwd: copy.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor('the banner', () => output.includes('Ctrl-C to stop'), 30_000);
      expect(output).toMatch(/queue\s+\S+\/OrderQueue \(visibility \d+ s \(deployed 180 s\), to OrderDeadLetters after 5 receives\)/);
      expect(output).toMatch(/queue\s+\S+\/OrderDeadLetters \(dead letters of OrderQueue, kept 14 days\)/);
      expect(output).not.toContain('OrderDLQ');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);
});
