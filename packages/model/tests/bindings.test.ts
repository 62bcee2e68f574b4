/**
 * Binding fidelity (issue 18, item 3): both layouts of the official SNS 0.1.0 and SQS 0.2.0
 * bindings are read, every field of them is honoured (visible in the plan `infra:plan --json`
 * prints) or refused with why, and the public documents (the binding README's two examples,
 * Springwolf's SNS and SQS examples) plan exactly the topics, queues, DLQs and subscriptions their
 * bindings name, under those names.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract } from '@sluice/governance';
import { awsNameOf, deriveTopology, resolvePlan } from '@sluice/model';
import { problemsOf } from './problems-of.ts';

type Json = Record<string, any>;
const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures/bindings', name);
const load = async (name: string) => structuredClone((await loadContract(fixture(name), { validate: false })) as Json);

const planOf = (doc: Json) => resolvePlan({ topology: deriveTopology(doc).topology, settings: {} });
const names = (doc: Json) => {
  const { topology } = deriveTopology(doc);
  return {
    topics: Object.keys(topology.topics),
    queues: Object.keys(topology.queues),
    dlqs: Object.values(topology.queues).filter((q) => q.deadLetterFor.length > 0).map((q) => q.name),
    subscriptions: topology.subscriptions.map((s) => `${s.topic} -> ${s.queue}${s.deadLetterQueue ? ` (dlq ${s.deadLetterQueue})` : ''}`),
    operations: Object.fromEntries(Object.values(topology.operations).map((o) => [o.id, `${o.action} ${o.topic ?? o.queue}`])),
  };
};

describe('public documents plan exactly what their bindings name, under those names', () => {
  it('the SQS binding README "SNS to SQS pub-sub" (consumers and queues on the receive operation)', async () => {
    const doc = await load('sns-sqs-pub-sub.yaml');
    expect(names(doc)).toEqual({
      topics: ['user-signedup'],
      queues: ['user-signedup-dlq', 'user-signedup-queue'],
      dlqs: ['user-signedup-dlq'],
      subscriptions: ['user-signedup -> user-signedup-queue (dlq user-signedup-dlq)'],
      operations: { receiveMessage: 'receive user-signedup-queue', sendMessage: 'send user-signedup' },
    });
    const plan = planOf(doc);
    // rawMessageDelivery: true on a receive operation's consumer is deployed as true.
    expect(plan.subscriptions.find((s) => s.queue === 'user-signedup-queue')?.rawMessageDelivery).toBe(true);
    const queue = plan.queues.find((q) => q.name === 'user-signedup-queue')!.spec;
    expect(queue.receiveWaitTimeSeconds).toBe(4);
    expect(queue.deadLetter).toEqual({ queue: 'user-signedup-dlq', maxReceiveCount: 10 });
    expect(queue.policy).toEqual([
      { effect: 'Allow', principal: '*', action: 'Sqs:SendMessage' },
      { effect: 'Allow', principal: '*', action: 'Sqs:ReceiveMessage' },
    ]);
    expect(plan.topics[0]!.policy).toEqual([{ effect: 'Allow', principal: '*', action: 'SNS:Publish' }]);
    // Deployed after the framework's Deny of every other publisher or sender, those two Allows can do nothing: said, with where to give the permission (ReceiveMessage is not denied: nothing said of it).
    expect(plan.warnings.filter((w) => /policy\.statements/.test(w))).toEqual([
      expect.stringMatching(/^topic user-signedup: its SNS binding's policy\.statements\[0\] allows sns:Publish to \*, which has no effect: the framework denies publishing to every principal its settings do not name, and an explicit Deny wins\. Name the publisher in settings\.publishers\.sendMessage\.principals instead/),
      expect.stringMatching(/^queue user-signedup-queue: its SQS binding's policy\.statements\[0\] allows sqs:SendMessage to \*, which has no effect beyond the deploying account/),
    ]);
  });

  it('the README as written: its subscription redrives to a DLQ it never declares, refused', async () => {
    const doc = await load('sns-sqs-pub-sub.yaml');
    doc.operations.receiveMessage.bindings.sns.consumers[0].redrivePolicy.deadLetterQueue.name = 'user-signedup-queue-dlq';
    expect(problemsOf(doc).join('\n')).toMatch(/consumers\[0\]\.redrivePolicy names user-signedup-queue-dlq, which no binding declares: declare it \(a channel's bindings\.sqs\.queue, or one of an operation's bindings\.sqs\.queues\)/);
  });

  it('the SQS binding README "SQS point-to-point" (a send operation straight to the queue)', async () => {
    const doc = await load('sqs-point-to-point.yaml');
    expect(names(doc)).toEqual({
      topics: [],
      queues: ['user-signedup-dlq', 'user-signedup-queue'],
      dlqs: ['user-signedup-dlq'],
      subscriptions: [],
      operations: { receiveMessage: 'receive user-signedup-queue', sendMessage: 'send user-signedup-queue' },
    });
  });

  it('the SQS binding README "SQS point-to-point", the producer\'s document alone: its queue is made, and the warning says another application receives from it (it read as a mistake: messages wait until they expire)', async () => {
    const doc = await load('sqs-point-to-point.yaml');
    delete doc.operations.receiveMessage;
    const { topology, warnings } = deriveTopology(doc);
    expect(Object.keys(topology.queues)).toEqual(['user-signedup-dlq', 'user-signedup-queue']);
    expect(warnings.filter((w) => w.startsWith('queue user-signedup-queue '))).toEqual([
      'queue user-signedup-queue has no receive operation in this contract, and operations.sendMessage sends to it (point-to-point): another application must receive from it, or what is sent waits until it expires (345600 s)',
    ]);
  });

  it("Springwolf's SNS example (channels without bindings, consumers with empty endpoints on send and receive)", async () => {
    const doc = await load('springwolf-sns.json');
    const { topology, warnings } = deriveTopology(doc);
    expect(Object.keys(topology.topics)).toEqual(['another-topic', 'example-topic']);
    expect(Object.keys(topology.queues)).toEqual([]);
    expect(topology.subscriptions).toEqual([]);
    // The consumers name no queue: said, not ignored.
    expect(warnings.filter((w) => /names no queue/.test(w))).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/operations\.example-topic_receive_receiveExamplePayload receives from topic example-topic but its bindings\.sns\.consumers name no queue/);
    // …with how to consume them.
    expect(warnings.join('\n')).toMatch(/To consume them: add a channel with bindings\.sqs\.queue \(its name\), subscribe it on the topic's send operation \(bindings\.sns\.consumers: \[\{ protocol: sqs, endpoint: \{ name: <queue> \} \}\]\), and point this receive operation at that queue's channel/);
  });

  it("Springwolf's SQS example (FIFO queues without .fifo, queues on operations, point-to-point send)", async () => {
    const doc = await load('springwolf-sqs.json');
    const { topology, warnings } = deriveTopology(doc);
    // AWS requires .fifo on a FIFO queue's name: created with it, and said once per queue.
    expect(Object.keys(topology.queues)).toEqual(['another-queue.fifo', 'example-queue.fifo']);
    expect(warnings.join('\n')).toMatch(/queue another-queue \(channels\.another-queue\.bindings\.sqs\.queue\) is FIFO, and AWS requires a FIFO queue's name to end in \.fifo: it is created as another-queue\.fifo/);
    expect(topology.operations['another-queue_send_sendMessage']).toMatchObject({ action: 'send', queue: 'another-queue.fifo', fifo: { contentBasedDeduplication: false } });
    expect(topology.operations['example-queue_receive_receiveExamplePayload']).toMatchObject({ action: 'receive', queue: 'example-queue.fifo' });
    expect(Object.keys(topology.topics)).toEqual([]);
  });

  it("Springwolf's SQS example: the send operation's bindings.sqs.queues name a queue nothing uses (the annotation's queue-name), which is not made, and said why", async () => {
    const doc = await load('springwolf-sqs.json');
    const { topology, warnings } = deriveTopology(doc);
    // The producer sends to its channel's queue; queue-name is only its operation binding's entry,
    // which nothing subscribes or names as a dead-letter queue. It was made as queue-name.fifo, with
    // "has no receive operation" as the only word about it.
    expect(Object.keys(topology.queues)).not.toContain('queue-name.fifo');
    expect(warnings.filter((w) => w.includes('queue-name'))).toEqual([
      'operations.another-queue_send_sendMessage.bindings.sqs.queues[0] names queue queue-name, but operations.another-queue_send_sendMessage sends to the queue of its channel, another-queue.fifo (channels.another-queue.bindings.sqs.queue), and nothing subscribes queue-name or names it as a dead-letter queue, which is what an operation\'s bindings.sqs.queues declare (SQS binding 0.2.0): no queue is made for it. Remove it; or, if operations.another-queue_send_sendMessage is meant to send to queue-name, point it at a channel whose bindings.sqs.queue is queue-name',
    ]);
  });
});

/** A small pub-sub document whose bindings each test changes. */
function base(): Json {
  const message = { name: 'UserSignedUp', payload: { type: 'object', properties: { userId: { type: 'string' } } } };
  const topic = { address: 'users', messages: { UserSignedUp: message }, bindings: { sns: { name: 'users' } } };
  const queue = { address: 'users-queue', messages: { UserSignedUp: message }, bindings: { sqs: { queue: { name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }, deadLetterQueue: { name: 'users-dlq', fifoQueue: false } } } };
  return {
    asyncapi: '3.0.0',
    info: { title: 't', version: '1.0.0' },
    channels: { users: topic, usersQueue: queue },
    operations: {
      publish: { action: 'send', channel: topic, messages: [message], bindings: { sns: { consumers: [{ protocol: 'sqs', endpoint: { name: 'users-queue' }, rawMessageDelivery: false }] } } },
      consume: { action: 'receive', channel: queue, messages: [message] },
    },
  };
}
const fifoBase = (): Json => {
  const doc = base();
  doc.channels.users.bindings.sns = { name: 'users.fifo', ordering: { type: 'FIFO' } };
  doc.channels.usersQueue.bindings.sqs.queue = { name: 'users-queue.fifo', fifoQueue: true, redrivePolicy: { deadLetterQueue: { name: 'users-dlq.fifo' } } };
  doc.channels.usersQueue.bindings.sqs.deadLetterQueue = { name: 'users-dlq.fifo', fifoQueue: true };
  doc.operations.publish.bindings.sns.consumers[0].endpoint.name = 'users-queue.fifo';
  return doc;
};
const queueSpec = (doc: Json, name = 'users-queue') => planOf(doc).queues.find((q) => q.name === name)!.spec;

describe('every field of the SNS 0.1.0 binding: honoured (in the plan) or refused (why)', () => {
  it('channel name: the topic and its AWS name (exact on production, -<stage> elsewhere)', () => {
    expect(planOf(base()).topics.map((t) => t.name)).toEqual(['users']);
    expect(awsNameOf('users', { production: true, stage: 'prod' }, 'topic')).toBe('users');
    expect(awsNameOf('users.fifo', { production: false, stage: 'dev' }, 'topic')).toBe('users-dev.fifo');
    expect(() => awsNameOf('q'.repeat(78), { production: false, stage: 'dev' })).toThrow(/longer than AWS's 80 characters/);
  });
  it('channel ordering.type and contentBasedDeduplication', () => {
    const doc = fifoBase();
    doc.channels.users.bindings.sns.ordering.contentBasedDeduplication = true;
    const topic = planOf(doc).topics[0]!;
    expect(topic).toMatchObject({ name: 'users.fifo', fifo: true, contentBasedDeduplication: true });
    const derived = deriveTopology(doc);
    expect(derived.topology.operations.publish!.fifo).toEqual({ contentBasedDeduplication: true, messageGroupIdFields: {} });
    // No x-message-group-id: every publish must give the group itself, which is said before the first one is refused.
    expect(derived.warnings.join('\n')).toMatch(/operations\.publish sends \S+ to a FIFO target, and #\S+ names no x-message-group-id: every publish must give its message group id \(.*publish-message --message-group-id <id>\)/);
    const standard = base();
    standard.channels.users.bindings.sns.ordering = { type: 'standard', contentBasedDeduplication: true };
    expect(problemsOf(standard).join('\n')).toMatch(/contentBasedDeduplication is for FIFO topics only/);
  });
  it("a FIFO topic whose name lacks .fifo is created with it, said once, and an operation's topic may name it as written; a standard topic's name ending in .fifo is refused", () => {
    const doc = fifoBase();
    doc.channels.users.bindings.sns.name = 'users';
    doc.operations.publish.bindings.sns.topic = { name: 'users' };
    const derived = deriveTopology(doc);
    expect(Object.keys(derived.topology.topics)).toEqual(['users.fifo']);
    expect(derived.topology.operations.publish).toMatchObject({ topic: 'users.fifo', fifo: { contentBasedDeduplication: false } });
    expect(derived.warnings.filter((w) => w.includes('.fifo: it is created as'))).toEqual([
      "topic users (channels.users.bindings.sns.name) is FIFO (ordering.type: FIFO), and AWS requires a FIFO topic's name to end in .fifo: it is created as users.fifo",
    ]);
    // A receive operation on its queue's channel, subscribing through the topic as written (Springwolf's
    // layout): the same FIFO topic, not a second, standard one that cannot deliver to a FIFO queue.
    const subscribed = fifoBase();
    subscribed.channels.users.bindings.sns.name = 'users';
    const queues = [subscribed.channels.usersQueue.bindings.sqs.queue, subscribed.channels.usersQueue.bindings.sqs.deadLetterQueue];
    delete subscribed.channels.usersQueue.bindings;
    subscribed.operations.consume.bindings = { sns: { topic: { name: 'users' }, consumers: [{ protocol: 'sqs', endpoint: { name: 'users-queue.fifo' }, rawMessageDelivery: false }] }, sqs: { queues } };
    delete subscribed.operations.publish.bindings;
    expect(problemsOf(subscribed)).toEqual([]);
    const read = deriveTopology(subscribed);
    expect(Object.keys(read.topology.topics)).toEqual(['users.fifo']);
    expect(read.topology.subscriptions).toEqual([expect.objectContaining({ topic: 'users.fifo', queue: 'users-queue.fifo' })]);
    const standard = base();
    standard.channels.users.bindings.sns.name = 'users.fifo';
    expect(problemsOf(standard).join('\n')).toMatch(/topic users\.fifo \(channels\.users\): a standard topic's name cannot end in \.fifo \(AWS requires it\): write ordering\.type: FIFO, or rename it/);
  });
  it('channel policy and tags', () => {
    const doc = base();
    doc.channels.users.bindings.sns.policy = { statements: [{ effect: 'Deny', principal: '*', action: 'sns:Subscribe' }] };
    doc.channels.users.bindings.sns.tags = { team: 'identity' };
    expect(planOf(doc).topics[0]).toMatchObject({ policy: [{ effect: 'Deny', principal: '*', action: 'sns:Subscribe' }], tags: { team: 'identity' } });
    doc.channels.users.bindings.sns.policy = { statements: [{ effect: 'Maybe' }] };
    doc.channels.users.bindings.sns.tags = { team: 1 };
    const problems = problemsOf(doc).join('\n');
    expect(problems).toMatch(/policy\.statements\[0\] needs effect \(Allow or Deny\), principal and action/);
    expect(problems).toMatch(/tags must be an object of string values/);
  });
  it('bindingVersion: another version is read as 0.1.0, and said', () => {
    const doc = base();
    doc.channels.users.bindings.sns.bindingVersion = '0.2.0';
    expect(deriveTopology(doc).warnings.join('\n')).toMatch(/channels\.users\.bindings\.sns\.bindingVersion is "0\.2\.0": the framework reads it as 0\.1\.0/);
  });
  it('operation topic: names the topic of a channel without an sns binding', () => {
    const doc = base();
    delete doc.channels.users.bindings.sns;
    doc.operations.publish.bindings.sns.topic = { name: 'users-topic' };
    expect(Object.keys(deriveTopology(doc).topology.topics)).toEqual(['users-topic']);
  });
  it('operation and consumer deliveryPolicy, consumer displayName, subscription maxReceiveCount: refused, with why', () => {
    const doc = base();
    doc.operations.publish.bindings.sns.deliveryPolicy = { numRetries: 3 };
    Object.assign(doc.operations.publish.bindings.sns.consumers[0], { deliveryPolicy: { numRetries: 3 }, displayName: 'Users', redrivePolicy: { deadLetterQueue: { name: 'users-dlq' }, maxReceiveCount: 5 } });
    const problems = problemsOf(doc).join('\n');
    expect(problems).toMatch(/operations\.publish\.bindings\.sns\.deliveryPolicy is refused: SNS applies delivery policies to HTTP\/S endpoints only/);
    expect(problems).toMatch(/consumers\[0\]\.deliveryPolicy is refused/);
    expect(problems).toMatch(/consumers\[0\]\.displayName is refused: a display name is the sender name of SMS and email subscriptions/);
    expect(problems).toMatch(/consumers\[0\]\.redrivePolicy\.maxReceiveCount is refused/);
  });
  it('consumer protocol, endpoint (name, arn; url/email/phone refused), filterPolicyScope', () => {
    const doc = base();
    doc.operations.publish.bindings.sns.consumers[0].endpoint = { arn: 'arn:aws:sqs:eu-west-1:123456789012:users-queue' };
    expect(deriveTopology(doc).topology.subscriptions.map((s) => s.queue)).toEqual(['users-queue']);
    doc.operations.publish.bindings.sns.consumers.push({ protocol: 'https', endpoint: { url: 'https://x' }, rawMessageDelivery: false });
    doc.operations.publish.bindings.sns.consumers.push({ protocol: 'sqs', endpoint: { email: 'a@b.c' }, rawMessageDelivery: false, filterPolicyScope: 'MessageBody' });
    const problems = problemsOf(doc).join('\n');
    expect(problems).toMatch(/consumers\[1\]: protocol "https" is not supported/);
    expect(problems).toMatch(/consumers\[2\]\.endpoint\.email: an sqs consumer's endpoint is a queue/);
    // What to write instead, not only that it is not supported.
    const scoped = base();
    scoped.operations.publish.bindings.sns.consumers[0].filterPolicyScope = 'MessageBody';
    expect(problemsOf(scoped).join('\n')).toMatch(/consumers\[0\]: filterPolicyScope "MessageBody" is not supported; .*: write filterPolicyScope: MessageAttributes, or remove it$/m);
  });
  it('consumer rawMessageDelivery on a receive operation (the SNS binding README layout) is deployed as written', () => {
    const doc = base();
    delete doc.operations.publish.bindings;
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: doc.operations.publish.messages, bindings: { sns: { consumers: [{ protocol: 'sqs', endpoint: { name: 'users-queue' }, rawMessageDelivery: true }] } } };
    const plan = planOf(doc);
    expect(plan.subscriptions.filter((s) => s.queue === 'users-queue').map((s) => s.rawMessageDelivery)).toEqual([true]);
    expect(plan.functions.map((f) => f.queue)).toContain('users-queue');
  });
  it('consumer filterPolicy: one that is not what the consumer declares is refused', () => {
    const doc = base();
    doc.operations.publish.bindings.sns.consumers[0].filterPolicy = { reason: [{ 'anything-but': 'password-reset' }] };
    expect(problemsOf(doc).join('\n')).toMatch(/the filterPolicy of users → users-queue \(publish\) must admit exactly what consume declares/);
  });
  it('a field the schema does not have is refused, not ignored', () => {
    const doc = base();
    doc.channels.users.bindings.sns.fifo = true;
    doc.operations.publish.bindings.sns.consumers[0].raw = true;
    const problems = problemsOf(doc).join('\n');
    expect(problems).toMatch(/channels\.users\.bindings\.sns\.fifo is not a field of the binding/);
    expect(problems).toMatch(/consumers\[0\]\.raw is not a field of the binding/);
  });
  it("a receive operation on a topic's channel that lists its queue in bindings.sqs.queues is told how to consume that queue, by name (the advice named none)", () => {
    const doc = base();
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: doc.operations.publish.messages, bindings: { sqs: { queues: [{ name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }, { name: 'users-dlq', fifoQueue: false }] } } };
    const warning = deriveTopology(doc).warnings.find((w) => w.startsWith('operations.consume '));
    expect(warning).toMatch(/^operations\.consume receives from topic users and lists users-queue in its bindings\.sqs\.queues, but .* To consume users-queue: point this operation at a channel whose bindings\.sqs\.queue is users-queue .*endpoint: \{ name: users-queue \}/);
  });
  it("names the queue meant, not its dead-letter queue listed first, when the redrivePolicy names that queue without its .fifo (as everywhere else a queue is matched)", () => {
    const doc = base();
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: doc.operations.publish.messages, bindings: { sqs: { queues: [{ name: 'users-dlq.fifo', fifoQueue: true }, { name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }] } } };
    const warning = deriveTopology(doc).warnings.find((w) => w.startsWith('operations.consume '));
    expect(warning).toMatch(/^operations\.consume receives from topic users and lists users-queue in its bindings\.sqs\.queues, /);
  });
  it("a consumer's document that lists its queue and DLQ in a receive operation's bindings.sqs.queues on a topic's channel, subscribing neither: no queue is made, each entry is said at its own path (one warning said both, at the operation), and the operation is said to be outside the topology", () => {
    const doc = base();
    delete doc.channels.usersQueue;
    delete doc.operations.consume;
    doc.operations.publish.bindings.sns.consumers = [];
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: doc.operations.publish.messages, bindings: { sqs: { queues: [{ name: 'users-dlq', fifoQueue: false }, { name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }] } } };
    const { topology, warnings } = deriveTopology(doc);
    expect(topology.queues).toEqual({});
    expect(warnings.filter((w) => w.startsWith('operations.consume'))).toEqual([
      "operations.consume receives from topic users and subscribes no queue: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators. To consume one, see operations.consume.bindings.sqs.queues[1]",
      "operations.consume.bindings.sqs.queues[0] names queue users-dlq, the dead-letter queue of queues[1] (users-queue): no queue is made for it, as none is for users-queue",
      "operations.consume.bindings.sqs.queues[1] names queue users-queue, but on a topic's channel an operation's bindings.sqs.queues declare a queue, they do not consume it, and nothing subscribes users-queue: no queue is made for it. To consume users-queue with operations.consume: point it at a channel whose bindings.sqs.queue is users-queue (channel: { $ref: '#/channels/<that channel>' }), or subscribe it here with bindings.sns.consumers: [{ protocol: sqs, endpoint: { name: users-queue } }]",
    ]);
    expect(warnings.filter((w) => !w.startsWith('operations.consume') && (w.includes('users-queue') || w.includes('users-dlq')))).toEqual([]);
    // Subscribed, the queue and the DLQ its redrivePolicy names are made.
    doc.operations.publish.bindings.sns.consumers = [{ protocol: 'sqs', endpoint: { name: 'users-queue' }, rawMessageDelivery: false }];
    expect(Object.keys(deriveTopology(doc).topology.queues)).toEqual(['users-dlq', 'users-queue']);
  });
  it("a receive operation on a topic's channel listing two queues nothing names: each is said at its own path, with its own advice", () => {
    const doc = base();
    delete doc.channels.usersQueue;
    delete doc.operations.consume;
    doc.operations.publish.bindings.sns.consumers = [];
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: doc.operations.publish.messages, bindings: { sqs: { queues: [{ name: 'audit-queue' }, { name: 'users-queue' }] } } };
    const { warnings } = deriveTopology(doc);
    const about = warnings.filter((w) => w.startsWith('operations.consume'));
    expect(about[0]).toMatch(/To consume one, see operations\.consume\.bindings\.sqs\.queues\[0\] or operations\.consume\.bindings\.sqs\.queues\[1\]$/);
    expect(about.slice(1).map((w) => w.split(' names queue ')[0])).toEqual(['operations.consume.bindings.sqs.queues[0]', 'operations.consume.bindings.sqs.queues[1]']);
    expect(about[1]).toContain('To consume audit-queue with operations.consume');
    expect(about[2]).toContain('To consume users-queue with operations.consume');
  });
  it('a misspelt field is refused with the field meant, so that following the advice keeps the setting (it said "remove it", losing it)', () => {
    const doc = base();
    doc.channels.usersQueue.bindings.sqs.queue.visibilityTimout = 90;
    doc.channels.usersQueue.bindings.sqs.queue.policy = { statements: [{ effect: 'Allow', principal: '*', action: 'sqs:ReceiveMessage', Resource: 'x' }] };
    doc.channels.usersQueue.bindings.sqs.queue.sizeLimit = 5;
    const problems = problemsOf(doc);
    expect(problems).toContain('channels.usersQueue.bindings.sqs.queue.visibilityTimout is not a field of the binding (' + problems.find((p) => p.includes('visibilityTimout'))!.split('(')[1]!.split(')')[0] + '): did you mean visibilityTimeout? Rename it');
    expect(problems).toContain('channels.usersQueue.bindings.sqs.queue.policy.statements[0].Resource is not a field of the binding (effect, principal, action, resource, condition): did you mean resource? Rename it');
    expect(problems.find((p) => p.includes('.sizeLimit '))).toMatch(/: remove it, nothing would read it$/);
  });
});

describe('every field of the SQS 0.2.0 binding: honoured (in the plan) or refused (why)', () => {
  it('name (the AWS name), fifoQueue, deliveryDelay, visibilityTimeout, receiveMessageWaitTime, messageRetentionPeriod', () => {
    const doc = base();
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { deliveryDelay: 5, visibilityTimeout: 180, receiveMessageWaitTime: 20, messageRetentionPeriod: 86_400 });
    doc.channels.usersQueue.bindings.sqs.deadLetterQueue.messageRetentionPeriod = 1_209_600;
    expect(queueSpec(doc)).toMatchObject({ name: 'users-queue', fifo: false, deliveryDelaySeconds: 5, visibilityTimeoutSeconds: 180, receiveWaitTimeSeconds: 20, retentionSeconds: 86_400 });
    doc.channels.usersQueue.bindings.sqs.queue.receiveMessageWaitTime = 21;
    doc.channels.usersQueue.bindings.sqs.queue.deliveryDelay = 901;
    const problems = problemsOf(doc).join('\n');
    // Each names where it is written (the binding's path), not only the queue.
    expect(problems).toMatch(/channels\.usersQueue\.bindings\.sqs\.queue\.receiveMessageWaitTime \(queue users-queue, SQS long polling\) must be 0\.\.20 seconds, got 21/);
    expect(problems).toMatch(/channels\.usersQueue\.bindings\.sqs\.queue\.deliveryDelay \(queue users-queue\) must be 0\.\.900 seconds, got 901/);
  });
  it('deduplicationScope and fifoThroughputLimit (FIFO high throughput)', () => {
    const doc = fifoBase();
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' });
    expect(queueSpec(doc, 'users-queue.fifo')).toMatchObject({ fifo: true, deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' });
    doc.channels.usersQueue.bindings.sqs.queue.deduplicationScope = 'queue';
    expect(problemsOf(doc).join('\n')).toMatch(/channels\.usersQueue\.bindings\.sqs\.queue\.fifoThroughputLimit \(queue users-queue\.fifo\) perMessageGroupId needs deduplicationScope messageGroup/);
    // On a standard queue the schema's defaults are what it does anyway: taken (Springwolf-style
    // documents write them); a FIFO value is refused with its place (it refused the defaults too, with no place).
    const standard = base();
    Object.assign(standard.channels.usersQueue.bindings.sqs.queue, { deduplicationScope: 'queue', fifoThroughputLimit: 'perQueue' });
    expect(problemsOf(standard)).toEqual([]);
    expect(queueSpec(standard)).not.toHaveProperty('deduplicationScope');
    Object.assign(standard.channels.usersQueue.bindings.sqs.queue, { deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' });
    expect(problemsOf(standard)).toEqual([
      'channels.usersQueue.bindings.sqs.queue.deduplicationScope (queue users-queue) is "messageGroup", which only a FIFO queue has: write fifoQueue: true, or remove it',
      'channels.usersQueue.bindings.sqs.queue.fifoThroughputLimit (queue users-queue) is "perMessageGroupId", which only a FIFO queue has: write fifoQueue: true, or remove it',
    ]);
  });
  it("a channel's deadLetterQueue is its queue's DLQ: linked after 10 receives (the binding's default) when no redrivePolicy is written, and said; a redrivePolicy to another queue is refused (it was left unlinked, and the DLQ warned about as unconsumed)", () => {
    const doc = base();
    delete doc.channels.usersQueue.bindings.sqs.queue.redrivePolicy;
    expect(problemsOf(doc)).toEqual([]);
    expect(queueSpec(doc).deadLetter).toEqual({ queue: 'users-dlq', maxReceiveCount: 10 });
    const { warnings } = deriveTopology(doc);
    expect(warnings).toContain('channels.usersQueue.bindings.sqs.deadLetterQueue: users-dlq is users-queue\'s dead-letter queue, after 10 receives (the redrivePolicy default); write channels.usersQueue.bindings.sqs.queue.redrivePolicy with a maxReceiveCount to choose how many');
    expect(warnings.join('\n')).not.toMatch(/users-dlq has no receive operation|users-queue has no redrivePolicy/);
    // Written as well, to the same queue: as written, nothing said.
    const written = base();
    written.channels.usersQueue.bindings.sqs.queue.redrivePolicy.maxReceiveCount = 4;
    expect(queueSpec(written).deadLetter).toEqual({ queue: 'users-dlq', maxReceiveCount: 4 });
    expect(deriveTopology(written).warnings.join('\n')).not.toMatch(/deadLetterQueue: users-dlq is/);
    // To another queue: one dead-letter queue per queue.
    const other = base();
    other.operations.consume.bindings = { sqs: { queues: [{ name: 'other-dlq', fifoQueue: false }] } };
    other.channels.usersQueue.bindings.sqs.queue.redrivePolicy.deadLetterQueue = { name: 'other-dlq' };
    expect(problemsOf(other)).toContain("channels.usersQueue.bindings.sqs.deadLetterQueue is users-dlq, but channels.usersQueue.bindings.sqs.queue.redrivePolicy sends users-queue's failures to other-dlq: a queue has one dead-letter queue; name the same one in both, or remove one");
  });
  it('a consumed queue whose binding leaves no settings that fit is refused at the binding: a visibilityTimeout under 6 s, a retention under 120 s (create wrote settings its own npm start refused)', () => {
    const doc = base();
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { visibilityTimeout: 5, messageRetentionPeriod: 119 });
    const problems = problemsOf(doc);
    expect(problems).toContain(
      'channels.usersQueue.bindings.sqs.queue.visibilityTimeout (queue users-queue) is 5 s, but operations.consume consumes it, and a function\'s timeout (1 s at least) must fit 6 times in it (AWS\'s guidance for SQS event sources): write 6 or more, or leave it out to have it derived from the timeout',
    );
    expect(problems.join('\n')).toMatch(/channels\.usersQueue\.bindings\.sqs\.queue\.messageRetentionPeriod \(queue users-queue\) is 119 s, but operations\.consume consumes it: .* write 120 or more$/m);
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { visibilityTimeout: 6, messageRetentionPeriod: 120 });
    expect(problemsOf(doc).filter((p) => /visibilityTimeout|messageRetentionPeriod/.test(p))).toEqual([]);
    // A queue nobody consumes (the DLQ) may keep messages as briefly as SQS allows.
    doc.channels.usersQueue.bindings.sqs.queue.messageRetentionPeriod = 60;
    doc.channels.usersQueue.bindings.sqs.deadLetterQueue.messageRetentionPeriod = 60;
    expect(problemsOf(doc).filter((p) => /users-dlq/.test(p) && /messageRetentionPeriod/.test(p))).toEqual([]);
  });
  it("a policy statement's resource that is the queue's own ARN as written is applied as the queue's deployed ARN, and said (as written it named the queue on one stage only); another resource is kept as written", () => {
    const doc = base();
    const statement = { effect: 'Allow', principal: '123456789012', action: 'sqs:ReceiveMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:users-queue', condition: { Bool: { 'aws:SecureTransport': 'true' } } };
    doc.channels.usersQueue.bindings.sqs.queue.policy = { statements: [statement, { ...statement, resource: 'arn:aws:sqs:us-east-1:123456789012:elsewhere' }] };
    const policy = queueSpec(doc).policy!;
    expect(policy[0]).not.toHaveProperty('resource');
    expect(policy[1]).toMatchObject({ resource: 'arn:aws:sqs:us-east-1:123456789012:elsewhere' });
    expect(deriveTopology(doc).warnings).toContain(
      "channels.usersQueue.bindings.sqs.queue.policy.statements[0].resource arn:aws:sqs:us-east-1:123456789012:users-queue is users-queue's own ARN as written, which names it on one stage only (deployed, its name carries the stage but on production): it is applied as the ARN of users-queue as deployed; leave resource out to say so without this warning",
    );
  });
  it("a policy statement's resource naming another queue of the contract (its ARN or its name, as written) is refused, saying whose policy to write it in (it was kept as written: a statement that names another queue grants nothing on it, and names it on one stage only)", () => {
    const doc = base();
    const statement = { effect: 'Allow', principal: '123456789012', action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:users-dlq' };
    doc.channels.usersQueue.bindings.sqs.queue.policy = { statements: [statement] };
    expect(problemsOf(doc)).toEqual([
      "channels.usersQueue.bindings.sqs.queue.policy.statements[0].resource arn:aws:sqs:us-east-1:123456789012:users-dlq names users-dlq, another queue of this contract: a queue's policy applies to that queue only (on users-queue, a statement naming users-dlq allows or denies nothing on users-dlq), and deployed, users-dlq's name carries the stage but on production, so as written it names users-dlq on one stage only. Write the statement in users-dlq's own policy, channels.usersQueue.bindings.sqs.deadLetterQueue.policy.statements, without resource: there it applies to users-dlq as deployed",
    ]);
    // By its name, in a list, from the dead-letter queue's own policy, with any region and account: each refused at its place.
    doc.channels.usersQueue.bindings.sqs.queue.policy = { statements: [{ ...statement, resource: ['arn:aws:sqs:*:*:elsewhere', 'users-dlq'] }] };
    doc.channels.usersQueue.bindings.sqs.deadLetterQueue.policy = { statements: [{ ...statement, resource: 'arn:aws:sqs:*:*:users-queue' }] };
    expect(problemsOf(doc).map((p) => p.split(' names ')[0])).toEqual([
      'channels.usersQueue.bindings.sqs.queue.policy.statements[0].resource[1] users-dlq',
      'channels.usersQueue.bindings.sqs.deadLetterQueue.policy.statements[0].resource arn:aws:sqs:*:*:users-queue',
    ]);
    // A FIFO queue named as its binding writes it, without the .fifo it is made with, is that queue.
    const fifo = fifoBase();
    fifo.channels.usersQueue.bindings.sqs.deadLetterQueue.name = 'users-dlq';
    fifo.channels.usersQueue.bindings.sqs.queue.redrivePolicy.deadLetterQueue.name = 'users-dlq';
    fifo.channels.usersQueue.bindings.sqs.queue.policy = { statements: [{ ...statement, resource: 'arn:aws:sqs:us-east-1:123456789012:users-dlq' }] };
    expect(problemsOf(fifo).join('\n')).toMatch(/^channels\.usersQueue\.bindings\.sqs\.queue\.policy\.statements\[0\]\.resource arn:aws:sqs:us-east-1:123456789012:users-dlq names users-dlq\.fifo, another queue of this contract/);
    // A topic's policy naming a queue of the contract: refused alike.
    const topic = base();
    topic.channels.users.bindings.sns.policy = { statements: [{ effect: 'Allow', principal: '123456789012', action: 'sns:Publish', resource: 'arn:aws:sqs:us-east-1:123456789012:users-queue' }] };
    expect(problemsOf(topic).join('\n')).toMatch(/^channels\.users\.bindings\.sns\.policy\.statements\[0\]\.resource arn:aws:sqs:us-east-1:123456789012:users-queue names users-queue, a queue of this contract: a topic.s policy applies to that topic only .* Write the statement in users-queue's own policy, channels\.usersQueue\.bindings\.sqs\.queue\.policy\.statements, without resource/);
  });
  it("a policy statement's resource that is the queue's own bare name, or a list of its own ARN and name only, is applied as its deployed ARN, said (a bare name was kept as written, which IAM refuses at deploy)", () => {
    const doc = base();
    const statement = { effect: 'Allow', principal: '123456789012', action: 'sqs:ReceiveMessage', resource: 'users-queue' };
    doc.channels.usersQueue.bindings.sqs.queue.policy = { statements: [statement, { ...statement, resource: ['arn:aws:sqs:*:*:users-queue', 'users-queue'] }] };
    expect(problemsOf(doc)).toEqual([]);
    const policy = queueSpec(doc).policy!;
    expect(policy[0]).not.toHaveProperty('resource');
    expect(policy[1]).not.toHaveProperty('resource');
    expect(deriveTopology(doc).warnings.filter((w) => w.includes('.resource '))).toEqual([
      "channels.usersQueue.bindings.sqs.queue.policy.statements[0].resource users-queue is users-queue's own name as written, which names it on one stage only (deployed, its name carries the stage but on production; and IAM takes an ARN, not a name): it is applied as the ARN of users-queue as deployed; leave resource out to say so without this warning",
      "channels.usersQueue.bindings.sqs.queue.policy.statements[1].resource arn:aws:sqs:*:*:users-queue, users-queue is users-queue's own name as written, which names it on one stage only (deployed, its name carries the stage but on production; and IAM takes an ARN, not a name): it is applied as the ARN of users-queue as deployed; leave resource out to say so without this warning",
    ]);
  });
  it("a policy statement's resource that lists the queue itself beside others, or that is neither an ARN nor a name of the contract, is refused (kept as written: the others granted nothing, a non-ARN failed the deploy)", () => {
    const doc = base();
    const statement = { effect: 'Allow', principal: '123456789012', action: 'sqs:ReceiveMessage' };
    doc.channels.usersQueue.bindings.sqs.queue.policy = {
      statements: [
        { ...statement, resource: ['arn:aws:sqs:us-east-1:123456789012:users-queue', 'arn:aws:sqs:us-east-1:123456789012:elsewhere'] },
        { ...statement, resource: 'my-queue' },
        { ...statement, resource: '*' },
        { ...statement, resource: 'arn:aws:sqs:us-east-1:123456789012:elsewhere' },
      ],
    };
    expect(problemsOf(doc)).toEqual([
      "channels.usersQueue.bindings.sqs.queue.policy.statements[0].resource lists users-queue itself (arn:aws:sqs:us-east-1:123456789012:users-queue) beside arn:aws:sqs:us-east-1:123456789012:elsewhere: a queue's policy applies to that queue only, so the others grant or deny nothing here. Leave resource out (the statement then applies to users-queue as deployed), and write what the others need in their own policies",
      'channels.usersQueue.bindings.sqs.queue.policy.statements[1].resource "my-queue" is not an ARN, and no topic or queue of this contract is named so: IAM takes an ARN (arn:aws:sqs:<region>:<account>:<name>) or "*" as a statement\'s resource, and would refuse the whole policy at deploy. Leave resource out for the queue the policy is on (users-queue), or write the ARN',
    ]);
  });
  it("a FIFO topic created with .fifo added: its own ARN as written, with .fifo, is still its own (it was kept as written, naming one stage)", () => {
    const doc = fifoBase();
    doc.channels.users.bindings.sns.name = 'users';
    const statement = { effect: 'Allow', principal: '123456789012', action: 'sns:Subscribe', resource: 'arn:aws:sns:us-east-1:123456789012:users.fifo' };
    doc.channels.users.bindings.sns.policy = { statements: [statement] };
    const topic = planOf(doc).topics[0]!;
    expect(topic.name).toBe('users.fifo');
    expect(topic.policy![0]).not.toHaveProperty('resource');
  });
  it('tags AWS refuses at deploy are refused now, each with its place: more than 50, a key of aws:, an empty or long key, a long value, a character AWS refuses, a number unquoted', () => {
    const doc = base();
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'x']));
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { tags: { ...many } });
    expect(problemsOf(doc)).toEqual(['channels.usersQueue.bindings.sqs.queue.tags has 51 tags: AWS allows at most 50 on a topic or queue']);
    doc.channels.usersQueue.bindings.sqs.queue.tags = { 'aws:owner': 'me', '': 'empty', [`k${'e'.repeat(128)}`]: 'long key', team: 'v'.repeat(257) };
    expect(problemsOf(doc)).toEqual([
      'channels.usersQueue.bindings.sqs.queue.tags.aws:owner: keys starting with aws: are reserved for AWS, which refuses them: rename it',
      'channels.usersQueue.bindings.sqs.queue.tags: the key "" must be 1..128 characters (AWS refuses it)',
      `channels.usersQueue.bindings.sqs.queue.tags: the key "k${'e'.repeat(35)}…" must be 1..128 characters (AWS refuses it)`,
      'channels.usersQueue.bindings.sqs.queue.tags.team: its value is 257 characters, AWS allows at most 256',
    ]);
    // Characters outside AWS's pattern (letters, digits, separators, _ . : / = + - @), in a key or a value, each said once.
    doc.channels.usersQueue.bindings.sqs.queue.tags = { 'bad!key': 'x<y>', 'ünïcode team': 'Zürich 2 + 2 = 4 @ HQ: a/b_c.d-e', tab: 'a\tb' };
    expect(problemsOf(doc)).toEqual([
      'channels.usersQueue.bindings.sqs.queue.tags.bad!key: its key holds "!", which AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @ only',
      'channels.usersQueue.bindings.sqs.queue.tags.bad!key: its value holds "<", ">", which AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @ only',
      'channels.usersQueue.bindings.sqs.queue.tags.tab: its value holds "\\t", which AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @ only',
    ]);
    doc.channels.usersQueue.bindings.sqs.queue.tags = { 'cost-center': 4711 };
    expect(problemsOf(doc).join('\n')).toMatch(/tags must be an object of string values \(AWS tags\), got \{"cost-center":4711\}: quote the numbers and booleans/);
    doc.channels.usersQueue.bindings.sqs.queue.tags = { ...many };
    delete (doc.channels.usersQueue.bindings.sqs.queue.tags as Record<string, string>).t0;
    expect(problemsOf(doc)).toEqual([]);
  });
  it('redrivePolicy: to a declared DLQ (maxReceiveCount), else refused', () => {
    const doc = base();
    doc.channels.usersQueue.bindings.sqs.queue.redrivePolicy.maxReceiveCount = 4;
    expect(queueSpec(doc).deadLetter).toEqual({ queue: 'users-dlq', maxReceiveCount: 4 });
    doc.channels.usersQueue.bindings.sqs.queue.redrivePolicy.deadLetterQueue = { name: 'missing-dlq' };
    expect(problemsOf(doc).join('\n')).toMatch(/redrives to missing-dlq, which no binding declares/);
  });
  it('policy and tags', () => {
    const doc = base();
    Object.assign(doc.channels.usersQueue.bindings.sqs.queue, { policy: { statements: [{ effect: 'Allow', principal: { AWS: ['123456789012'] }, action: ['sqs:ReceiveMessage'] }] }, tags: { team: 'identity' } });
    expect(queueSpec(doc)).toMatchObject({ policy: [{ effect: 'Allow', principal: { AWS: ['123456789012'] }, action: ['sqs:ReceiveMessage'] }], tags: { team: 'identity' } });
  });
  it('operation queues: declare the queues a consumer subscribes and the DLQs a redrivePolicy names (the pub-sub layout), not a queue nothing names; an unresolved $ref is refused', () => {
    const doc = base();
    doc.operations.consume.bindings = { sqs: { queues: [{ name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }, { name: 'extra', fifoQueue: false }] } };
    const { topology, warnings } = deriveTopology(doc);
    expect(Object.keys(topology.queues)).toEqual(['users-dlq', 'users-queue']);
    expect(warnings.filter((w) => w.includes('extra'))).toEqual([expect.stringMatching(/^operations\.consume\.bindings\.sqs\.queues\[1\] names queue extra, but operations\.consume receives from the queue of its channel, users-queue \(channels\.usersQueue\.bindings\.sqs\.queue\), .*: no queue is made for it\./)]);
    // Named as an SNS consumer's endpoint (on another operation), it is a queue of the contract.
    doc.operations.publish.bindings.sns.consumers.push({ protocol: 'sqs', endpoint: { name: 'extra' }, rawMessageDelivery: false });
    expect(Object.keys(deriveTopology(doc).topology.queues)).toEqual(['extra', 'users-dlq', 'users-queue']);
    doc.operations.consume.bindings.sqs.queues[1] = { $ref: 'https://example.com/queue.json', name: 'extra', fifoQueue: false };
    expect(problemsOf(doc).join('\n')).toMatch(/queues\[1\]\.\$ref "https:\/\/example\.com\/queue\.json" could not be resolved/);
  });
  it('a queue declared twice with different settings is refused', () => {
    const doc = base();
    doc.operations.consume.bindings = { sqs: { queues: [{ name: 'users-queue', fifoQueue: false, visibilityTimeout: 99 }] } };
    // Which fields differ, by their binding names (it named none).
    expect(problemsOf(doc)).toContain(
      'queue users-queue is declared twice with different settings (operations.consume.bindings.sqs.queues[0], and before it channels.usersQueue): visibilityTimeout 99 here, (not set) there. Make them the same, or declare the queue once and $ref it',
    );
  });
});

describe('what a contract written by others says is read as it means, or refused (never dropped)', () => {
  it('specification extensions (x-…) are allowed on every binding object, as the official schemas allow them, and change nothing', () => {
    const doc = base();
    doc.channels.users.bindings.sns['x-owner'] = 'identity-team';
    doc.channels.usersQueue.bindings.sqs.queue['x-cost-center'] = 'cc-42';
    doc.operations.publish.bindings.sns.consumers[0]['x-ticket'] = 'OPS-1';
    doc.channels.users.bindings.sns.policy = { statements: [{ effect: 'Allow', principal: '*', action: 'sns:Subscribe', 'x-why': 'partners' }] };
    const plan = planOf(doc);
    expect(plan.topics[0]!.policy).toEqual([{ effect: 'Allow', principal: '*', action: 'sns:Subscribe' }]);
    expect(JSON.stringify(deriveTopology(doc).topology)).not.toMatch(/x-(owner|cost-center|ticket|why)/);
    // A stated filter policy with a note in it is compared without the note.
    doc.operations.publish.bindings.sns.consumers[0].filterPolicy = { 'x-note': 'derived', eventType: ['UserSignedUp'], schemaVersion: [{ prefix: '1.' }] };
    expect(problemsOf(doc)).toEqual([]);
    // Not an extension: still refused.
    doc.channels.users.bindings.sns.owner = 'identity-team';
    expect(problemsOf(doc).join('\n')).toMatch(/channels\.users\.bindings\.sns\.owner is not a field of the binding/);
  });

  it("a message's or a server's sns or sqs binding with a field is refused, saying where what it means is written: SNS 0.1.0 and SQS 0.2.0 define none there (they were dropped silently)", () => {
    const doc = base();
    const message = doc.channels.users.messages.UserSignedUp;
    // Springwolf writes empty ones; a version and an extension say nothing either.
    message.bindings = { sns: {}, sqs: { bindingVersion: '0.2.0', 'x-note': 'n' } };
    doc.servers = { aws: { host: 'sns.eu-west-1.amazonaws.com', protocol: 'sns', bindings: { sns: {} } } };
    expect(problemsOf(doc)).toEqual([]);
    message.bindings = { sqs: { messageGroupId: 'account', delaySeconds: 5 }, sns: { messageAttributes: { a: 1 } } };
    doc.servers.aws.bindings = { sns: { region: 'eu-west-1' } };
    expect(problemsOf(doc).sort()).toEqual(
      [
        "#/channels/users/messages/UserSignedUp/bindings/sqs/messageGroupId: the SQS binding 0.2.0 defines no message fields (its message binding object is reserved for future use), so nothing would read messageGroupId: remove it: a FIFO message's group is the payload field its x-message-group-id names (or the publisher's messageGroupId option)",
        "#/channels/users/messages/UserSignedUp/bindings/sqs/delaySeconds: the SQS binding 0.2.0 defines no message fields (its message binding object is reserved for future use), so nothing would read delaySeconds: remove it: a delay is the queue's deliveryDelay (its bindings.sqs.queue)",
        "#/channels/users/messages/UserSignedUp/bindings/sns/messageAttributes: the SNS binding 0.1.0 defines no message fields (its message binding object is reserved for future use), so nothing would read messageAttributes: remove it: a message's attributes are its headers: declare them in the message's headers schema",
        "#/servers/aws/bindings/sns/region: the SNS binding 0.1.0 defines no server fields (its server binding object is reserved for future use), so nothing would read region: remove it: the region is the deployment's (the AWS provider's region in sst.config.ts, AWS_REGION locally)",
      ].sort(),
    );
  });

  it('a queue declared again with another redrivePolicy is refused, naming both places; the same one again is the same queue', () => {
    const doc = base();
    doc.operations.consume.bindings = { sqs: { queues: [{ name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' } } }] } };
    expect(queueSpec(doc).deadLetter).toEqual({ queue: 'users-dlq', maxReceiveCount: 10 });
    doc.operations.consume.bindings.sqs.queues = [
      { name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq2' }, maxReceiveCount: 8 } },
      { name: 'users-dlq2', fifoQueue: false },
    ];
    expect(problemsOf(doc).join('\n')).toMatch(
      /queue users-queue is declared twice with different redrivePolicy: channels\.usersQueue\.bindings\.sqs\.queue\.redrivePolicy sends to users-dlq after 10 receives, operations\.consume\.bindings\.sqs\.queues\[0\]\.redrivePolicy to users-dlq2 after 8/,
    );
    // A misspelt field in the repeat is read too (its default would otherwise match the first).
    doc.operations.consume.bindings.sqs.queues = [{ name: 'users-queue', fifoQueue: false, redrivePolicy: { deadLetterQueue: { name: 'users-dlq' }, maxRecieveCount: 3 } }];
    expect(problemsOf(doc).join('\n')).toMatch(/operations\.consume\.bindings\.sqs\.queues\[0\]\.redrivePolicy\.maxRecieveCount is not a field of the binding/);
  });

  it("an operation binding's topic must be its channel's topic (send and receive)", () => {
    const doc = base();
    doc.operations.publish.bindings.sns.topic = { name: 'users' };
    expect(problemsOf(doc)).toEqual([]);
    doc.operations.publish.bindings.sns.topic = { name: 'some-other-topic' };
    expect(problemsOf(doc).join('\n')).toMatch(/operations\.publish\.bindings\.sns\.topic names some-other-topic, but its channel channels\.users is topic users/);
    const receive = base();
    receive.operations.publish.bindings.sns.consumers = [];
    receive.operations.consume = { action: 'receive', channel: receive.channels.users, messages: receive.operations.consume.messages, bindings: { sns: { topic: { name: 'elsewhere' }, consumers: [{ protocol: 'sqs', endpoint: { name: 'users-queue' } }] } } };
    expect(problemsOf(receive).join('\n')).toMatch(/operations\.consume\.bindings\.sns\.topic names elsewhere, but its channel channels\.users is topic users/);
  });

  it("a statement's principal is written in IAM's spelling: accounts and IAM ARNs under AWS, services under Service; what IAM refuses is refused", () => {
    const doc = base();
    const principalOf = (principal: unknown) => {
      doc.channels.users.bindings.sns.policy = { statements: [{ effect: 'Allow', principal, action: 'sns:Subscribe' }] };
      return planOf(doc).topics[0]!.policy![0]!.principal;
    };
    expect(principalOf('*')).toBe('*');
    expect(principalOf(['*'])).toBe('*');
    expect(principalOf('arn:aws:iam::111122223333:root')).toEqual({ AWS: ['arn:aws:iam::111122223333:root'] });
    expect(principalOf(['111122223333', 'arn:aws:iam::444455556666:role/publisher', 'events.amazonaws.com'])).toEqual({
      AWS: ['111122223333', 'arn:aws:iam::444455556666:role/publisher'],
      Service: ['events.amazonaws.com'],
    });
    expect(principalOf({ AWS: ['111122223333'] })).toEqual({ AWS: ['111122223333'] });
    for (const [principal, why] of [
      ['bob', /"bob" names "bob", which is neither an account, an IAM ARN nor an AWS service: IAM takes "\*", account ids/],
      [['*', '111122223333'], /lists "\*" with others/],
      [{ Bogus: 'x' }, /is not an IAM principal map/],
      [[], /is not a principal/],
    ] as const) {
      doc.channels.users.bindings.sns.policy = { statements: [{ effect: 'Allow', principal, action: 'sns:Subscribe' }] };
      expect(problemsOf(doc).join('\n')).toMatch(new RegExp(`channels\\.users\\.bindings\\.sns\\.policy\\.statements\\[0\\]\\.principal .*${why.source}`));
    }
  });

  it('an ARN names its topic or queue by its last part; one that gives an account or a region is said, with its path; not an ARN is refused', () => {
    const doc = base();
    doc.operations.publish.bindings.sns.consumers[0].endpoint = { arn: 'arn:aws:sqs:::users-queue' };
    expect(planOf(doc).subscriptions.map((s) => s.queue)).toContain('users-queue');
    expect(deriveTopology(doc).warnings.join('\n')).not.toMatch(/\.arn /);
    doc.operations.publish.bindings.sns.consumers[0].endpoint = { arn: 'arn:aws:sqs:eu-west-1:111122223333:users-queue' };
    doc.channels.usersQueue.bindings.sqs.queue.redrivePolicy.deadLetterQueue = { arn: 'arn:aws:sqs:*:111122223333:users-dlq' };
    const { topology, warnings } = deriveTopology(doc);
    expect(topology.subscriptions.map((s) => s.queue)).toEqual(['users-queue']);
    expect(warnings.join('\n')).toMatch(
      /operations\.publish\.bindings\.sns\.consumers\[0\]\.endpoint\.arn arn:aws:sqs:eu-west-1:111122223333:users-queue names region eu-west-1 and account 111122223333: the framework makes users-queue by name in the account and region it deploys to, which must be those .*write name: users-queue/,
    );
    expect(warnings.join('\n')).toMatch(/channels\.usersQueue\.bindings\.sqs\.queue\.redrivePolicy\.deadLetterQueue\.arn arn:aws:sqs:\*:111122223333:users-dlq names account 111122223333/);
    doc.operations.publish.bindings.sns.consumers[0].endpoint = { arn: 'users-queue' };
    expect(problemsOf(doc).join('\n')).toMatch(/operations\.publish\.bindings\.sns\.consumers\[0\]\.endpoint\.arn "users-queue" is not an ARN/);
  });

  it("a consumer's document alone (consumers on its receive operation, no send operation publishing to the topic) is refused saying what to add", () => {
    const doc = base();
    delete doc.operations.publish;
    doc.operations.consume = { action: 'receive', channel: doc.channels.users, messages: [doc.channels.users.messages.UserSignedUp], bindings: { sns: { consumers: [{ protocol: 'sqs', endpoint: { name: 'users-queue' }, rawMessageDelivery: false }] } } };
    expect(problemsOf(doc).join('\n')).toMatch(
      /operations\.consume declares UserSignedUp, but no send operation of this contract publishes to users, which feeds users-queue: .*add a send operation on channels\.users with UserSignedUp in its messages/,
    );
  });
});
