/**
 * SQS message move tasks (`StartMessageMoveTask`, `ListMessageMoveTasks`, `CancelMessageMoveTask`)
 * for the local stack, which fauxqs does not implement.
 *
 * The gateway answers these three JSON-protocol actions itself; a task moves messages by talking
 * to fauxqs with ordinary SQS calls: receive up to ten from the dead-letter queue, send them (same
 * body, message attributes, trace header, FIFO group) to the destination, then delete the ones that
 * were sent. Send comes before delete, so a crash in between duplicates a message and never loses
 * one. Tasks live in memory: they end with the gateway, and the messages they had not moved stay in
 * the dead-letter queue (those received but not sent reappear after the visibility timeout).
 *
 * As on AWS: the source must be a dead-letter queue (some queue's redrive policy points at it),
 * one task runs per source at a time, the destination defaults to the queue each message came from,
 * `MaxNumberOfMessagesPerSecond` (1–500) paces the move, and a task moves the messages the source
 * held when it started (`ApproximateNumberOfMessagesToMove`, visible and in flight), so a message
 * that fails again and is dead-lettered during the move is not moved round in circles. A task ends
 * early, COMPLETED, when the source has nothing visible left (the rest is held by another reader).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { postUpstream } from './upstream.ts';

/** The SQS actions this module answers. */
export const messageMoveTaskActions: ReadonlySet<string> = new Set(['StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask']);

/** A reply in the SQS JSON protocol. */
export interface SqsJsonReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface MessageMoveTasksOptions {
  /** Where fauxqs listens: `unix:<socket path>` or `http://127.0.0.1:<port>` (see `upstreamTarget`). */
  upstream: string;
  /** How long a received message stays invisible while it is being moved. @default 30 */
  visibilityTimeoutSeconds?: number;
}

type TaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface Task {
  id: string;
  handle: string;
  sourceArn: string;
  sourceUrl: string;
  destinationArn: string | undefined;
  rate: number | undefined;
  status: TaskStatus;
  failureReason: string | undefined;
  moved: number;
  toMove: number;
  startedAt: number;
  /** The queues as they were when the task started, to find where each message goes. */
  queues: Map<string, QueueInfo>;
  /** Wakes the task from its pacing pause when it is cancelled. */
  stop: AbortController;
  /** Settles when the task has stopped (after its current batch). */
  done: Promise<void>;
}

interface QueueInfo {
  url: string;
  arn: string;
  fifo: boolean;
  deadLetterTargetArn: string | undefined;
  /** Visible and in flight: fauxqs counts a message whose visibility ran out as in flight until the next receive. */
  messages: number;
}

interface SqsMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, unknown>;
}

interface BatchFailure {
  Id: string;
  Code?: string;
  Message?: string;
}

/** An SQS error, as fauxqs reports one or as these actions answer one. */
class SqsFault extends Error {
  readonly code: string;
  /** The legacy query-protocol code, which AWS reports as a task's `FailureReason`. */
  readonly queryCode: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400, queryCode = code) {
    super(message);
    this.code = code;
    this.queryCode = queryCode;
    this.status = status;
  }
}

const entryFault = (failure: BatchFailure) =>
  new SqsFault(failure.Code ?? 'InternalError', failure.Message ?? 'batch entry failed', 400, `AWS.SimpleQueueService.${failure.Code ?? 'InternalError'}`);
const invalid = (message: string) => new SqsFault('InvalidParameterValue', message);
const notFound = (message: string) => new SqsFault('ResourceNotFoundException', message, 404);

/** Finished tasks kept per source queue, for `ListMessageMoveTasks` (which returns at most 10). */
const keptPerSource = 10;

function encodeHandle(taskId: string, sourceArn: string): string {
  return Buffer.from(JSON.stringify({ taskId, sourceArn })).toString('base64');
}

function decodeHandle(handle: unknown): { taskId: string; sourceArn: string } | undefined {
  if (typeof handle !== 'string' || handle === '') return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(handle, 'base64').toString('utf8')) as { taskId?: unknown; sourceArn?: unknown };
    return typeof decoded.taskId === 'string' && typeof decoded.sourceArn === 'string' ? { taskId: decoded.taskId, sourceArn: decoded.sourceArn } : undefined;
  } catch {
    return undefined;
  }
}

function reply(status: number, payload: unknown, queryError?: string): SqsJsonReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', ...(queryError ? { 'x-amzn-query-error': queryError } : {}) },
    body: JSON.stringify(payload),
  };
}

function faultReply(fault: SqsFault): SqsJsonReply {
  return reply(fault.status, { __type: `com.amazonaws.sqs#${fault.code}`, message: fault.message }, `${fault.queryCode};Sender`);
}

/**
 * The message move tasks of one local endpoint.
 *
 * @example
 * const tasks = new MessageMoveTasks({ upstream: 'http://127.0.0.1:49152' });
 * const answer = await tasks.handle('StartMessageMoveTask', { SourceArn: dlqArn });
 * // answer.body: {"TaskHandle":"…"}
 * await tasks.close();
 */
export class MessageMoveTasks {
  private readonly upstream: string;
  private readonly visibilityTimeoutSeconds: number;
  /** Every task, oldest first. */
  private readonly tasks: Task[] = [];

  constructor(options: MessageMoveTasksOptions) {
    this.upstream = options.upstream;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  }

  /**
   * Answers one of {@link messageMoveTaskActions}, given the parsed JSON request.
   *
   * @example
   * await tasks.handle('ListMessageMoveTasks', { SourceArn: dlqArn, MaxResults: 10 });
   */
  async handle(action: string, request: unknown): Promise<SqsJsonReply> {
    const input = request && typeof request === 'object' ? (request as Record<string, unknown>) : {};
    try {
      if (action === 'StartMessageMoveTask') return reply(200, await this.start(input));
      if (action === 'ListMessageMoveTasks') return reply(200, await this.list(input));
      if (action === 'CancelMessageMoveTask') return reply(200, await this.cancel(input));
      return faultReply(new SqsFault('InvalidAction', `Unknown action: ${action}`));
    } catch (error) {
      if (error instanceof SqsFault) return faultReply(error);
      return reply(500, { __type: 'com.amazonaws.sqs#InternalError', message: `local gateway: ${action} failed: ${(error as Error).message}` });
    }
  }

  /** Stops every running task after its current batch (nothing is left half-moved). */
  async close(): Promise<void> {
    const running = this.tasks.filter((t) => t.status === 'RUNNING');
    for (const task of running) this.requestStop(task);
    await Promise.all(running.map((t) => t.done));
  }

  private async start(input: Record<string, unknown>): Promise<{ TaskHandle: string }> {
    const { SourceArn: sourceArn, DestinationArn: destinationArn, MaxNumberOfMessagesPerSecond: rate } = input;
    if (typeof sourceArn !== 'string' || sourceArn === '') throw invalid('Value for parameter SourceArn is invalid. Pass the ARN of a dead-letter queue.');
    if (destinationArn !== undefined && (typeof destinationArn !== 'string' || destinationArn === '')) throw invalid('Value for parameter DestinationArn is invalid. Pass a queue ARN, or leave it out to move messages back to their source queue.');
    if (rate !== undefined && (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1 || rate > 500)) {
      throw invalid('Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be an integer between 1 and 500.');
    }
    const queues = await this.queues();
    const source = queues.get(sourceArn);
    if (!source) throw notFound("The resource that you specified for the SourceArn parameter doesn't exist.");
    if (![...queues.values()].some((q) => q.deadLetterTargetArn === sourceArn)) throw invalid('Source queue must be configured as a Dead Letter Queue.');
    if (destinationArn !== undefined && !queues.has(destinationArn)) throw notFound("The resource that you specified for the DestinationArn parameter doesn't exist.");
    if (destinationArn === sourceArn) throw invalid('Value for parameter DestinationArn is invalid. Reason: it is the source queue; pass another queue.');
    // Checked after the last await, so two concurrent starts cannot both pass.
    if (this.tasks.some((t) => t.sourceArn === sourceArn && (t.status === 'RUNNING' || t.status === 'CANCELLING'))) {
      throw invalid('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }
    const id = randomUUID();
    const task: Task = {
      id,
      handle: encodeHandle(id, sourceArn),
      sourceArn,
      sourceUrl: source.url,
      destinationArn,
      rate,
      status: 'RUNNING',
      failureReason: undefined,
      moved: 0,
      toMove: source.messages,
      startedAt: Date.now(),
      queues,
      stop: new AbortController(),
      done: Promise.resolve(),
    };
    this.tasks.push(task);
    this.forget(sourceArn);
    task.done = this.run(task);
    return { TaskHandle: task.handle };
  }

  private async list(input: Record<string, unknown>): Promise<{ Results: Record<string, unknown>[] }> {
    const { SourceArn: sourceArn, MaxResults: maxResults = 1 } = input;
    if (typeof sourceArn !== 'string' || sourceArn === '') throw invalid('Value for parameter SourceArn is invalid. Pass the ARN of a dead-letter queue.');
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 10) {
      throw invalid('Value for parameter MaxResults is invalid. Reason: Must be an integer between 1 and 10.');
    }
    if (!(await this.queues()).has(sourceArn)) throw notFound("The resource that you specified for the SourceArn parameter doesn't exist.");
    const newestFirst = this.tasks.filter((t) => t.sourceArn === sourceArn).reverse();
    return { Results: newestFirst.slice(0, maxResults).map(summary) };
  }

  private async cancel(input: Record<string, unknown>): Promise<{ ApproximateNumberOfMessagesMoved: number }> {
    const decoded = decodeHandle(input.TaskHandle);
    if (!decoded) throw invalid('Value for parameter TaskHandle is invalid.');
    if (!(await this.queues()).has(decoded.sourceArn)) throw notFound("The resource that you specified for the SourceArn parameter doesn't exist.");
    const task = this.tasks.find((t) => t.id === decoded.taskId && t.sourceArn === decoded.sourceArn);
    if (!task) throw notFound('Task does not exist.');
    if (task.status !== 'RUNNING' && task.status !== 'CANCELLING') {
      throw notFound(`Task does not exist as a running task: it is ${task.status}. See ListMessageMoveTasks for its outcome.`);
    }
    this.requestStop(task);
    // The current batch finishes first (a batch is a few local calls), so the count is final.
    await task.done;
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  private requestStop(task: Task): void {
    if (task.status === 'RUNNING') task.status = 'CANCELLING';
    task.stop.abort();
  }

  /** Drops the oldest finished tasks of a source beyond what `ListMessageMoveTasks` can show. */
  private forget(sourceArn: string): void {
    const ofSource = this.tasks.filter((t) => t.sourceArn === sourceArn);
    for (const old of ofSource.slice(0, Math.max(0, ofSource.length - keptPerSource))) {
      if (old.status !== 'RUNNING' && old.status !== 'CANCELLING') this.tasks.splice(this.tasks.indexOf(old), 1);
    }
  }

  private async run(task: Task): Promise<void> {
    try {
      while (task.status === 'RUNNING' && task.moved < task.toMove) {
        if (task.rate !== undefined) {
          // Paced from the start: message n leaves no earlier than n / rate seconds in.
          const wait = task.startedAt + (task.moved / task.rate) * 1000 - Date.now();
          if (wait > 0) await sleep(wait, undefined, { signal: task.stop.signal }).catch(() => undefined);
          if (task.status !== 'RUNNING') break;
        }
        const batchSize = Math.min(10, task.toMove - task.moved, task.rate ?? 10);
        const received = (await this.call('ReceiveMessage', {
          QueueUrl: task.sourceUrl,
          MaxNumberOfMessages: batchSize,
          VisibilityTimeout: this.visibilityTimeoutSeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        })) as { Messages?: SqsMessage[] };
        const messages = received.Messages ?? [];
        if (messages.length === 0) break;
        await this.moveBatch(task, messages);
      }
      task.status = task.status === 'CANCELLING' ? 'CANCELLED' : 'COMPLETED';
    } catch (error) {
      task.status = 'FAILED';
      task.failureReason = error instanceof SqsFault ? error.queryCode : (error as Error).message;
    }
  }

  /** Sends a received batch on, then deletes what was sent; releases the rest and throws if any could not be sent. */
  private async moveBatch(task: Task, messages: SqsMessage[]): Promise<void> {
    let pending = messages;
    try {
      const byDestination = new Map<string, SqsMessage[]>();
      for (const message of messages) {
        const arn = destinationOf(task, message);
        byDestination.set(arn, [...(byDestination.get(arn) ?? []), message]);
      }
      let failure: SqsFault | undefined;
      for (const [arn, toDestination] of byDestination) {
        const destination = task.queues.get(arn);
        if (!destination) throw new SqsFault('QueueDoesNotExist', `Destination ${arn} does not exist.`, 400, 'AWS.SimpleQueueService.NonExistentQueue');
        for (const batch of withinBatchSize(toDestination)) {
          const { sent, failed } = await this.send(destination, batch);
          if (sent.length > 0) {
            task.moved += sent.length;
            pending = pending.filter((m) => !sent.includes(m));
            await this.deleteFromSource(task, sent);
          }
          failure ??= failed;
        }
      }
      if (failure) throw failure;
    } catch (error) {
      await this.release(task, pending);
      throw error;
    }
  }

  /** One SendMessageBatch: the messages that were sent, and the first that was not. */
  private async send(destination: QueueInfo, batch: SqsMessage[]): Promise<{ sent: SqsMessage[]; failed: SqsFault | undefined }> {
    const out = (await this.call('SendMessageBatch', {
      QueueUrl: destination.url,
      Entries: batch.map((m, i) => entryFor(m, i, destination.fifo)),
    })) as { Successful?: { Id: string }[]; Failed?: BatchFailure[] };
    return { sent: (out.Successful ?? []).map((s) => batch[Number(s.Id)]!), failed: out.Failed?.[0] && entryFault(out.Failed[0]) };
  }

  private async deleteFromSource(task: Task, messages: SqsMessage[]): Promise<void> {
    const out = (await this.call('DeleteMessageBatch', {
      QueueUrl: task.sourceUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    })) as { Failed?: BatchFailure[] };
    // The message is in the destination already; it reappears in the source and may be moved twice.
    if (out.Failed?.[0]) throw entryFault(out.Failed[0]);
  }

  /**
   * Makes messages that were not moved visible again. 1 s, not 0: with persistence on, fauxqs 2.4.1
   * loses a message whose visibility is changed to 0 (see the gateway).
   */
  private async release(task: Task, messages: SqsMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.call('ChangeMessageVisibilityBatch', {
      QueueUrl: task.sourceUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 1 })),
    }).catch(() => undefined); // they reappear after the visibility timeout anyway
  }

  /** Every queue by ARN, with what a move needs to know about it. */
  private async queues(): Promise<Map<string, QueueInfo>> {
    const urls: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await this.call('ListQueues', { MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) })) as { QueueUrls?: string[]; NextToken?: string };
      urls.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const infos = await Promise.all(
      urls.map(async (url): Promise<QueueInfo | undefined> => {
        try {
          const { Attributes: a = {} } = (await this.call('GetQueueAttributes', {
            QueueUrl: url,
            AttributeNames: ['QueueArn', 'RedrivePolicy', 'FifoQueue', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          })) as { Attributes?: Record<string, string> };
          if (!a.QueueArn) return undefined;
          return {
            url,
            arn: a.QueueArn,
            fifo: a.FifoQueue === 'true',
            deadLetterTargetArn: deadLetterTarget(a.RedrivePolicy),
            messages: Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
          };
        } catch (error) {
          if (error instanceof SqsFault && error.code === 'QueueDoesNotExist') return undefined; // deleted since listed
          throw error;
        }
      }),
    );
    return new Map(infos.filter((q) => q !== undefined).map((q) => [q.arn, q]));
  }

  /** One SQS JSON-protocol call to fauxqs. */
  private async call(action: string, body: Record<string, unknown>): Promise<unknown> {
    const response = await postUpstream(this.upstream, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` }, JSON.stringify(body));
    const parsed = (response.body ? JSON.parse(response.body) : {}) as Record<string, unknown>;
    if (response.status < 200 || response.status > 299) {
      const code = String(parsed.__type ?? 'InternalError').split('#').pop()!;
      const queryCode = String(response.headers['x-amzn-query-error'] ?? '').split(';')[0] || code;
      throw new SqsFault(code, String(parsed.message ?? `${action} failed with HTTP ${response.status}`), response.status, queryCode);
    }
    return parsed;
  }
}

function deadLetterTarget(redrivePolicy: string | undefined): string | undefined {
  if (!redrivePolicy) return undefined;
  try {
    const target = (JSON.parse(redrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a message goes: the task's destination, else the queue it was dead-lettered from (the
 * `DeadLetterQueueSourceArn` attribute, which the local stack records as AWS does: dead-letter-sources.ts), else the only queue that
 * redrives to the source.
 */
function destinationOf(task: Task, message: SqsMessage): string {
  if (task.destinationArn) return task.destinationArn;
  const recorded = message.Attributes?.DeadLetterQueueSourceArn;
  if (recorded) return recorded;
  const sources = [...task.queues.values()].filter((q) => q.deadLetterTargetArn === task.sourceArn);
  if (sources.length === 1) return sources[0]!.arn;
  // A plain error: its message, which says what to do, becomes the task's FailureReason.
  throw new Error(
    sources.length === 0
      ? 'No queue redrives to the source any more. Start the task again with DestinationArn.'
      : `${sources.length} queues redrive to the source and message ${message.MessageId} has no DeadLetterQueueSourceArn to say which one it came from (sent to the dead-letter queue directly). Start the task again with DestinationArn.`,
  );
}

/** What SQS counts against its size limits: body, attribute names, types and values. */
function sizeOf(message: SqsMessage): number {
  let size = Buffer.byteLength(message.Body ?? '');
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    const { DataType = '', StringValue = '', BinaryValue = '' } = value as { DataType?: string; StringValue?: string; BinaryValue?: string };
    size += Buffer.byteLength(name) + Buffer.byteLength(DataType) + Buffer.byteLength(StringValue) + Buffer.byteLength(BinaryValue);
  }
  return size;
}

/** A whole SendMessageBatch may carry 1 MiB, as one message may: ten large messages take several batches. */
const maxBatchBytes = 1024 * 1024;

function withinBatchSize(messages: SqsMessage[]): SqsMessage[][] {
  const batches: SqsMessage[][] = [];
  let current: SqsMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.length > 0 && bytes + size > maxBatchBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A SendMessageBatch entry carrying the message on unchanged. */
function entryFor(message: SqsMessage, index: number, fifo: boolean): Record<string, unknown> {
  const attributes = message.Attributes ?? {};
  return {
    Id: String(index),
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
    ...(attributes.AWSTraceHeader ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: attributes.AWSTraceHeader } } } : {}),
    // The dead-letter message id as deduplication id: a resend after a crash between send and delete is dropped.
    ...(fifo ? { MessageDeduplicationId: message.MessageId, ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}) } : {}),
  };
}

/** A task as `ListMessageMoveTasks` reports it. */
function summary(task: Task): Record<string, unknown> {
  return {
    ...(task.status === 'RUNNING' ? { TaskHandle: task.handle } : {}),
    Status: task.status,
    SourceArn: task.sourceArn,
    ...(task.destinationArn ? { DestinationArn: task.destinationArn } : {}),
    ...(task.rate !== undefined ? { MaxNumberOfMessagesPerSecond: task.rate } : {}),
    ApproximateNumberOfMessagesMoved: task.moved,
    ApproximateNumberOfMessagesToMove: task.toMove,
    ...(task.failureReason ? { FailureReason: task.failureReason } : {}),
    StartedTimestamp: task.startedAt,
  };
}
