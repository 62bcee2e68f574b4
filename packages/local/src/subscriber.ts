/**
 * What `npm run subscriber` runs: the application's consumers against a stack that runs elsewhere
 * (`npm start -- --no-consumers`), treated as `npm start` treats its own.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CliError, UsageError } from '@sluice/cli';
import { endpointEnv, localCredentials, localRegion, operatorCommandAt } from '@sluice/ops';
import { loadApplication, readTopology, type Application } from './application.ts';
import type { FunctionHost } from './lambda/function-host.ts';
import { outOfContractReason, startFunctions, type FunctionOptions } from './local-runtime.ts';
import { END_LONG_POLLS_PATH } from './stack/aws-gateway.ts';
import { RemoteFailureJournal } from './stack/failure-journal.ts';
import { discoverResources } from './stack/provision.ts';
import { batchLine, clock, deadLetterRouteOf, eventLine } from './terminal-report.ts';
import { watchTopology } from './topology-watch.ts';

/** The consumers the stack at `endpoint` runs in its own process, as its health answer names them (none from an older stack). */
async function consumersOfStack(endpoint: string): Promise<string[]> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
    const consumers = ((await res.json()) as { consumers?: unknown }).consumers;
    return Array.isArray(consumers) ? consumers.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Asks the stack at `endpoint` to answer at once the receives waiting on a long poll on a queue
 * ({@link END_LONG_POLLS_PATH}): a consumer here that stops or reloads then does not wait out its
 * receive in flight (up to a second). Nothing is awaited. Where the stack does not do it (an older
 * one without the path, one gone or hung), the poll runs out as before, and `say` is told so once.
 */
function remoteLongPollEnder(endpoint: string, say: (line: string) => void): (queue: string) => void {
  let said = false;
  const notEnded = (queue: string, why: string) => {
    if (said) return;
    said = true;
    say(`warning: the stack at ${endpoint} did not end the long polls of ${queue} (${why}): a stop or reload of a consumer here waits out its receive in flight (a second at most)${why.startsWith('HTTP') ? `; a stack without ${END_LONG_POLLS_PATH} (an older npm start) never does` : ''}`);
  };
  return (queue) => {
    void fetch(`${endpoint}${END_LONG_POLLS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queue }),
      signal: AbortSignal.timeout(1_000),
    })
      .then(async (res) => {
        const text = await res.text();
        if (!res.ok) notEnded(queue, `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      })
      .catch((error: unknown) => notEnded(queue, error instanceof Error ? error.message : String(error)));
  };
}

/** What {@link startSubscriber} runs, and how (`npm run subscriber`'s options). */
export interface SubscriberOptions extends Pick<FunctionOptions, 'watch' | 'inspect' | 'functionProcesses' | 'logLevel' | 'concurrency'> {
  /** The endpoint of the stack that runs elsewhere. */
  endpoint: string;
  /** Run only these consumers (`--only`); all by default. */
  only?: readonly string[];
  /** No line per batch (`--quiet`). */
  quiet?: boolean;
  /** Each line to print: batches, events, the topology watch's lines. */
  out: (line: string) => void;
  /** The application to run; the one in the working directory by default. */
  application?: Application;
}

/** The consumers of `npm run subscriber`, running: see {@link startSubscriber}. */
export interface RunningSubscriber {
  /** The host of the consumers (and of the topics' triage functions). */
  readonly host: FunctionHost;
  /** Stops the watch of the topology manifest, then the consumers after their batches in flight. */
  stop(): Promise<void>;
}

/**
 * Starts what `npm run subscriber` runs until Ctrl-C: the application's consumers (and the topics'
 * triage) against the stack at `options.endpoint`, treated as `npm start` treats its own: a
 * consumer whose operation `npm run codegen` removed fails its init for that, which is said once
 * and not retried ({@link outOfContractReason}, restart `npm run subscriber` to apply it), and the
 * watch of generated/topology.json ({@link watchTopology}) says when the topology changes, holds
 * the consumers waiting to start again whose operation it removed, and says when the manifest
 * stays unreadable.
 *
 * @param options - the endpoint, which consumers and how, where the lines go
 * @returns the running consumers; stop them with `stop()`
 * @throws `UsageError` when `only` names no consumer of the contract; `CliError` when no stack
 *   answers at the endpoint, or the contract has no receive operation
 *
 * @example
 * ```ts
 * import { startSubscriber } from '@sluice/local';
 *
 * const subscriber = await startSubscriber({ endpoint: 'http://127.0.0.1:4566', out: console.log });
 * await subscriber.stop();
 * ```
 */
export async function startSubscriber(options: SubscriberOptions): Promise<RunningSubscriber> {
  const { endpoint, out } = options;
  const application = options.application ?? (await loadApplication());
  for (const id of options.only ?? []) {
    if (!application.handlers[id]) throw new UsageError(`--only ${JSON.stringify(id)} is not a consumer of the contract: ${Object.keys(application.handlers).join(', ') || 'it has none'}`);
  }
  const clientConfig = { endpoint, region: localRegion, credentials: localCredentials };
  const sqs = new SQSClient({ ...clientConfig, maxAttempts: 2 });
  const sns = new SNSClient({ ...clientConfig, maxAttempts: 2 });
  let resources;
  try {
    resources = await discoverResources(application.topology, application.settings, { sqs, sns, region: localRegion });
  } catch (error) {
    throw new CliError(`no usable stack at ${endpoint}: ${(error as Error).message}`, { next: `Start it first (npm start -- --no-consumers), or point this at the stack that runs: --endpoint <url> or ${endpointEnv}=<url>, the endpoint npm start printed` });
  } finally {
    sqs.destroy();
    sns.destroy();
  }
  // The batch lines name the dead-letter queue and the operator command that lists it, at this stack's endpoint.
  // Consumers the stack's own process runs too (npm start without --no-consumers): both would poll their queues.
  const both = (await consumersOfStack(endpoint)).filter((id) => (options.only ?? Object.keys(application.handlers)).includes(id));
  if (both.length > 0) {
    out(
      eventLine(
        clock(),
        `warning: the stack at ${endpoint} runs ${both.join(', ')} itself: ${both.length === 1 ? 'it and this one' : 'they and these'} poll the same queue${both.length === 1 ? '' : 's'}, each message going to one or the other. To run ${both.length === 1 ? 'it' : 'them'} here only, start the stack with npm start -- --no-consumers (or run the others here with --only).`,
      ),
    );
  }
  // What a consumer here fails on goes to the stack's journal, for `dlq list` there.
  const failures = new RemoteFailureJournal(endpoint, (line) => out(eventLine(clock(), line)));
  const operatorView = { topology: application.topology, project: { ...application.project, operatorCommand: operatorCommandAt(application.project.operatorCommand, endpoint) } };
  const host = await startFunctions(application, resources, clientConfig, {
    consumers: options.only ?? true,
    failures,
    endLongPolls: remoteLongPollEnder(endpoint, (line) => out(eventLine(clock(), line))),
    ...(options.watch ? { watch: true } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
    ...(options.functionProcesses ? { functionProcesses: options.functionProcesses } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    onBatch: (operationId, report) => {
      if (!options.quiet) out(batchLine(operationId, report, deadLetterRouteOf(operatorView, operationId)));
    },
    onEvent: (line) => out(eventLine(clock(), line)),
    // As npm start: a consumer that npm run codegen removed fails its init for that: said once, not retried.
    outOfContract: (operationId) => outOfContractReason(application.topology, () => readTopology(application.project), operationId, 'npm run subscriber'),
  });
  if (!host) {
    await failures.close();
    throw new CliError('the contract has no receive operation: nothing to run');
  }
  // As npm start: a topology that codegen changed is said (a restart applies it), and the consumers
  // waiting to start again whose operation it removed are held.
  const stopTopologyWatch = watchTopology({
    generated: application.project.generated,
    running: application.topology,
    readNow: () => readTopology(application.project),
    report: (line) => out(eventLine(clock(), line)),
    apply: 'restart npm start and npm run subscriber to apply it',
    read: () => host.contractChanged(),
  });
  return {
    host,
    async stop() {
      stopTopologyWatch();
      await host.stop();
      await failures.close();
    },
  };
}
