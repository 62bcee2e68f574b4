/**
 * Creates the topology manifest's resources (and the application's tables) on the local stack,
 * through the real AWS APIs, and brings resources kept from an earlier run in line with the
 * contract: a changed redrive policy, retention, filter policy or raw-delivery flag is applied,
 * a queue's or topic's tags are set to the contract's (changed ones updated, dropped ones removed),
 * a subscription the contract dropped is removed. A queue the contract no longer names is kept
 * with its messages (they may be dead letters someone needs) and reported.
 */
import { CliError } from '@sluice/cli';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  type SNSClient,
  TagResourceCommand,
  UntagResourceCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { QueueSpec, SubscriptionSpec, Topology } from '@sluice/runtime/contract';
import { resolvePlan } from '@sluice/model';
import type { AppSettings } from '@sluice/runtime/settings';

/** Where each resource of the local stack is. */
export interface LocalResources {
  /** The region in the resources' ARNs. */
  region: string;
  /** Each topic's ARN, by topic name. */
  topics: Record<string, { arn: string }>;
  /** Each queue's URL, ARN and local visibility timeout, by queue name. */
  queues: Record<string, { url: string; arn: string; visibilityTimeoutSeconds: number }>;
  /** Each subscription's ARN, by its logical name (`<topic>To<queue>`). */
  subscriptions: Record<string, { arn: string }>;
  /** Each table's name, by its name in the settings. */
  tables: Record<string, { name: string }>;
  /** Queues of an earlier run that the contract no longer names, kept with their messages. */
  orphanQueues: string[];
}

/** The options of {@link provisionTopology}: clients for the local stack and its region. */
export interface ProvisionOptions {
  /** An SQS client for the local stack. */
  sqs: SQSClient;
  /** An SNS client for the local stack. */
  sns: SNSClient;
  /** A DynamoDB client for the local stack. */
  dynamodb: DynamoDBClient;
  /** The region the stack reports in ARNs. */
  region: string;
  /**
   * Local visibility timeouts by queue name, so that retries and dead-lettering happen in seconds
   * rather than minutes. @default what the contract and settings give
   */
  visibilityTimeouts?: Record<string, number>;
  /** What was done, one line each (created, updated, unsubscribed). */
  onChange?: (line: string) => void;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}

async function existingQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (error instanceof QueueDoesNotExist || (error as { name?: string }).name === 'QueueDoesNotExist' || (error as { name?: string }).name === 'AWS.SimpleQueueService.NonExistentQueue') return undefined;
    throw error;
  }
}

/**
 * What changes bring the tags `current` to `wanted`: the keys to set (new or changed values) and
 * the keys to remove, and one line saying so (empty when nothing changes).
 */
function tagChanges(current: Record<string, string>, wanted: Record<string, string>): { set: Record<string, string>; remove: string[]; line: string } {
  const set = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
  const remove = Object.keys(current).filter((k) => !(k in wanted));
  const parts = [
    ...Object.entries(set).map(([k, v]) => `${k} ${current[k] ?? '(none)'} → ${v}`),
    ...remove.map((k) => `${k} ${current[k]} → (removed)`),
  ];
  return { set, remove, line: parts.length > 0 ? `tags ${parts.join(', ')}` : '' };
}

/** Creates the queue, or sets its attributes and tags when it exists already (persisted from an earlier run). */
/**
 * A queue or topic kept from an earlier run (`npm start` on a data folder) whose attributes the
 * contract changed and the local emulator cannot change in place (a FIFO queue's deduplication
 * scope or throughput limit, a FIFO topic's content-based deduplication; AWS changes them). Says
 * which, what it holds, and how to start without losing it.
 */
export class KeptResourceError extends CliError {
  constructor(resource: string, changes: string[], cause: unknown, messages?: number) {
    const holds = messages === undefined ? '' : messages > 0 ? ` It holds ${messages} message(s): they stay in that folder.` : '';
    super(
      `${resource}, kept in the data folder from an earlier run, cannot take the contract's ${changes.join(', ')} here: the local emulator does not change it on a ${resource.split(' ')[0]} that exists (AWS does; ${String((cause as Error)?.message ?? cause)}).${holds} To start on the new contract, move the data folder aside (mv .sluice-data .sluice-data.before) or start with --data-dir <another folder>, or try it with --in-memory; the old folder keeps its messages and tables`,
      { cause },
    );
    this.name = 'KeptResourceError';
  }
}

async function ensureQueue(options: ProvisionOptions, queue: QueueSpec, attributes: Record<string, string>): Promise<string> {
  const { sqs } = options;
  const url = await existingQueueUrl(sqs, queue.name);
  if (!url) {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { ...attributes, ...(queue.fifo ? { FifoQueue: 'true' } : {}) }, ...(queue.tags ? { tags: { ...queue.tags } } : {}) }));
    options.onChange?.(`created queue ${queue.name}`);
    return created.QueueUrl!;
  }
  const current: Record<string, string> = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
  const changed = Object.entries(attributes).filter(([k, v]) => (current[k] ?? '') !== v);
  if (changed.length > 0) {
    try {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: Object.fromEntries(changed) }));
    } catch (error) {
      // The emulator refuses to change some attributes of a queue that exists (its FIFO ones), which AWS changes.
      throw new KeptResourceError(`queue ${queue.name}`, changed.map(([k, v]) => `${k} ${current[k] ?? '(none)'} → ${v}`), error, Number(current.ApproximateNumberOfMessages ?? 0) + Number(current.ApproximateNumberOfMessagesNotVisible ?? 0));
    }
    options.onChange?.(`updated queue ${queue.name}: ${changed.map(([k, v]) => `${k} ${current[k] ?? '(none)'} → ${v}`).join(', ')}`);
  }
  // Tags are set on creation only: a changed binding's tags would otherwise never reach a kept queue.
  const tags = tagChanges((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {}, queue.tags ?? {});
  if (tags.remove.length > 0) await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: tags.remove }));
  if (Object.keys(tags.set).length > 0) await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: tags.set }));
  if (tags.line) options.onChange?.(`updated queue ${queue.name}: ${tags.line}`);
  return url;
}

async function ensureTable(dynamodb: DynamoDBClient, name: string, table: { partitionKey: string; sortKey?: string }, onChange?: (line: string) => void): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    return; // persisted from an earlier run
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keys = [{ name: table.partitionKey, type: 'HASH' as const }, ...(table.sortKey ? [{ name: table.sortKey, type: 'RANGE' as const }] : [])];
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: 'S' })),
      KeySchema: keys.map((k) => ({ AttributeName: k.name, KeyType: k.type })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') {
      onChange?.(`created table ${name}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}

/** The subscription attributes the contract asks for, as SNS stores them. */
function subscriptionAttributes(subscription: SubscriptionSpec, queueArns: Record<string, string>): Record<string, string> {
  return {
    RawMessageDelivery: String(subscription.rawMessageDelivery),
    // No policy at all (a triage subscription's `{}`): every publish, the attribute-less ones included.
    ...(Object.keys(subscription.filterPolicy).length > 0 ? { FilterPolicy: JSON.stringify(subscription.filterPolicy), FilterPolicyScope: subscription.filterPolicyScope } : {}),
    ...(subscription.deadLetterQueue ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArns[subscription.deadLetterQueue] }) } : {}),
  };
}

/**
 * Creates (or reconciles) every topic, queue, subscription and table. Idempotent.
 *
 * @param topology - the generated topology manifest
 * @param settings - the application's settings (tables, per-consumer limits)
 * @returns where every resource is; queues of an earlier run the contract no longer names are kept
 *   and listed in `orphanQueues`
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { provisionTopology, startEmulators } from '@sluice/local';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const { clientConfig } = await startEmulators({ port: 0 });
 * const resources = await provisionTopology(topology, settings, {
 *   sqs: new SQSClient(clientConfig),
 *   sns: new SNSClient(clientConfig),
 *   dynamodb: new DynamoDBClient(clientConfig),
 *   region: clientConfig.region,
 *   visibilityTimeouts: { PaymentQueue: 5 },
 * });
 * const url = resources.queues['PaymentQueue']?.url;
 * ```
 */
export async function provisionTopology(topology: Topology, settings: AppSettings, options: ProvisionOptions): Promise<LocalResources> {
  const { sqs, sns, dynamodb, region } = options;
  const resources: LocalResources = { region, topics: {}, queues: {}, subscriptions: {}, tables: {}, orphanQueues: [] };

  // The plan lists dead-letter queues first: their ARNs go into the redrive policies of their
  // sources. The settings may carry local overrides, checked when the application was loaded.
  const plan = resolvePlan({ topology, settings, check: false });
  for (const { spec: queue, visibilityTimeoutSeconds } of plan.queues) {
    const visibility = options.visibilityTimeouts?.[queue.name] ?? visibilityTimeoutSeconds;
    const attributes: Record<string, string> = {
      MessageRetentionPeriod: String(queue.retentionSeconds),
      VisibilityTimeout: String(visibility),
      ...(queue.deliveryDelaySeconds !== undefined ? { DelaySeconds: String(queue.deliveryDelaySeconds) } : {}),
      ...(queue.receiveWaitTimeSeconds !== undefined ? { ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitTimeSeconds) } : {}),
      ...(queue.deduplicationScope !== undefined ? { DeduplicationScope: queue.deduplicationScope } : {}),
      ...(queue.fifoThroughputLimit !== undefined ? { FifoThroughputLimit: queue.fifoThroughputLimit } : {}),
    };
    if (queue.deadLetter) {
      const dlq = resources.queues[queue.deadLetter.queue];
      if (!dlq) throw new Error(`queue ${queue.name} redrives to ${queue.deadLetter.queue}, which was not created first`);
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: queue.deadLetter.maxReceiveCount });
    }
    const url = await ensureQueue(options, queue, attributes);
    resources.queues[queue.name] = { url, arn: await queueArnOf(sqs, url), visibilityTimeoutSeconds: visibility };
  }

  for (const topic of Object.values(topology.topics)) {
    const attributes = topic.fifo ? { FifoTopic: 'true', ContentBasedDeduplication: String(topic.contentBasedDeduplication === true) } : undefined;
    const { TopicArn } = await sns
      .send(
        new CreateTopicCommand({
          Name: topic.name,
          ...(attributes ? { Attributes: attributes } : {}),
          // No Tags here: as in AWS, CreateTopic with tags other than those of a topic kept from an
          // earlier run is refused ("Topic already exists with different tags"). They are set below.
        }),
      )
      .catch((error: unknown) => {
        // A topic kept from an earlier run with other attributes (content-based deduplication switched).
        if (!/already exists with different attributes/i.test(String((error as Error)?.message))) throw error;
        throw new KeptResourceError(`topic ${topic.name}`, [`ContentBasedDeduplication → ${attributes?.ContentBasedDeduplication ?? 'false'}`], error);
      });
    resources.topics[topic.name] = { arn: TopicArn! };
    // The contract's tags, on a new topic and on one kept from an earlier run alike.
    const current = Object.fromEntries(((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn! }))).Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
    const tags = tagChanges(current, topic.tags ?? {});
    if (tags.remove.length > 0) await sns.send(new UntagResourceCommand({ ResourceArn: TopicArn!, TagKeys: tags.remove }));
    if (Object.keys(tags.set).length > 0) await sns.send(new TagResourceCommand({ ResourceArn: TopicArn!, Tags: Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value })) }));
    if (tags.line) options.onChange?.(`updated topic ${topic.name}: ${tags.line}`);
  }

  const queueArns = Object.fromEntries(Object.entries(resources.queues).map(([name, q]) => [name, q.arn]));
  const ownQueueArns = new Set(Object.values(queueArns));
  for (const topic of Object.values(topology.topics)) {
    const topicArn = resources.topics[topic.name]!.arn;
    // The contract's subscriptions and the topic's unrouted queue's (the complement of theirs).
    const wanted = plan.subscriptions.filter((s) => s.topic === topic.name);
    const existing: { SubscriptionArn?: string; Endpoint?: string; Protocol?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
      existing.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
    for (const subscription of wanted) {
      const endpoint = queueArns[subscription.queue]!;
      const attributes = subscriptionAttributes(subscription, queueArns);
      const found = existing.find((e) => e.Protocol === 'sqs' && e.Endpoint === endpoint);
      if (!found?.SubscriptionArn) {
        const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: endpoint, Attributes: attributes, ReturnSubscriptionArn: true }));
        resources.subscriptions[subscription.name] = { arn: SubscriptionArn! };
        options.onChange?.(`subscribed ${subscription.queue} to ${subscription.topic}`);
        continue;
      }
      const current = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: found.SubscriptionArn }))).Attributes ?? {};
      for (const [name, value] of Object.entries(attributes)) {
        const same = name === 'FilterPolicy' ? current[name] !== undefined && JSON.stringify(JSON.parse(current[name]!)) === value : current[name] === value;
        if (same) continue;
        await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: found.SubscriptionArn, AttributeName: name, AttributeValue: value }));
        options.onChange?.(`updated subscription ${subscription.topic} → ${subscription.queue}: ${name}`);
      }
      resources.subscriptions[subscription.name] = { arn: found.SubscriptionArn };
    }
    // Subscriptions of an earlier run that the contract no longer declares deliver to no one on purpose.
    for (const e of existing) {
      if (!e.SubscriptionArn || e.Protocol !== 'sqs') continue;
      if (wanted.some((s) => queueArns[s.queue] === e.Endpoint)) continue;
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: e.SubscriptionArn }));
      options.onChange?.(`unsubscribed ${e.Endpoint?.split(':').pop()} from ${topic.name} (no longer in the contract)`);
    }
  }

  for (const { name, ...table } of plan.tables) {
    await ensureTable(dynamodb, name, table, options.onChange);
    resources.tables[name] = { name };
  }

  const listed = await sqs.send(new ListQueuesCommand({}));
  for (const url of listed.QueueUrls ?? []) {
    const arn = await queueArnOf(sqs, url);
    if (!ownQueueArns.has(arn)) resources.orphanQueues.push(arn.split(':').pop()!);
  }
  resources.orphanQueues.sort();
  return resources;
}

/**
 * Finds the resources of a stack another process runs (`npm start -- --no-consumers`), by the
 * names in the topology and settings. Fails, saying how to start the stack, when one is missing.
 *
 * @example
 * ```ts
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { discoverResources } from '@sluice/local';
 * import { localCredentials, localRegion } from '@sluice/ops';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const config = { endpoint: 'http://127.0.0.1:4566', region: localRegion, credentials: localCredentials };
 * const resources = await discoverResources(topology, settings, { sqs: new SQSClient(config), sns: new SNSClient(config), region: localRegion });
 * ```
 */
export async function discoverResources(topology: Topology, settings: AppSettings, options: Pick<ProvisionOptions, 'sqs' | 'sns' | 'region'>): Promise<LocalResources> {
  const resources: LocalResources = { region: options.region, topics: {}, queues: {}, subscriptions: {}, tables: {}, orphanQueues: [] };
  for (const { spec: queue } of resolvePlan({ topology, settings, check: false }).queues) {
    const url = await existingQueueUrl(options.sqs, queue.name);
    if (!url) throw new Error(`the stack has no queue ${queue.name}: start it with \`npm start -- --no-consumers\` (or restart it after \`npm run codegen\`)`);
    const attrs = (await options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }))).Attributes ?? {};
    resources.queues[queue.name] = { url, arn: attrs.QueueArn!, visibilityTimeoutSeconds: Number(attrs.VisibilityTimeout) };
  }
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await options.sns.send(new ListTopicsCommand({ NextToken: token }));
    arns.push(...(page.Topics ?? []).map((t) => t.TopicArn!).filter(Boolean));
    token = page.NextToken;
  } while (token);
  for (const topic of Object.values(topology.topics)) {
    const arn = arns.find((a) => a.split(':').pop() === topic.name);
    if (!arn) throw new Error(`the stack has no topic ${topic.name}: start it with \`npm start -- --no-consumers\``);
    resources.topics[topic.name] = { arn };
  }
  for (const name of Object.keys(settings.tables ?? {})) resources.tables[name] = { name };
  return resources;
}
