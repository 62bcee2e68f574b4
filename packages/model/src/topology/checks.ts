/**
 * Steps 5 and 7 of `deriveTopology`: the checks that need everything read. Every receive
 * operation must be fed what it declares and has a function name of its own; queues nobody
 * consumes, or without a redrive policy, are warned about.
 */
import { functionNameOf, VISIBILITY_TIMEOUT_FACTOR } from '../settings.ts';
import { channelIdOf, consumerOf, type Derivation, isObject, type Json, topicOrQueueArn } from './context.ts';

/**
 * Sorts each topic's messages. (That the messages on one topic are told apart by `eventType` and
 * major version follows from `readMessages`, which requires it of every two messages of the document.)
 */
export function checkTopicMessages(d: Derivation): void {
  for (const topic of Object.values(d.topics)) topic.messages.sort();
}

/**
 * Every receive operation is fed what it declares: by subscriptions to topics that carry it, or by
 * point-to-point send operations to its queue. A queue nothing in the document feeds is a problem
 * when a topic of the document carries what it declares (a forgotten subscription), else a warning
 * (another application sends to it, point-to-point).
 */
export function checkConsumersFed(d: Derivation): void {
  for (const op of Object.values(d.ops)) {
    if (op.action !== 'receive') continue;
    const feeding = [...d.subscriptions.values()].filter((s) => s.queue === op.queue);
    const senders = Object.values(d.ops).filter((o) => o.action === 'send' && o.queue === op.queue);
    if (feeding.length === 0 && senders.length === 0) {
      const carried = Object.values(d.topics).filter((t) => op.messages.some((m: string) => t.messages.includes(m)));
      if (carried.length > 0) d.problems.push(`operations.${op.id} consumes ${op.queue}, but no send operation subscribes ${op.queue} to a topic (${carried.map((t) => t.name).join(', ')} carries what it declares): add it to the consumers of the send operation's sns binding`);
      else d.warnings.push(`operations.${op.id} consumes ${op.queue}, which nothing in this contract sends to: another application must send to it (point-to-point)`);
      continue;
    }
    for (const name of op.messages) {
      if (senders.some((s) => s.messages.includes(name))) continue;
      if (!feeding.some((s) => d.topics[s.topic]!.messages.includes(name))) {
        const topics = feeding.map((s) => d.topics[s.topic]!);
        const channels = topics.map((t) => `channels.${t.channel}`).join(' or ');
        // A topic no send operation of this contract publishes to: a consumer's document alone, with the producer elsewhere.
        const unpublished = topics.length > 0 && topics.every((t) => !Object.values(d.ops).some((o) => o.action === 'send' && o.topic === t.name));
        d.problems.push(
          unpublished
            ? `operations.${op.id} declares ${name}, but no send operation of this contract publishes to ${topics.map((t) => t.name).join(', ')}, which feeds ${op.queue}: the framework makes the topic and routes what the contract's send operations publish to it; add a send operation on ${channels} with ${name} in its messages (a topic only another application's contract publishes to is not supported)`
            : `operations.${op.id} declares ${name}, but no topic subscribed to ${op.queue} carries it (${topics.map((t) => t.name).join(', ') || 'none'}) and no send operation sends it to ${op.queue}: add ${name} to the messages of a send operation on ${channels || `the channel of ${op.queue}`}, or remove it from operations.${op.id}.messages`,
        );
      }
    }
  }
}

/**
 * Warns about queues nobody consumes (and that are no DLQ), and consumed queues without a redrive
 * policy. A queue this contract sends to point-to-point and does not receive from is the producer's
 * side of a queue another application consumes (the SQS binding's point-to-point layout): said so.
 */
export function warnAboutQueues(d: Derivation): void {
  for (const queue of Object.values(d.queues)) {
    const consumed = consumerOf(d, queue.name) !== undefined;
    if (!consumed && queue.deadLetterFor.length === 0) {
      const senders = Object.values(d.ops).filter((o) => o.action === 'send' && o.queue === queue.name).map((o) => `operations.${o.id}`);
      d.warnings.push(
        senders.length > 0
          ? `queue ${queue.name} has no receive operation in this contract, and ${senders.join(' and ')} ${senders.length > 1 ? 'send' : 'sends'} to it (point-to-point): another application must receive from it, or what is sent waits until it expires (${queue.retentionSeconds} s)`
          : `queue ${queue.name} has no receive operation: messages delivered to it wait until they expire`,
      );
    }
    // A redrivePolicy written but refused (its DLQ undeclared…) is a problem already, not a missing policy.
    const written = d.queueBindings.some(({ binding }) => isObject(binding.redrivePolicy) && d.queues[binding.name as string] === queue);
    if (consumed && !queue.deadLetter && !written) d.warnings.push(`queue ${queue.name} has no redrivePolicy: a message that always fails is retried until it expires (${queue.retentionSeconds} s)${snsDiscards(d, queue.name)}`);
  }
}

/**
 * What SNS does with what it cannot deliver to `queue` (its policy refusing, the topic's key
 * disabled, the queue deleted) when a subscription of it has no dead-letter queue either (its own
 * redrivePolicy, else the queue's): it discards it (AWS, Amazon SNS message delivery retries: when
 * the delivery policy is exhausted SNS discards the message unless a dead-letter queue is attached
 * to the subscription; a client-side error is not retried). Said with what to write; empty when
 * every subscription of the queue has a dead-letter queue.
 */
function snsDiscards(d: Derivation, queue: string): string {
  const bare = [...d.subscriptions.values()].filter((s) => s.queue === queue && s.deadLetterQueue === undefined);
  if (bare.length === 0) return '';
  const pairs = bare.map((s) => `${s.topic} → ${queue}`).join(', ');
  const entries = [...new Set(bare.flatMap((s) => s.declaredBy))].map((op) => `operations.${op}.bindings.sns.consumers`).join(', ');
  const alarms = [...new Set(bare.map((s) => `${s.topic.replace(/\.fifo$/, '')}DeliveryFailedAlarm`))].join(', ');
  return `; and SNS discards what it cannot deliver to ${queue} (the queue's policy refusing, the topic's key disabled, the queue deleted): ${bare.length > 1 ? 'the subscriptions' : 'the subscription'} ${pairs} ${bare.length > 1 ? 'have' : 'has'} no dead-letter queue either, so no queue keeps it and only ${alarms} (NumberOfNotificationsFailed) says it was lost. Give ${queue} a redrivePolicy naming a dead-letter queue (its subscriptions get the same one), or its entry in ${entries} a redrivePolicy of its own`;
}

/** The shortest retention a consumed queue can have: its age alarm needs 60 s at least and half the retention at most. */
export const MIN_CONSUMED_RETENTION_SECONDS = 120;

/**
 * A consumed queue whose binding leaves no settings that fit: a visibilityTimeout under
 * {@link VISIBILITY_TIMEOUT_FACTOR} × 1 s (no function timeout fits under it), a retention under
 * {@link MIN_CONSUMED_RETENTION_SECONDS} (no age alarm between 60 s and half of it). Said at the
 * binding, with what to write: the settings' own check could only say that no value fits.
 */
export function checkConsumedQueues(d: Derivation): void {
  for (const queue of Object.values(d.queues)) {
    const consumer = consumerOf(d, queue.name)?.id;
    if (consumer === undefined) continue;
    const where = d.queueBindings.find(({ binding }) => d.queues[binding.name as string] === queue)?.where ?? `channels.${queue.channel}.bindings.sqs.queue`;
    if (queue.visibilityTimeoutSeconds !== undefined && queue.visibilityTimeoutSeconds < VISIBILITY_TIMEOUT_FACTOR) {
      d.problems.push(
        `${where}.visibilityTimeout (queue ${queue.name}) is ${queue.visibilityTimeoutSeconds} s, but operations.${consumer} consumes it, and a function's timeout (1 s at least) must fit ${VISIBILITY_TIMEOUT_FACTOR} times in it (AWS's guidance for SQS event sources): write ${VISIBILITY_TIMEOUT_FACTOR} or more, or leave it out to have it derived from the timeout`,
      );
    }
    if (queue.retentionSeconds < MIN_CONSUMED_RETENTION_SECONDS) {
      d.problems.push(
        `${where}.messageRetentionPeriod (queue ${queue.name}) is ${queue.retentionSeconds} s, but operations.${consumer} consumes it: its age alarm (at least 60 s, at most half the retention, so that it goes off before messages expire) cannot fit, and a message would expire before a retry: write ${MIN_CONSUMED_RETENTION_SECONDS} or more`,
      );
    }
  }
}

/**
 * Every receive operation is a function named by {@link functionNameOf} (its id with a capital
 * first letter: an SST component, a Lambda) and a handler file named by its id: two whose function
 * names are equal (`consumeOrder` and `ConsumeOrder`), or equal but for case (their handler files
 * are one file on macOS and Windows, whose file systems ignore case), are a problem naming both.
 */
export function checkFunctionNames(d: Derivation): void {
  const byName = new Map<string, string>();
  for (const op of Object.values(d.ops)) {
    if (op.action !== 'receive') continue;
    const name = functionNameOf(op.id);
    const other = byName.get(name.toLowerCase());
    if (other === undefined) {
      byName.set(name.toLowerCase(), op.id);
      continue;
    }
    const otherName = functionNameOf(other);
    const files = `their handler files ${other}.ts and ${op.id}.ts are one file on macOS and Windows, whose file systems ignore case`;
    d.problems.push(
      otherName === name
        ? `operations.${other} and operations.${op.id} would both be the function ${name} (one SST component and Lambda for two operations; ${files}): rename one`
        : `operations.${other} and operations.${op.id} would be the functions ${otherName} and ${name}, and ${files}: rename one`,
    );
  }
}

/**
 * Says each entry of an operation's `bindings.sqs.queues` of which no queue is made (nothing
 * subscribes it or names it as a dead-letter queue): where it is, which queue the operation uses
 * instead when its channel is a queue, and what to write.
 */
export function warnQueuesNotMade(d: Derivation): void {
  for (const [opId, entries] of d.queuesNotMade) {
    const operation: Json = d.doc.operations[opId];
    const channelId = channelIdOf(d.doc, operation);
    const channelQueue = channelId === undefined ? undefined : d.queueOfChannel.get(channelId);
    const [does, toDo] = operation.action === 'send' ? ['sends to', 'send to'] : ['receives from', 'receive from'];
    for (const { index, name } of entries) {
      const why = `nothing subscribes ${name} or names it as a dead-letter queue, which is what an operation's bindings.sqs.queues declare (SQS binding 0.2.0): no queue is made for it`;
      d.warnings.push(
        channelQueue !== undefined
          ? `operations.${opId}.bindings.sqs.queues[${index}] names queue ${name}, but operations.${opId} ${does} the queue of its channel, ${channelQueue} (channels.${channelId}.bindings.sqs.queue), and ${why}. Remove it; or, if operations.${opId} is meant to ${toDo} ${name}, point it at a channel whose bindings.sqs.queue is ${name}`
          : `operations.${opId}.bindings.sqs.queues[${index}] names queue ${name}, and ${why}. Remove it; or subscribe it to a topic on the topic's send operation (bindings.sns.consumers: [{ protocol: sqs, endpoint: { name: ${name} } }])`,
      );
    }
  }
}

/**
 * A policy statement's `resource` naming another topic or queue of the contract (its ARN or its
 * name, as written) is refused. A topic's or queue's policy applies to requests on that topic or
 * queue only (AWS: a queue's policy covers that one queue), so on one it allows or denies nothing
 * on the other; and the other's ARN carries the stage, which the contract cannot write. The
 * statement belongs in the other's own policy, without `resource`, as its own ARN is read there.
 */
export function checkPolicyResources(d: Derivation): void {
  for (const { at, resource, owner } of d.policyResources) {
    const arn = topicOrQueueArn(resource);
    const written = arn?.name ?? resource;
    const queue = arn?.service !== 'sns' ? contractName(d.queues, d.queueAliases, written) : undefined;
    const topic = queue === undefined && arn?.service !== 'sqs' ? contractName(d.topics, d.topicAliases, written) : undefined;
    const other = queue ?? topic;
    if (other === undefined) {
      // Neither an ARN nor "*": IAM refuses the whole policy at deploy.
      if (resource !== '*' && !resource.startsWith('arn:')) {
        d.problems.push(`${at} ${JSON.stringify(resource)} is not an ARN, and no topic or queue of this contract is named so: IAM takes an ARN (arn:aws:sqs:<region>:<account>:<name>) or "*" as a statement's resource, and would refuse the whole policy at deploy. Leave resource out for the ${owner.service === 'sqs' ? 'queue' : 'topic'} the policy is on (${owner.name}), or write the ARN`);
      }
      continue;
    }
    const [kind, ownerKind] = [queue !== undefined ? 'queue' : 'topic', owner.service === 'sqs' ? 'queue' : 'topic'];
    if (kind === ownerKind && other === owner.name) continue;
    const policy = queue !== undefined ? `${d.queueBindings.find(({ binding }) => binding.name === queue)?.where ?? `channels.${d.queues[queue]!.channel}.bindings.sqs.queue`}.policy` : `channels.${d.topics[other]!.channel}.bindings.sns.policy`;
    d.problems.push(
      `${at} ${resource} names ${other}, ${kind === ownerKind ? 'another' : 'a'} ${kind} of this contract: a ${ownerKind}'s policy applies to that ${ownerKind} only (on ${owner.name}, a statement naming ${other} allows or denies nothing on ${other}), and deployed, ${other}'s name carries the stage but on production, so as written it names ${other} on one stage only. Write the statement in ${other}'s own policy, ${policy}.statements, without resource: there it applies to ${other} as deployed`,
    );
  }
}

/** The AWS name of the topic or queue of the contract `name` is (as written, or a FIFO one's without .fifo), else undefined. */
function contractName(declared: Record<string, unknown>, aliases: ReadonlyMap<string, string>, name: string): string | undefined {
  if (declared[name]) return name;
  const alias = aliases.get(name);
  return alias !== undefined && declared[alias] ? alias : undefined;
}
