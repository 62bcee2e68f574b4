/**
 * A queue's `DelaySeconds` for what SNS delivers to it, as on AWS, where a topic's delivery to a
 * queue is a send like any other and waits the queue's delay.
 *
 * fauxqs applies the queue's delay to `SendMessage` and `SendMessageBatch` only: its `Publish`
 * creates each delivery with no delay and enqueues it at once. Its queue lookup by ARN
 * (`getQueueByArn`) cannot be changed for all callers, since a receive also uses it to move a
 * message to its dead-letter queue, which must not wait (on AWS a move is not a send). So only the
 * SNS router's `Publish` and `PublishBatch` handlers are wrapped: they are handed a view of the SQS
 * store whose queues stamp the queue's delay on what is enqueued through them. Dead-letter moves
 * (a receive's) and direct sends never pass through that view. A redrive (message-move-tasks.ts)
 * puts messages back with `SendMessageBatch`, so it waits the destination queue's delay, as any
 * send does here.
 *
 * The same view dead-letters what SNS cannot deliver: fauxqs skips a subscription whose queue is
 * gone (deleted by hand), and the publish vanished for it; on AWS it goes to the subscription's
 * dead-letter queue (its `RedrivePolicy`), as it does here now, said once per queue.
 */

/** A message as fauxqs enqueues it (its `SqsMessage`): what {@link delaySnsDeliveries} sets. */
interface EnqueuedMessage {
  /** When the message becomes visible (epoch milliseconds); visible at once when absent. */
  delayUntil?: number;
}

/** What {@link delaySnsDeliveries} reads and wraps of a fauxqs queue (its `SqsQueue`). */
interface DeliveredQueue {
  /** The queue's attributes, `DelaySeconds` among them (a string, as SQS answers it). */
  attributes: Record<string, string | undefined>;
  enqueue(message: EnqueuedMessage): unknown;
}

/** What an SNS handler of fauxqs looks queues up in (its `SqsStore`). */
interface DeliveryStore {
  getQueueByArn(arn: string): DeliveredQueue | undefined;
}

/** What {@link delaySnsDeliveries} reads of fauxqs's SNS store (its `SnsStore`): a topic's subscriptions. */
interface SubscriptionStore {
  getTopic(arn: string): { subscriptionArns: readonly string[] } | undefined;
  getSubscription(arn: string): { arn: string; endpoint: string; protocol: string; attributes: Record<string, string | undefined> } | undefined;
}

/** An action's handler in fauxqs's SNS router: `(body, snsStore, sqsStore, request)`. */
type SnsActionHandler = (body: unknown, snsStore: SubscriptionStore, sqsStore: DeliveryStore, ...rest: unknown[]) => unknown;

/** What {@link delaySnsDeliveries} changes of fauxqs's SNS router (its `SnsRouter`): the handlers by action. */
export interface SnsRouter {
  handlers: Map<string, SnsActionHandler>;
}

/** The SNS actions that deliver to queues. */
const DELIVERING_ACTIONS = ['Publish', 'PublishBatch'] as const;

/** The queue's `DelaySeconds` in milliseconds; 0 when none (or not a number). */
function delayMsOf(queue: DeliveredQueue): number {
  const seconds = Number(queue.attributes.DelaySeconds ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * `object` with `name` replaced by `replacement`; everything else is the object's own (methods run
 * on it): a view of one of fauxqs's objects handed to one handler (dead-letter-sources.ts's too).
 *
 * @example
 * ```ts
 * import { withMethod } from './sns-delivery-delay.ts';
 *
 * const queue = { name: 'Billing', enqueue: (m: object) => m };
 * const noting = withMethod(queue, 'enqueue', (m: object) => queue.enqueue(m));
 * noting.name; // 'Billing'
 * ```
 */
export function withMethod<T extends object>(object: T, name: PropertyKey, replacement: unknown): T {
  return new Proxy(object, {
    get(target, property) {
      if (property === name) return replacement;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The queue as SNS delivers to it: what is enqueued waits the queue's delay, read at delivery. */
function deliveringWithDelay(queue: DeliveredQueue): DeliveredQueue {
  return withMethod(queue, 'enqueue', (message: EnqueuedMessage) => {
    const delayMs = delayMsOf(queue);
    if (delayMs > 0 && message.delayUntil === undefined) message.delayUntil = Date.now() + delayMs;
    return queue.enqueue(message);
  });
}

/**
 * The dead-letter queue of the topic's subscription to `endpoint` (its `RedrivePolicy`), when the
 * topic has exactly one subscription to that queue: what SNS delivers there when the queue is gone.
 */
function subscriptionDeadLetterQueue(snsStore: SubscriptionStore, topicArn: unknown, endpoint: string): string | undefined {
  if (typeof topicArn !== 'string' || typeof snsStore?.getTopic !== 'function') return undefined;
  const subscriptions = (snsStore.getTopic(topicArn)?.subscriptionArns ?? []).map((arn) => snsStore.getSubscription(arn)).filter((s) => s?.protocol === 'sqs' && s.endpoint === endpoint);
  if (subscriptions.length !== 1) return undefined;
  try {
    const target = (JSON.parse(subscriptions[0]!.attributes.RedrivePolicy ?? 'null') as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SQS store as SNS delivers through it for a publish on `topicArn`: its queues are
 * {@link deliveringWithDelay}; a subscription's queue that is gone (deleted by hand) is its
 * dead-letter queue, as on AWS, where SNS moves what it cannot deliver to the subscription's
 * `RedrivePolicy` target (fauxqs skipped it: the publish vanished for that subscription). Said
 * with `report`, as is a delivery with no dead-letter queue to go to.
 */
function storeDeliveringWithDelay(store: DeliveryStore, snsStore: SubscriptionStore, topicArn: unknown, report: (line: string) => void): DeliveryStore {
  // Not a store as this version has it: handed on as it is, for fauxqs's own error.
  if (typeof store?.getQueueByArn !== 'function') return store;
  return withMethod(store, 'getQueueByArn', (arn: string) => {
    const queue = store.getQueueByArn(arn);
    if (queue) return deliveringWithDelay(queue);
    const queueName = arn.split(':').pop();
    const deadLetterArn = subscriptionDeadLetterQueue(snsStore, topicArn, arn);
    const deadLetter = deadLetterArn === undefined ? undefined : store.getQueueByArn(deadLetterArn);
    if (deadLetter) {
      report(`sns-sqs: ${String(topicArn).split(':').pop()} could not deliver to ${queueName} (the queue does not exist): dead-lettered into ${deadLetterArn!.split(':').pop()}, as SNS does`);
      return deliveringWithDelay(deadLetter);
    }
    report(`warning: sns-sqs: ${String(topicArn).split(':').pop()} could not deliver to ${queueName} (the queue does not exist) and its subscription has no dead-letter queue there: that delivery is lost, as on AWS. Restart npm start to make the queue again`);
    return queue;
  });
}

/**
 * Makes what the SNS router's `Publish` and `PublishBatch` deliver to a queue wait the queue's
 * `DelaySeconds`, as on AWS (see the module comment), and what they cannot deliver (the queue gone)
 * go to the subscription's dead-letter queue, said with `report`. Returns what stands in the way, when the
 * router is not as this fauxqs version has it (the deliveries then arrive at once), for the caller
 * to say; undefined when done.
 *
 * @param router - fauxqs's SNS router, or undefined when it could not be found
 * @returns undefined, or why deliveries are not delayed
 *
 * @example
 * ```ts
 * import { delaySnsDeliveries, type SnsRouter } from './sns-delivery-delay.ts';
 *
 * declare const router: SnsRouter | undefined;
 * const problem = delaySnsDeliveries(router);
 * if (problem) console.warn(`sns-sqs: ${problem}`);
 * ```
 */
export function delaySnsDeliveries(router: SnsRouter | undefined, report: (line: string) => void = () => {}): string | undefined {
  const consequence =
    "what a topic delivers to a queue with a deliveryDelay arrives at once here (on AWS it waits the queue's DelaySeconds, as direct sends do here), and what it cannot deliver (the queue gone) is dropped, not dead-lettered into the subscription's dead-letter queue";
  if (!router || !(router.handlers instanceof Map)) return `fauxqs has no SNS router with its handlers where this version expects them: ${consequence}`;
  const missing = DELIVERING_ACTIONS.filter((action) => typeof router.handlers.get(action) !== 'function');
  if (missing.length > 0) return `fauxqs's SNS router has no ${missing.join(' or ')} handler where this version expects it: ${consequence}`;
  // Each undeliverable queue said once, not once per publish.
  const said = new Set<string>();
  const once = (line: string) => {
    if (said.has(line)) return;
    said.add(line);
    report(`${line} (said once: each further delivery there goes the same way)`);
  };
  for (const action of DELIVERING_ACTIONS) {
    const handler = router.handlers.get(action)!;
    router.handlers.set(action, (body, snsStore, sqsStore, ...rest) => handler(body, snsStore, storeDeliveringWithDelay(sqsStore, snsStore, (body as { TopicArn?: unknown } | undefined)?.TopicArn, once), ...rest));
  }
  return undefined;
}
