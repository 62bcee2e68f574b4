/**
 * The README's "Add a message or a consumer", applied as written to a copy of this project: every
 * block marked `<!-- apply: <file> [<path>] -->` is merged into the contract or written as a file,
 * in order. Then the project's own commands and tests run in the copy, unedited: the new consumers
 * run, the new message reaches only its consumer, and the change is non-breaking.
 *
 * The commands that only read the edited copy run side by side: its own tests (the longest, a
 * vitest run of its own) start with the type checker and are awaited last.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadApplication, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { Operation, SendOperation } from '@sluice/runtime/contract';
import { createPublisher } from '@sluice/runtime/publisher';
import { parse, stringify } from 'yaml';
import { copyProject, type ProjectCopy, type RunResult } from '../helpers/project-copy.ts';
import { waitFor } from '../helpers/wait-for.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface Step {
  file: string;
  /** Dotted path inside a YAML file where the block goes (merged into a map, appended to a list). */
  at: string | undefined;
  body: string;
}

/** The steps of the README section, in order. */
function readmeSteps(): Step[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Add a message or a consumer'), readme.indexOf('\n## ', readme.indexOf('## Add a message or a consumer') + 5));
  const steps: Step[] = [];
  for (const match of section.matchAll(/<!-- apply: (\S+)(?: (\S+))? -->\n```\w*\n([\s\S]*?)\n```/g)) steps.push({ file: match[1]!, at: match[2], body: match[3]! });
  return steps;
}

function apply(copy: ProjectCopy, step: Step): void {
  if (!step.at) {
    copy.write(step.file, `${step.body}\n`);
    return;
  }
  const doc = parse(copy.read(step.file)) as Record<string, unknown>;
  let target: any = doc;
  for (const key of step.at.split('.')) target = target[key];
  const fragment = parse(step.body) as unknown;
  if (Array.isArray(target)) target.push(...(fragment as unknown[]));
  else Object.assign(target, fragment);
  copy.write(step.file, stringify(doc, { lineWidth: 0 }));
}

describe("the README's steps to add a consumer and a message", () => {
  let copy: ProjectCopy;
  const steps = readmeSteps();

  beforeAll(() => {
    copy = copyProject();
  });
  afterAll(() => copy?.dispose());

  it('are in the README, as blocks a reader can copy', () => {
    expect(steps.map((s) => `${s.file}${s.at ? ` ${s.at}` : ''}`)).toEqual([
      'asyncapi.yaml channels',
      'asyncapi.yaml operations',
      'asyncapi.yaml operations.publishOrderPlaced.bindings.sns.consumers',
      'packages/orders/consumers/consumeAudit.ts',
      'schemas/order-shipped.v1.json',
      'asyncapi.yaml components.messages',
      'asyncapi.yaml components.schemas',
      'asyncapi.yaml channels.orderTopic.messages',
      'asyncapi.yaml channels',
      'asyncapi.yaml operations',
      'packages/orders/consumers/consumeOrderShipped.ts',
    ]);
  });

  it('after the contract edits, codegen writes the topology and says which handlers to write', () => {
    for (const step of steps.filter((s) => !s.file.startsWith('packages/orders/'))) apply(copy, step);
    const codegen = copy.run('packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    expect(codegen.stdout).toContain('codegen: 2 message(s), 1 topic(s), 6 queue(s), 3 subscription(s), 3 consumer(s).');
    expect(codegen.stderr).toMatch(/receive operation consumeAudit has no handler: create packages\/orders\/consumers\/consumeAudit\.ts/);
    expect(codegen.stderr).toMatch(/receive operation consumeOrderShipped has no handler: create packages\/orders\/consumers\/consumeOrderShipped\.ts/);
    const check = copy.run('packages/codegen/src/cli.ts', ['--check']);
    expect(check.status).toBe(1);
  }, 60_000);

  /** The project's own tests in the copy: started with the checks below, which it does not wait for. */
  let projectTests: Promise<RunResult> | undefined;

  it('with the handlers written, codegen:check, the type checker and contract:diff pass', async () => {
    for (const step of steps.filter((s) => s.file.startsWith('packages/orders/'))) apply(copy, step);
    // Independent commands on the same edited copy, run side by side (each in its own process, as before).
    projectTests = copy.start('node_modules/vitest/vitest.mjs', ['run', 'packages/infra/tests', 'packages/local/tests/local-runtime.test.ts', 'packages/orders/tests/contract', 'packages/model/tests/handlers.test.ts'], { timeoutMs: 300_000 });
    const [check, tsc, diff] = await Promise.all([
      copy.start('packages/codegen/src/cli.ts', ['--check']),
      copy.start('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit']),
      copy.start('packages/governance/src/diff-cli.ts'),
    ]);
    expect(check.status, check.stderr).toBe(0);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(diff.status, diff.stdout + diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/non-breaking\s+added\s+topology\.topics\.OrderTopic\.messages\.OrderShipped\s+OrderShipped is filtered away from every consumer that does not declare it/);
    expect(diff.stdout).not.toMatch(/^breaking|^unclassified/m);
  }, 120_000);

  it('runs the new consumers locally: OrderPlaced reaches both of its consumers, OrderShipped only its own', async () => {
    const received: { operationId: string; eventType: string | undefined }[] = [];
    let runtime: LocalRuntime | undefined;
    try {
      runtime = await startLocalRuntime({
        application: await loadApplication(copy.dir),
        port: 0,
        visibilityTimeoutSeconds: 1,
        batchWindowSeconds: 0,
        logLevel: 'SILENT',
        onBatch: (operationId, report) => {
          for (const r of report.records) {
            const envelope = JSON.parse(r.body) as { MessageAttributes: Record<string, { Value: string }> };
            received.push({ operationId, eventType: envelope.MessageAttributes.eventType?.Value });
          }
        },
      });
      const { operations } = (await import(pathToFileURL(path.join(copy.dir, 'generated/index.js')).href)) as { operations: Record<string, Operation> };
      const sns = new SNSClient(runtime.clientConfig);
      const topicArn = runtime.resources.topics.OrderTopic!.arn;
      await createPublisher(operations.publishOrderPlaced as SendOperation, { client: sns, topicArn }).publish({
        orderId: 'ord-readme-1',
        userId: 'usr-1',
        itemName: 'Desk lamp',
        quantity: 1,
        status: 'PAID',
        timestamp: '2026-03-01T10:00:00Z',
      } as never);
      await createPublisher(operations.publishOrderShipped as SendOperation, { client: sns, topicArn }).publish({ orderId: 'ord-readme-1', carrier: 'courier', shippedAt: '2026-03-02T10:00:00Z' } as never);
      sns.destroy();
      await waitFor('three deliveries', () => received.length >= 3, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(received.map((r) => `${r.operationId} ${r.eventType}`).sort()).toEqual(['consumeAudit OrderPlaced', 'consumeOrderPlaced OrderPlaced', 'consumeOrderShipped OrderShipped']);
    } finally {
      await runtime?.stop();
    }
  }, 60_000);

  it("passes the project's existing infrastructure, runtime and contract tests, unedited", async () => {
    expect(projectTests, 'started by the codegen:check and type checker test above').toBeDefined();
    const vitest = await projectTests!;
    expect(vitest.status, vitest.stdout.slice(-3000) + vitest.stderr.slice(-2000)).toBe(0);
  }, 320_000);
});
