/**
 * What the `--watch` tests of a function host share: the emulators (and an SQS client on them) for
 * the test file, a project folder with a handler that imports a store naming its version, a queue
 * of its own and the function spec that consumes it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { FunctionHost, startEmulators, type Emulators, type FunctionHostOptions, type FunctionProcesses, type FunctionSpec } from '@sluice/local';
import { CONSUMER_DEFAULTS } from '@sluice/model';

/** What {@link useWatchedHosts} gives a test file. */
export interface WatchedHosts {
  emulators(): Emulators;
  sqs(): SQSClient;
  /** A project folder ({@link watchedProject}), removed after the test. */
  project(prefix: string): WatchedProject;
  /** A function host, stopped after the test; a reload ends its queue's long polls, as in the local runtime, unless `options` say otherwise. */
  host(options: FunctionHostOptions): FunctionHost;
}

/**
 * The emulators of a test file and an SQS client on them, started before its tests and stopped
 * after; the hosts and project folders a test makes through it, stopped and removed after each.
 */
export function useWatchedHosts(): WatchedHosts {
  let emulators: Emulators | undefined;
  let sqs: SQSClient | undefined;
  const hosts: FunctionHost[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    emulators = await startEmulators({ port: 0 });
    sqs = new SQSClient(emulators.clientConfig);
  }, 30_000);
  afterEach(async () => {
    const stopping = hosts.splice(0).map((host) => host.stop());
    // As the local runtime stops its consumers: their pollers' receives in flight are answered now,
    // not at the end of their long polls. The queues are this test's own (thingsQueue): no later
    // test polls them.
    emulators?.endLongPolls();
    await Promise.all(stopping);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    sqs?.destroy();
    await emulators?.stop();
  });
  return {
    emulators: () => emulators!,
    sqs: () => sqs!,
    project: (prefix) => {
      const project = watchedProject(prefix);
      dirs.push(project.root);
      return project;
    },
    host: (options) => {
      // As the local runtime runs them (npm start): a reload ends its queue's long polls.
      const host = new FunctionHost({ endLongPolls: (queue) => emulators!.endLongPollsOn(queue), ...options });
      hosts.push(host);
      return host;
    },
  };
}

/** A project folder: `consumers/consumeThings.ts` imports `src/store.ts`, which names its version. */
export interface WatchedProject {
  root: string;
  /** Writes a file of the project (its folder made first). */
  write(file: string, text: string): void;
  /** The text of a store of that version. */
  store(version: string): string;
}

/**
 * A folder with a handler (`consumers/consumeThings.ts`) importing `src/store.ts` (version v1).
 * The handler logs `loaded <version>` in its init and `handled <n> by <version>` per batch.
 */
export function watchedProject(prefix: string): WatchedProject {
  const root = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  const store = (version: string) => `export const version = () => '${version}';\n`;
  write('package.json', '{ "type": "module" }\n');
  // A function's own process loads tsx from the project, as in a real one.
  symlinkSync(path.resolve(import.meta.dirname, '../../node_modules'), path.join(root, 'node_modules'));
  write('src/store.ts', store('v1'));
  write(
    'consumers/consumeThings.ts',
    `import { version } from '../src/store.ts';
console.log(\`loaded \${version()}\`);
export const handler = async (event: { Records: unknown[] }) => {
  console.log(\`handled \${event.Records.length} by \${version()}\`);
  return { batchItemFailures: [] };
};
`,
  );
  return { root, write, store };
}

let queueCount = 0;

/** A queue of its own on the emulators: its URL and ARN. */
export async function thingsQueue(sqs: SQSClient): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `things-${process.pid}-${queueCount++}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** The spec of `consumeThings` in `root`, consuming `queue` on the emulators (1 s visibility timeout, one at a time). */
export function thingsSpec(emulators: Emulators, root: string, queue: { url: string; arn: string }): FunctionSpec {
  const { endpoint, region, credentials } = emulators.clientConfig;
  return {
    operationId: 'consumeThings',
    functionName: 'ConsumeThings',
    handlerFile: path.join(root, 'consumers/consumeThings.ts'),
    queueUrl: queue.url,
    queueArn: queue.arn,
    visibilityTimeoutSeconds: 1,
    region,
    settings: { ...CONSUMER_DEFAULTS, batchWindowSeconds: 0, maximumConcurrency: 1, reservedConcurrency: 1, tables: {} },
    environment: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
  };
}

/**
 * A host of `consumeThings` in `root` on a queue of its own, not started yet, with what it says,
 * logs and reports in one timeline: `event: …`, `stdout: …` / `stderr: …`, `batch: N deleted` (and
 * `, <failure>` for a failed batch). It does not restart a function within a test.
 */
export async function timelineHost(env: WatchedHosts, root: string, functionProcesses: FunctionProcesses): Promise<{ host: FunctionHost; timeline: string[]; queue: { url: string; arn: string } }> {
  const timeline: string[] = [];
  const queue = await thingsQueue(env.sqs());
  const host = env.host({
    functions: [thingsSpec(env.emulators(), root, queue)],
    functionProcesses,
    root,
    restartDelayMs: 120_000,
    onEvent: (line) => timeline.push(`event: ${line}`),
    onLog: (_operationId, line, stream) => timeline.push(`${stream}: ${line}`),
    onBatch: (_operationId, report) => timeline.push(`batch: ${report.succeeded.length} deleted${report.batchFailure ? `, ${report.batchFailure}` : ''}`),
  });
  return { host, timeline, queue };
}
