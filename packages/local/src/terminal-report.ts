/**
 * What `npm start`, `npm run subscriber` and `npm run demo` print: where everything is, one line
 * per batch, and what is left in the queues at the end.
 */
import path from 'node:path';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { shellWord, terminalSafe, terminalSafeIndented } from '@sluice/cli';
import type { BatchReport } from './lambda/event-source-poller.ts';
import type { Application } from './application.ts';
import type { LocalRuntime } from './local-runtime.ts';
import { endpointAssignment, queueDepth } from '@sluice/ops';
import { functionNameOf, resolvePlan, TRIAGE_SETTINGS, triageOf, unroutedOf } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { TRIAGE_REASON_ATTRIBUTE } from '@sluice/runtime/triage';

/**
 * The current time (UTC) as `hh:mm:ss.mmm`, the prefix of the live lines.
 *
 * @example
 * ```ts
 * import { clock } from '@sluice/local';
 *
 * console.log(`${clock()} consumers started`); // '14:03:07.512 consumers started'
 * ```
 */
export const clock = () => new Date().toISOString().slice(11, 23);

/**
 * What the consumer's metrics say about a batch, as words: `stored 8, duplicate 2; waited ≤ 1.2 s`
 * (records by outcome, as `Records<Outcome>` count them, and the oldest message's age).
 */
export function metricsSummary(metrics: Record<string, number[]> | undefined): string | undefined {
  if (!metrics) return undefined;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const outcomes = Object.entries(metrics)
    .filter(([name, values]) => /^Records[A-Z]/.test(name) && sum(values) > 0)
    .map(([name, values]) => `${name.charAt(7).toLowerCase()}${name.slice(8)} ${sum(values)}`);
  const ages = metrics.MessageAgeMs ?? [];
  const age = ages.length ? `waited ≤ ${formatMs(Math.max(...ages))}` : undefined;
  const parts = [outcomes.join(', '), age].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Where a function's failed messages end up: its queue's redrive ({@link deadLetterRouteOf}). */
export interface DeadLetterRoute {
  /** Receives before the queue moves a message to its dead-letter queue. */
  maxReceiveCount: number;
  /** The dead-letter queue's name. */
  deadLetterQueue?: string;
  /** The whole command line that lists it (`npx orders dlq list --queue OrderPlacedDLQ`), when the application has an operator command. */
  listCommand?: string;
}

/**
 * One line per batch: how many were done and deleted, how many stay for a retry, how many go to
 * the dead-letter queue next (failed on the queue's last receive, `receive 3/3`: the queue moves
 * them there when they come back), and why.
 *
 * @param operationId - the consumer that handled the batch
 * @param report - what the poller reported
 * @param redrive - the queue's receives before dead-lettering, shown as `receive 2/5` (or its whole
 *   {@link DeadLetterRoute}: the dead-letter queue and its listing are then named); undefined without a DLQ
 * @returns the line, with the time first
 * @example
 * ```ts
 * import { batchLine, startLocalRuntime } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime({
 *   onBatch: (operationId, report) => console.log(batchLine(operationId, report, 5)),
 * });
 * // '14:03:07.512 consumePaymentCaptured: batch of 3: 2 done (deleted), 1 left for retry (receive 1/5) in 41 ms'
 * ```
 */
export function batchLine(operationId: string, report: BatchReport, redrive: number | DeadLetterRoute | undefined): string {
  const route = typeof redrive === 'number' ? { maxReceiveCount: redrive } : redrive;
  const max = route?.maxReceiveCount;
  const receiveOf = (r: BatchReport['records'][number]) => Number(r.attributes.ApproximateReceiveCount);
  const receives = report.records.map(receiveOf);
  const retried = receives.filter((n) => n > 1).length;
  const summary = metricsSummary(report.metrics);
  // How many of the batch had been received before, with the batch, not after what happens to them next (it read "to OrderDLQ next, 1 redelivered").
  const redelivered = retried ? ` (${retried === report.records.length ? (retried === 1 ? 'redelivered' : 'all redelivered') : `${retried} redelivered`})` : '';
  const head = `${clock()} ${operationId}: batch of ${report.records.length}${redelivered}: ${report.succeeded.length} done (deleted)${summary ? ` [${summary}]` : ''}`;
  // Each failed record's receive count (the batch's highest for an id the records do not have).
  const failedReceives = report.failed.map((id) => {
    const r = report.records.find((rec) => rec.messageId === id);
    return r ? receiveOf(r) : Math.max(...receives);
  });
  const last = max ? failedReceives.filter((n) => n >= max) : [];
  const again = max ? failedReceives.filter((n) => n < max) : failedReceives;
  const retry = again.length ? `, ${again.length} left for retry (receive ${Math.max(...again)}${max ? `/${max}` : ''})` : '';
  const where = route?.deadLetterQueue ? terminalSafe(route.deadLetterQueue) : 'its dead-letter queue';
  // SQS moves it when it is received again, once its visibility timeout ends: not at once.
  const listing = route?.listCommand ? ` (\`${terminalSafe(route.listCommand)}\` lists ${last.length === 1 ? 'it' : 'them'} then)` : '';
  const dead = last.length ? `, ${last.length} failed on ${last.length === 1 ? 'its' : 'their'} last receive (${max}/${max}): to ${where} after the visibility timeout${listing}` : '';
  const failed = `${retry}${dead}`;
  const why = report.batchFailure ? ` [whole batch: ${terminalSafe(report.batchFailure)}]` : '';
  return `${head}${failed}${why} in ${report.durationMs} ms`;
}

/**
 * Where everything is: endpoint, topics, queues, subscriptions, tables, consumers (the banner of
 * `npm start`). Each topic's unrouted queue says where to see why a publish reached no consumer:
 * the operator command's `dlq list` when its package.json declares one
 * (`eventContract.operatorCommand`: `npx orders dlq list --queue …`, a created project's `npm run
 * ops -- dlq list --queue …`), else the AWS CLI against the local endpoint.
 *
 * @param runtime - the running stack
 * @param options - `consumersElsewhere`: the consumers run in another process; `watch`, `inspect`: say so
 * @returns the lines, without newlines
 * @example
 * ```ts
 * import { bannerLines, startLocalRuntime } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime();
 * console.log(bannerLines(runtime).join('\n'));
 * ```
 */
export function bannerLines(runtime: LocalRuntime, options: { consumersElsewhere?: boolean; watch?: boolean; inspect?: boolean } = {}): string[] {
  const { topology, settings } = runtime.application;
  const r = runtime.resources;
  const plan = resolvePlan({ topology, settings, check: false });
  const lines = [
    `Local runtime for ${topology.contract.title} ${topology.contract.version} (fauxqs + dynalite, one endpoint)`,
    `  endpoint      ${runtime.endpoint}   (SNS, SQS and DynamoDB; AWS_ENDPOINT_URL=${runtime.endpoint})`,
  ];
  for (const topic of Object.values(topology.topics)) lines.push(`  topic         ${r.topics[topic.name]!.arn}`);
  for (const queue of Object.values(topology.queues)) {
    const local = r.queues[queue.name]!;
    const deployed = plan.queues.find((q) => q.name === queue.name)!.visibilityTimeoutSeconds;
    const role = queue.deadLetterFor.length
      ? `dead letters of ${queue.deadLetterFor.join(', ')}, kept ${Math.round(queue.retentionSeconds / 86400)} days`
      : `visibility ${local.visibilityTimeoutSeconds} s${local.visibilityTimeoutSeconds !== deployed ? ` (deployed ${deployed} s)` : ''}${queue.deadLetter ? `, to ${queue.deadLetter.queue} after ${queue.deadLetter.maxReceiveCount} receives` : ''}`;
    lines.push(`  queue         ${local.url} (${role})`);
  }
  for (const u of plan.queues.filter((q) => q.kind === 'unrouted')) {
    const local = r.queues[u.name];
    if (!local) continue;
    const kept = `  queue         ${local.url} (unrouted publishes of ${u.unrouted!.topic}: what no subscription admits, kept 14 days;`;
    const operator = runtime.application.project.operatorCommand;
    // The whole command line, to copy: `npx orders dlq list …`, a created project's `npm run ops -- dlq list …`.
    if (operator) lines.push(`${kept} \`${operator} dlq list --queue ${u.name}\` says why)`);
    else {
      // No operator command declared (so no `dlq list` to name): the AWS CLI shows the
      // messages, left visible, with the attributes the reason is read from.
      lines.push(`${kept} its messages' attributes say why: eventType/schemaVersion in the SNS envelope, ${TRIAGE_REASON_ATTRIBUTE} when the triage function kept it)`);
      lines.push(
        `                see them: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${runtime.endpoint} --region ${r.region} sqs receive-message --queue-url ${local.url} --max-number-of-messages 10 --visibility-timeout 0 --message-attribute-names All`,
      );
    }
  }
  for (const t of plan.triage) {
    for (const name of [t.queue, t.deadLetterQueue]) {
      const local = r.queues[name];
      if (local) lines.push(`  queue         ${local.url} (${name === t.queue ? `every publish of ${t.topic}, triaged by ${functionNameOf(t.operationId)}` : `what ${functionNameOf(t.operationId)} could not keep`})`);
    }
  }
  for (const s of topology.subscriptions) {
    lines.push(`  subscription  ${s.topic} → ${s.queue} (raw delivery ${s.rawMessageDelivery ? 'on' : 'off'}, filter ${JSON.stringify(s.filterPolicy)})`);
  }
  for (const u of plan.unrouted) lines.push(`  subscription  ${u.topic} → ${u.queue} (the complement of ${u.topic}'s filters: missing eventType/schemaVersion, undeclared types and majors)`);
  for (const t of plan.triage) lines.push(`  subscription  ${t.topic} → ${t.queue} (no filter: every publish, for ${functionNameOf(t.operationId)} to keep in ${t.unroutedQueue} what no filter admits, e.g. no message attribute at all)`);
  for (const table of Object.keys(r.tables)) lines.push(`  table         ${table}`);
  lines.push(`  data folder   ${runtime.emulators.dataDir ?? '(in memory: nothing survives a restart)'}`);
  if (options.consumersElsewhere || !runtime.functions) {
    // With the endpoint when the subscriber would not find this stack by itself (--port other than 4566).
    const assignment = endpointAssignment(runtime.endpoint);
    lines.push(`  consumers     not in this process: run \`${assignment ? `${assignment} ` : ''}npm run subscriber\` in another terminal`);
  } else {
    const settingsFile = path.relative(runtime.application.project.root, runtime.application.project.settings) || runtime.application.project.settings;
    for (const f of runtime.functions.functions) {
      const s = plan.functions.find((fn) => fn.operationId === f.operationId)!;
      // A consumer the settings do not name runs with the framework's defaults (30 s, 5 at once),
      // not the numbers create writes for each: said where its numbers are shown.
      const defaults = s.kind !== 'triage' && settings.consumers?.[f.operationId] === undefined ? `; the framework's defaults: ${settingsFile} has no entry for it, add one to choose` : '';
      lines.push(
        `  ${s.kind === 'triage' ? 'triage        ' : 'consumer      '}${f.operationId} (${f.functionName}: batch ${s.batchSize}, window ${s.batchWindowSeconds} s, timeout ${s.timeoutSeconds} s, ${s.maximumConcurrency} concurrent${f.inspectPort ? `, debugger 127.0.0.1:${f.inspectPort}` : ''}${defaults})`,
      );
    }
    if (options.watch) lines.push(`  watch         on: a consumer reloads when a source file it imports changes`);
  }
  return lines;
}

/**
 * What is still in the queues, said before the stack stops: kept on disk, or discarded with the
 * in-memory stack. A failure to count is reported, not hidden.
 *
 * @param runtime - the running stack
 * @returns the sentence (with a leading space), or `''` when every queue is empty; never throws
 * @example
 * ```ts
 * import { leftoversLine, startLocalRuntime } from '@sluice/local';
 *
 * const runtime = await startLocalRuntime({ dataDir: '.sluice-data' });
 * const left = await leftoversLine(runtime);
 * await runtime.stop();
 * console.log(`stopped.${left}`);
 * ```
 */
export async function leftoversLine(runtime: LocalRuntime): Promise<string> {
  const sqs = new SQSClient(runtime.clientConfig);
  try {
    let queued = 0;
    let dead = 0;
    let unrouted = 0;
    const { topology, settings } = runtime.application;
    for (const queue of resolvePlan({ topology, settings, check: false }).queues) {
      const local = runtime.resources.queues[queue.name];
      if (!local) continue;
      const { total } = await queueDepth(sqs, local.url);
      if (queue.kind === 'deadLetter') dead += total;
      else if (queue.kind === 'unrouted') unrouted += total;
      else queued += total;
    }
    // The queues an earlier contract left, which the stack keeps with their messages.
    const kept: string[] = [];
    let inKept = 0;
    for (const name of runtime.resources.orphanQueues) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      const { total } = await queueDepth(sqs, QueueUrl!);
      if (total === 0) continue;
      inKept += total;
      kept.push(`${name} ${total}`);
    }
    if (queued + dead + unrouted + inKept === 0) return '';
    const counts = `${queued} queued, ${dead} dead-lettered and ${unrouted} unrouted message(s)${inKept > 0 ? `, and ${inKept} in queues an earlier contract left (${kept.join(', ')}),` : ''}`;
    const dataDir = runtime.emulators.dataDir;
    if (!dataDir) return ` ${counts} were discarded (in-memory stack).`;
    // npm start's own folder, else the option that opens this one.
    const start = path.resolve(dataDir) === path.join(runtime.application.project.root, '.sluice-data') ? 'npm start' : `npm start -- --data-dir ${shellWord(dataDir)}`;
    const waiting = dead + unrouted + inKept > 0 ? `; the dead-lettered and unrouted ones wait there for \`dlq redrive\`` : '';
    return ` ${counts} are kept in ${dataDir}: the next \`${start}\` picks them up${queued > 0 ? ' (it handles the queued ones' + waiting + ')' : waiting ? ` (they wait there for \`dlq redrive\`)` : ''}.`;
  } catch (error) {
    return ` (could not count the messages left in the queues: ${(error as Error).message})`;
  } finally {
    sqs.destroy();
  }
}

/**
 * Where a function's failed messages go, for its batch lines: the receives its queue allows
 * (as {@link maxReceiveCountOf}), the dead-letter queue, and, when the application declares an
 * operator command, the command that lists that queue; `undefined` when the queue has no
 * dead-letter queue.
 *
 * @param application - the application (its topology and its operator command)
 * @param operationId - the consumer (or the framework's triage function)
 * @returns the route, or undefined
 * @example
 * ```ts
 * import { batchLine, deadLetterRouteOf, loadApplication, startLocalRuntime } from '@sluice/local';
 *
 * const application = await loadApplication(process.cwd());
 * await startLocalRuntime({
 *   application,
 *   onBatch: (operationId, report) => console.log(batchLine(operationId, report, deadLetterRouteOf(application, operationId))),
 * });
 * // '… consumeOrderPlaced: batch of 1: 0 done (deleted), 1 failed on its last receive (3/3): to OrderPlacedDLQ after the visibility timeout (`npx orders dlq list --queue OrderPlacedDLQ` lists it then) …'
 * ```
 */
export function deadLetterRouteOf(application: Pick<Application, 'topology' | 'project'>, operationId: string): DeadLetterRoute | undefined {
  const { topology } = application;
  const maxReceiveCount = maxReceiveCountOf(topology, operationId);
  if (maxReceiveCount === undefined) return undefined;
  const operation = topology.operations[operationId];
  const deadLetterQueue = operation?.queue
    ? topology.queues[operation.queue]?.deadLetter?.queue
    : triageOf(topology, unroutedOf(topology)).find((t) => t.operationId === operationId)?.deadLetterQueue;
  if (!deadLetterQueue) return { maxReceiveCount };
  const operator = application.project.operatorCommand;
  return { maxReceiveCount, deadLetterQueue, ...(operator ? { listCommand: `${operator} dlq list --queue ${deadLetterQueue}` } : {}) };
}

/**
 * How many receives a function's queue allows before dead-lettering, for its batch lines: a
 * consumer's from its queue's redrive, the framework's triage functions' from the triage
 * settings; `undefined` when the queue has no dead-letter queue.
 *
 * @example
 * ```ts
 * import { batchLine, loadApplication, maxReceiveCountOf, startLocalRuntime } from '@sluice/local';
 *
 * const application = await loadApplication(process.cwd());
 * await startLocalRuntime({
 *   application,
 *   onBatch: (operationId, report) => console.log(batchLine(operationId, report, maxReceiveCountOf(application.topology, operationId))),
 * });
 * ```
 */
export function maxReceiveCountOf(topology: Topology, operationId: string): number | undefined {
  const operation = topology.operations[operationId];
  if (operation?.queue) return topology.queues[operation.queue]?.deadLetter?.maxReceiveCount;
  if (triageOf(topology, unroutedOf(topology)).some((t) => t.operationId === operationId)) return TRIAGE_SETTINGS.maxReceiveCount;
  return undefined;
}

/**
 * One event of the runtime (`consumeOrderPlaced: init failed: …`, `… reloading`) as `npm start`
 * prints it: after the time, terminal-safe; a message of several lines (esbuild's "Transform
 * failed with 1 error:" and the error under it) as several lines, those after the first indented
 * under the text instead of a literal `\n`.
 *
 * @param time - the clock prefix (`hh:mm:ss.mmm`)
 * @param line - the event, as the runtime emits it
 * @returns the lines to print, joined with `\n`
 */
export function eventLine(time: string, line: string): string {
  return `${time} ${terminalSafeIndented(line, ' '.repeat(time.length + 3))}`;
}
