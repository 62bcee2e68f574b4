/**
 * The contract-only change the framework promises: a different maxReceiveCount and a renamed
 * dead-letter queue show in `infra:plan` and `npm start` after `npm run codegen`, nothing else
 * edited. On a copy of this project. (Apart from readme-steps.test.ts, which it used to follow, so
 * that the two copies are worked on at the same time.)
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, type ProjectCopy } from '../helpers/project-copy.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('a redrive change made in the contract only', () => {
  let copy: ProjectCopy;
  beforeAll(() => {
    copy = copyProject();
    copy.replace('asyncapi.yaml', 'maxReceiveCount: 3', 'maxReceiveCount: 5');
    const contract = copy.read('asyncapi.yaml').replaceAll('name: OrderDLQ', 'name: OrderDeadLetters');
    copy.write('asyncapi.yaml', contract);
    const codegen = copy.run('packages/codegen/src/cli.ts');
    if (codegen.status !== 0) throw new Error(codegen.stderr);
  });
  afterAll(() => copy?.dispose());

  it('shows in infra:plan --json after npm run codegen, nothing else edited', () => {
    const planned = copy.run('packages/infra/src/plan/cli.ts', ['--json']);
    expect(planned.status, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { resources: { type: string; name: string; properties: Record<string, any> }[] };
    const queues = plan.resources.filter((r) => r.type === 'aws:sqs/queue:Queue');
    expect(queues.map((q) => q.name).sort()).toEqual(['OrderDeadLettersQueue', 'OrderQueueQueue']);
    expect(queues.find((q) => q.name === 'OrderQueueQueue')?.properties.redrive).toEqual({ deadLetterQueue: 'OrderDeadLettersQueue', maxReceiveCount: 5 });
    const alarms = plan.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm').map((r) => r.name);
    expect(alarms.filter((name) => /DLQ|DeadLetters/.test(name)).sort()).toEqual(['OrderDeadLettersAgeAlarm', 'OrderDeadLettersDepthAlarm']);
  }, 120_000);

  it('shows in npm start', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/bin/start.ts', '--port', '0', '--in-memory'], { cwd: copy.dir, stdio: ['ignore', 'pipe', 'pipe'] });
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
