/**
 * The README's "Add a message or a consumer" (a second consumer of OrderPlaced, a new message with
 * its consumer, an OrderPlaced v2 side by side read by one consumer), applied as written to ONE
 * copy of this project: every block marked `<!-- apply: <file> [<path>] -->` is merged into the
 * contract or written as a file, in order. Then the project's own commands and tests run in the
 * copy, unedited: the new consumers run, each message reaches only the consumers that declare it,
 * the change is non-breaking, and every test whose outcome can depend on the application's
 * contract passes there (all but those that replace the contract wholesale).
 *
 * The commands that only read the edited copy run side by side: its own tests (the longest, a
 * vitest run of its own) start with the type checker and are awaited last.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadApplication, startLocalRuntime, type LocalRuntime } from '@sluice/local';
import type { Operation, TopicSendOperation } from '@sluice/runtime/contract';
import { createPublisher } from '@sluice/runtime/publisher';
import { spawnSync } from 'node:child_process';
import { copyProject, type ProjectCopy, type RunResult } from '../helpers/project-copy.ts';
import { applicationDependence, applicationDependentTests, applyStep as apply, readmeSteps } from '../helpers/readme-steps.ts';
import { waitFor } from '../helpers/wait-for.ts';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The test files run in the copy: every one whose outcome can depend on the application, except
 * this one (it would apply the steps again). (The second system's and the binding fields' copy
 * the project with a fixture's application: they read none of this one's.)
 */
function projectTestFiles(): string[] {
  const all = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => /^(tests|packages\/[^/]+\/tests|scripts)\/.*\.test\.ts$/.test(f));
  // Left out: the toolchain test asks npm about install scripts, which a copy's linked
  // node_modules cannot answer as an install does; the watch/debug loop edits one handler and is
  // timing-bound, too slow to run twice at once on 2 cores (it runs in the main suite).
  return applicationDependentTests(all, ['tests/framework/readme-steps.test.ts', 'tests/toolchain/node-version.test.ts', 'packages/local/tests/live-dev-loop.test.ts']);
}

/** The compiler `npm run typecheck` runs (TypeScript 7's tsc), as its script names it. */
function typecheckCompiler(): string {
  const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const compiler = /^node (\S+\/bin\/tsc) /.exec(scripts.typecheck ?? '')?.[1];
  if (!compiler) throw new Error(`package.json's typecheck script no longer starts with \`node <path>/bin/tsc\`: ${scripts.typecheck}`);
  return compiler;
}

describe('the test files run in the copy (applicationDependentTests)', () => {
  const files = projectTestFiles();

  it('include every test that names the application or starts the local stack on it', () => {
    // Names the order application's contract; starts the stack with no application of its own.
    expect(files).toContain('packages/local/tests/local-runtime.test.ts');
    // Imports the application's contract, its order store and the order builders (tests/helpers/orders.ts).
    expect(files).toContain('packages/runtime/tests/decoder.property.test.ts');
    // Synthesizes the application's sst.config.ts with its settings.
    expect(files).toContain('packages/orders/tests/sst-config.test.ts');
    // Checks the application's handlers and settings against its contract.
    expect(files).toContain('packages/orders/tests/handlers.test.ts');
    // Publishes every message of the application's contract with npx orders publish-message, on a stack started on it.
    expect(files).toContain('packages/orders/tests/publish-message.test.ts');
    // Renders the application's contract page.
    expect(files).toContain('packages/orders/tests/docs.test.ts');
    // Checks the root's generated/ with codegen --check, run in the repository root (codegen's tests on fixtures are in codegen.test.ts, left out below):
    // in the copy, the one codegen:check of the edited project with its handlers written.
    expect(files).toContain('packages/codegen/tests/codegen-root.test.ts');
    expect(applicationDependence('packages/codegen/tests/codegen-root.test.ts')).toBe("reads the application's generated");
    // Draws the application's picture from the root asyncapi.yaml and settings (through a helper that joins the root).
    expect(applicationDependence('packages/governance/tests/topology-picture.test.ts')).toBe("reads the application's asyncapi.yaml");
    // Copies this project, its application included, and runs it.
    expect(applicationDependence('tests/framework/stale-manifest.test.ts')).toBe('copies this project with its application');
    // Imports the application's CLI by a relative path, not by name.
    expect(applicationDependence('tests/framework/terminal-safe-output.test.ts')).toBe("names the application's packages/orders/src/cli/order-commands.ts");
    // Runs the framework's commands in the repository root, through a helper.
    expect(applicationDependence('tests/entry-points/entry-points.test.ts')).toMatch(/^imports tests\/helpers\/entry-points\.ts, which runs a command in the repository root/);
    // Diffs this repository's own release (the rest of contract:diff's tests, on fixture pairs, are left out).
    expect(applicationDependence('packages/governance/tests/this-release.test.ts')).toBe("reads the application's released/release.json");
    expect(files).not.toContain('packages/governance/tests/contract-diff.test.ts');
    // Start the local stack on the application with no consumer, for its queues.
    expect(files).toContain('packages/ops/tests/sqs-batches.test.ts');
    expect(files).toContain('packages/local/tests/leftovers.test.ts');
  });

  it('leave out the tests on a fixture system of their own (the stack started with the fixture\'s application)', () => {
    expect(files).not.toContain('packages/ops/tests/dead-letter-queue.test.ts');
    expect(files).not.toContain('packages/local/tests/restart.test.ts');
    expect(files).not.toContain('packages/infra/tests/sst-config.test.ts');
    expect(files).not.toContain('packages/runtime/tests/decode-record.test.ts');
    expect(files).not.toContain('packages/runtime/tests/consumer-headers.test.ts');
    // Imports the fixture's own settings (tests/fixtures/single-consumer/settings.ts), whose comments name asyncapi.yaml.
    expect(files).not.toContain('packages/model/tests/triage.test.ts');
    expect(files).not.toContain('packages/model/tests/handlers.test.ts');
    expect(files).not.toContain('packages/ops/tests/triage.test.ts');
    expect(files).not.toContain('packages/ops/tests/unrouted.test.ts');
    // Imports the framework's source (../src/validate-cli.ts), whose generic defaults name generated/.
    expect(files).not.toContain('packages/governance/tests/validate.test.ts');
    expect(files).not.toContain('packages/runtime/tests/publisher.test.ts');
    expect(files).not.toContain('packages/runtime/tests/queue-publisher.test.ts');
    expect(files).not.toContain('packages/ops/tests/publish-command.test.ts');
    expect(files).not.toContain('packages/runtime/tests/timestamps.property.test.ts');
    expect(files).not.toContain('packages/governance/tests/docs.test.ts');
    // Copy this project with a fixture's application in place of this one's (copyProject({ application })).
    expect(files).not.toContain('tests/framework/second-system.test.ts');
    expect(files).not.toContain('packages/local/tests/binding-fields.test.ts');
  });

  it('leave out the tests that name the application\'s paths only in projects of their own (a temp folder, a created project, a public document)', () => {
    // A created project's README.md, asyncapi.yaml and generated/, in a temp folder; the framework's sources by path.
    expect(files).not.toContain('packages/create/tests/create.test.ts');
    expect(files).not.toContain('packages/create/tests/public-contracts.test.ts');
    // A contract of its own in a temp folder.
    expect(files).not.toContain('packages/codegen/tests/literal-escapes.test.ts');
    // codegen on fixture documents, in-process (split from codegen-root.test.ts, which reads the root's contract and generated/).
    expect(files).not.toContain('packages/codegen/tests/codegen.test.ts');
    expect(files).not.toContain('packages/model/tests/project.test.ts');
    // 'packages/orders/consumers' as the consumers folder a plan names, on a fixture's topology.
    expect(files).not.toContain('packages/model/tests/plan.test.ts');
    // A workspace of its own ('packages/demo') in a temp folder.
    expect(files).not.toContain('scripts/check-examples.test.ts');
    // The contract commands on pairs of fixture documents, run in the test's folder.
    expect(files).not.toContain('packages/governance/tests/cli.test.ts');
    // `npm pack` of a framework package, run in the repository root: it reads the package it packs.
    expect(files).not.toContain('packages/create/tests/packed-package.test.ts');
    // The application's paths in comments and in strings written into a copy are not read.
    expect(applicationDependence('tests/framework/second-system.test.ts')).toBeUndefined();
  });
});

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
      'schemas/order-placed.v2.json',
      'asyncapi.yaml components.messages',
      'asyncapi.yaml components.schemas',
      'asyncapi.yaml channels.orderTopic.messages',
      'asyncapi.yaml operations',
      'asyncapi.yaml channels.auditQueue.messages',
      'asyncapi.yaml operations.consumeAudit.messages',
      'packages/orders/consumers/consumeAudit.ts',
    ]);
  });

  it('after the contract edits, codegen writes the topology and says which handlers to write', () => {
    for (const step of steps.filter((s) => !s.file.startsWith('packages/orders/'))) apply(copy, step);
    const codegen = copy.run('packages/codegen/src/cli.ts');
    expect(codegen.status, codegen.stderr).toBe(0);
    expect(codegen.stdout).toContain('codegen: 3 message(s), 1 topic(s), 6 queue(s), 3 subscription(s), 3 consumer(s).');
    const topology = JSON.parse(copy.read('generated/topology.json')) as { subscriptions: { queue: string; filterPolicy: unknown }[] };
    // v2 reaches the audit queue only: each subscription admits the majors its consumer declares.
    expect(Object.fromEntries(topology.subscriptions.map((s) => [s.queue, s.filterPolicy]))).toEqual({
      AuditQueue: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }, { prefix: '2.' }] },
      OrderQueue: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] },
      ShippingQueue: { eventType: ['OrderShipped'], schemaVersion: [{ prefix: '1.' }] },
    });
    // The README's other command after a contract edit: the committed picture, redrawn.
    const diagram = copy.run('packages/governance/src/topology-picture.ts');
    expect(diagram.status, diagram.stderr).toBe(0);
    expect(codegen.stderr).toMatch(/^codegen: next, make the consumers match the contract \(npm test fails until you do\):$/m);
    expect(codegen.stderr).toMatch(/receive operation consumeAudit has no handler: create packages\/orders\/consumers\/consumeAudit\.ts/);
    expect(codegen.stderr).toMatch(/receive operation consumeOrderShipped has no handler: create packages\/orders\/consumers\/consumeOrderShipped\.ts/);
    const check = copy.run('packages/codegen/src/cli.ts', ['--check']);
    expect(check.status).toBe(1);
  }, 60_000);

  /** The project's own tests in the copy: started with the checks below, which it does not wait for. */
  let projectTests: Promise<RunResult> | undefined;
  let reliability: Promise<RunResult> | undefined;

  // codegen:check on the edited copy with its handlers written is run once, by the project's tests
  // below (codegen-root.test.ts, "passes on the committed generated/": \`--check\` in the copy's root,
  // exit 0, "is up to date"), not a second time here; the first describe asserts they include it.
  it('with the handlers written, the type checker and contract:diff pass', async () => {
    for (const step of steps.filter((s) => s.file.startsWith('packages/orders/'))) apply(copy, step);
    // Independent commands on the same edited copy, run side by side (each in its own process, as before).
    projectTests = copy.start('node_modules/vitest/vitest.mjs', ['run', ...projectTestFiles()], { timeoutMs: 600_000 });
    // One reliability scenario (CI runs them all on the unedited repository): its ledger follows
    // the order consumer, which the audit consumer's outcomes for the same publishes broke.
    reliability = copy.start('node_modules/vitest/vitest.mjs', ['run', '-c', 'vitest.reliability.config.ts', 'tests/reliability/equal-instants.reliability.ts'], {
      timeoutMs: 300_000,
      env: { ...process.env, RELIABILITY_SCALE: 'ci' },
    });
    const [tsc, diff] = await Promise.all([copy.start(typecheckCompiler(), ['-p', 'tsconfig.json', '--noEmit']), copy.start('packages/governance/src/diff-cli.ts')]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(diff.status, diff.stdout + diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/non-breaking\s+added\s+topology\.topics\.OrderTopic\.messages\.OrderShipped\s+OrderShipped is filtered away from every consumer that does not declare it/);
    expect(diff.stdout).toMatch(/non-breaking\s+added\s+topology\.topics\.OrderTopic\.messages\.OrderPlacedV2\s+OrderPlacedV2 is filtered away from every consumer that does not declare it/);
    expect(diff.stdout).not.toMatch(/^breaking|^unclassified/m);
  }, 120_000);

  it('runs the new consumers locally: OrderPlaced v1 reaches both of its consumers, v2 the audit consumer only, OrderShipped only its own', async () => {
    const received: { operationId: string; messageId: string; eventType: string | undefined; major: string | undefined }[] = [];
    let runtime: LocalRuntime | undefined;
    const topology = JSON.parse(copy.read('generated/topology.json')) as { operations: Record<string, { action: string }> };
    const consumerIds = new Set(Object.entries(topology.operations).filter(([, o]) => o.action === 'receive').map(([id]) => id));
    try {
      runtime = await startLocalRuntime({
        application: await loadApplication(copy.dir),
        port: 0,
        visibilityTimeoutSeconds: 1,
        batchWindowSeconds: 0,
        logLevel: 'SILENT',
        onBatch: (operationId, report) => {
          // The contract's consumers only (not the framework's own functions, e.g. a topic's triage).
          if (!consumerIds.has(operationId)) return;
          for (const r of report.records) {
            const envelope = JSON.parse(r.body) as { MessageAttributes: Record<string, { Value: string }> };
            received.push({ operationId, messageId: r.messageId, eventType: envelope.MessageAttributes.eventType?.Value, major: envelope.MessageAttributes.schemaVersion?.Value.split('.')[0] });
          }
        },
      });
      const { operations } = (await import(pathToFileURL(path.join(copy.dir, 'generated/index.js')).href)) as { operations: Record<string, Operation> };
      const sns = new SNSClient(runtime.clientConfig);
      const topicArn = runtime.resources.topics.OrderTopic!.arn;
      await createPublisher(operations.publishOrderPlaced as TopicSendOperation, { client: sns, topicArn }).publish({
        orderId: 'ord-readme-1',
        userId: 'usr-1',
        itemName: 'Desk lamp',
        quantity: 1,
        status: 'PAID',
        timestamp: '2026-03-01T10:00:00Z',
      } as never);
      await createPublisher(operations.publishOrderShipped as TopicSendOperation, { client: sns, topicArn }).publish({ orderId: 'ord-readme-1', carrier: 'courier', shippedAt: '2026-03-02T10:00:00Z' } as never);
      await createPublisher(operations.publishOrderPlacedV2 as TopicSendOperation, { client: sns, topicArn }).publish({
        orderId: 'ord-readme-2',
        userId: 'usr-1',
        sku: 'LAMP-01',
        quantity: 1,
        priceCents: 2599,
        status: 'PAID',
        timestamp: '2026-03-01T11:00:00Z',
      } as never);
      sns.destroy();
      // Each delivery once per consumer and SQS message: on a loaded machine a 1 s visibility timeout
      // may run out before its renewal, and SQS then hands the same message over again (at least
      // once); that is not a second message, which is what the routing must never produce.
      const delivered = () => [...new Map(received.map((r) => [`${r.operationId} ${r.messageId}`, r])).values()];
      await waitFor('four deliveries', () => delivered().length >= 4, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(delivered().map((r) => `${r.operationId} ${r.eventType} v${r.major}`).sort()).toEqual(['consumeAudit OrderPlaced v1', 'consumeAudit OrderPlaced v2', 'consumeOrderPlaced OrderPlaced v1', 'consumeOrderShipped OrderShipped v1']);
      // Routed, so not kept as unrouted too: with OrderPlaced in two majors, the unrouted queue's filter
      // once excluded v1 only, kept each v2 publish a second time, and `dlq list` offered to redrive it.
      const sqs = new SQSClient(runtime.clientConfig);
      try {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: runtime.resources.queues.OrderTopicUnrouted!.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
      } finally {
        sqs.destroy();
      }
    } finally {
      await runtime?.stop();
    }
  }, 60_000);

  it("passes the project's existing tests, unedited", async () => {
    expect(projectTests, 'started by the type checker test above').toBeDefined();
    const vitest = await projectTests!;
    // The failing files first, then the end of the output.
    const failed = vitest.stdout.split('\n').filter((line) => /\bFAIL\b/.test(line));
    expect(vitest.status, [...new Set(failed)].join('\n') + '\n' + vitest.stdout.slice(-3000) + vitest.stderr.slice(-2000)).toBe(0);
  }, 620_000);

  it('passes a reliability scenario: the ledger follows the order consumer, whatever consumers the contract adds', async () => {
    expect(reliability, 'started by the type checker test above').toBeDefined();
    const run = await reliability!;
    expect(run.status, run.stdout.slice(-3000) + run.stderr.slice(-2000)).toBe(0);
  }, 320_000);
});
