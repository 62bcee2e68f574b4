/**
 * The topology the generator derives from the contract's SNS/SQS bindings, and the contract
 * errors that would make a broken system. Documents are written here as the dereferenced JSON the
 * parser produces (what codegen and contract:diff both derive from).
 */
import { describe, expect, it } from 'vitest';
import { deriveTopology, filterPolicyAdmits, filterPolicyFor, TopologyError } from '@sluice/model';

type Json = Record<string, any>;

function message(name: string, version: string, eventType = name): Json {
  return {
    name,
    'x-schema-version': version,
    headers: { type: 'object', properties: { eventType: { type: 'string', const: eventType }, schemaVersion: { type: 'string' } } },
    payload: { type: 'object', properties: { id: { type: 'string' } } },
  };
}

/** A topic carrying `messages`, queues with a DLQ each, and one receive operation per queue. */
function contract(options: { messages: Json[]; consumers: Record<string, string[]>; raw?: boolean; dlqRetention?: number; queueRetention?: number }): Json {
  const messages = Object.fromEntries(options.messages.map((m) => [m.name, m]));
  const channels: Json = {
    events: { address: 'Events', messages, bindings: { sns: { name: 'Events' } } },
  };
  const operations: Json = {};
  const consumers = Object.entries(options.consumers);
  operations.publishEvents = {
    action: 'send',
    channel: channels.events,
    messages: options.messages,
    bindings: { sns: { consumers: consumers.map(([queue]) => ({ protocol: 'sqs', endpoint: { name: queue }, rawMessageDelivery: options.raw ?? false })) } },
  };
  for (const [queue, names] of consumers) {
    channels[queue] = {
      address: queue,
      messages: Object.fromEntries(names.map((n) => [n, messages[n]])),
      bindings: {
        sqs: {
          queue: { name: queue, fifoQueue: false, ...(options.queueRetention ? { messageRetentionPeriod: options.queueRetention } : {}), redrivePolicy: { deadLetterQueue: { name: `${queue}DLQ` }, maxReceiveCount: 3 } },
          deadLetterQueue: { name: `${queue}DLQ`, fifoQueue: false, messageRetentionPeriod: options.dlqRetention ?? 1_209_600 },
        },
      },
    };
    operations[`consume${queue}`] = { action: 'receive', channel: channels[queue], messages: names.map((n) => messages[n]) };
  }
  return { asyncapi: '3.0.0', info: { title: 'Fixture', version: '1.0.0' }, channels, operations };
}

function problemsOf(doc: Json): string[] {
  try {
    deriveTopology(doc);
  } catch (error) {
    if (error instanceof TopologyError) return error.problems;
    throw error;
  }
  return [];
}

describe('the topology manifest', () => {
  it('names every topic, queue, dead-letter queue, subscription and operation, with redrive and retention', () => {
    const { topology, warnings } = deriveTopology(contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] } }));
    expect(warnings).toEqual([]);
    expect(Object.keys(topology.topics)).toEqual(['Events']);
    expect(topology.queues.Orders).toMatchObject({ name: 'Orders', fifo: false, retentionSeconds: 345_600, deadLetter: { queue: 'OrdersDLQ', maxReceiveCount: 3 }, deadLetterFor: [] });
    expect(topology.queues.OrdersDLQ).toMatchObject({ retentionSeconds: 1_209_600, deadLetterFor: ['Orders'] });
    expect(topology.subscriptions).toEqual([
      {
        name: 'EventsToOrders',
        topic: 'Events',
        queue: 'Orders',
        rawMessageDelivery: false,
        filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] },
        filterPolicyScope: 'MessageAttributes',
        // Notifications SNS cannot deliver go where the queue's own failures go.
        deadLetterQueue: 'OrdersDLQ',
        declaredBy: ['publishEvents'],
      },
    ]);
    expect(topology.operations.consumeOrders).toMatchObject({ action: 'receive', queue: 'Orders', messages: ['OrderPlaced'], sources: [{ topic: 'Events', rawMessageDelivery: false }] });
    expect(topology.operations.publishEvents).toMatchObject({ action: 'send', topic: 'Events', messages: ['OrderPlaced'] });
  });

  it('gives each subscription a filter policy admitting exactly what its consumer declares, by event type and major version', () => {
    const v1 = message('OrderPlaced', '1.2.0');
    const v2 = message('OrderPlacedV2', '2.0.0', 'OrderPlaced');
    const shipped = message('OrderShipped', '1.0.0');
    const { topology } = deriveTopology(contract({ messages: [v1, v2, shipped], consumers: { OnlyV1: ['OrderPlaced'], Both: ['OrderPlaced', 'OrderShipped'], Mixed: ['OrderPlacedV2', 'OrderShipped'] } }));
    const policy = (queue: string) => topology.subscriptions.find((s) => s.queue === queue)!.filterPolicy;
    expect(policy('OnlyV1')).toEqual({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] });
    expect(policy('Both')).toEqual({ eventType: ['OrderPlaced', 'OrderShipped'], schemaVersion: [{ prefix: '1.' }] });
    // Different majors per event type: a single clause would also admit OrderPlaced v1 and OrderShipped v2.
    expect(policy('Mixed')).toEqual({
      $or: [
        { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '2.' }] },
        { eventType: ['OrderShipped'], schemaVersion: [{ prefix: '1.' }] },
      ],
    });
    const admits = (queue: string, eventType: string, schemaVersion: string) => filterPolicyAdmits(policy(queue), { eventType, schemaVersion });
    expect([admits('Mixed', 'OrderPlaced', '2.0.0'), admits('Mixed', 'OrderShipped', '1.4.0'), admits('Mixed', 'OrderPlaced', '1.0.0'), admits('Mixed', 'OrderShipped', '2.0.0')]).toEqual([true, true, false, false]);
    expect(admits('OnlyV1', 'OrderPlaced', '10.0.0')).toBe(false);
    expect(filterPolicyAdmits(policy('OnlyV1'), {})).toBe(false);
  });

  it('builds the smallest exact policy for any set of messages', () => {
    expect(filterPolicyFor([{ eventType: 'A', schemaVersion: '1.0.0' }, { eventType: 'A', schemaVersion: '3.1.0' }])).toEqual({ eventType: ['A'], schemaVersion: [{ prefix: '1.' }, { prefix: '3.' }] });
  });

  it('gives a subscription the dead-letter queue its binding names, else its queue\'s', () => {
    const doc = contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'], Audit: ['OrderPlaced'] } });
    doc.operations.publishEvents.bindings.sns.consumers.find((c: { endpoint: { name: string } }) => c.endpoint.name === 'Audit').redrivePolicy = { deadLetterQueue: { name: 'OrdersDLQ' } };
    const dlqOf = (queue: string) => deriveTopology(doc).topology.subscriptions.find((s) => s.queue === queue)?.deadLetterQueue;
    expect([dlqOf('Orders'), dlqOf('Audit')]).toEqual(['OrdersDLQ', 'OrdersDLQ']);
    // Without its queue's redrivePolicy, the channel's deadLetterQueue is still the queue's (the SQS binding's meaning).
    delete doc.channels.Orders.bindings.sqs.queue.redrivePolicy;
    expect(dlqOf('Orders')).toBe('OrdersDLQ');
    // Without either, none.
    delete doc.channels.Orders.bindings.sqs.deadLetterQueue;
    delete doc.operations.publishEvents.bindings.sns.consumers.find((c: { endpoint: { name: string } }) => c.endpoint.name === 'Audit').redrivePolicy;
    expect(dlqOf('Orders')).toBeUndefined();
  });

  it('warns of a consumed queue without redrivePolicy that SNS also discards what it cannot deliver to it, when its subscription has no dead-letter queue either, and what to write', () => {
    const doc = contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'], Audit: ['OrderPlaced'] } });
    delete doc.channels.Audit.bindings.sqs.queue.redrivePolicy;
    delete doc.channels.Audit.bindings.sqs.deadLetterQueue;
    const entry = doc.operations.publishEvents.bindings.sns.consumers.find((c: { endpoint: { name: string } }) => c.endpoint.name === 'Audit');
    // Its subscription dead-letters on its own: only the queue's own failures are retried until they expire.
    entry.redrivePolicy = { deadLetterQueue: { name: 'OrdersDLQ' } };
    expect(deriveTopology(doc).warnings.filter((w) => w.startsWith('queue Audit'))).toEqual(['queue Audit has no redrivePolicy: a message that always fails is retried until it expires (345600 s)']);
    // Neither has one: what SNS cannot deliver to Audit is discarded, with no queue keeping it.
    delete entry.redrivePolicy;
    expect(deriveTopology(doc).warnings.filter((w) => w.startsWith('queue Audit'))).toEqual([
      "queue Audit has no redrivePolicy: a message that always fails is retried until it expires (345600 s); and SNS discards what it cannot deliver to Audit (the queue's policy refusing, the topic's key disabled, the queue deleted): the subscription Events → Audit has no dead-letter queue either, so no queue keeps it and only EventsDeliveryFailedAlarm (NumberOfNotificationsFailed) says it was lost. Give Audit a redrivePolicy naming a dead-letter queue (its subscriptions get the same one), or its entry in operations.publishEvents.bindings.sns.consumers a redrivePolicy of its own",
    ]);
  });

  it('describes a contract deployed before filter policies: every subscription admits everything', () => {
    const doc = contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] } });
    expect(deriveTopology(doc, { filterPolicies: false }).topology.subscriptions[0]!.filterPolicy).toEqual({});
  });
});

describe('contract errors that would make a broken system', () => {
  const base = () => contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] } });

  it('a receive operation on a channel with an sqs binding but no queue', () => {
    const doc = base();
    doc.channels.Orders.bindings = { sqs: {} };
    doc.operations.consumeOrders.channel = doc.channels.Orders;
    expect(problemsOf(doc).join('\n')).toMatch(/channels\.Orders has an sqs binding without a queue/);
  });

  it('a receive or send operation on another protocol is outside the AWS topology: a warning saying why, not a failure', () => {
    const doc = base();
    doc.channels.Orders.bindings = { kafka: { topic: 'orders' } };
    doc.operations.consumeOrders.channel = doc.channels.Orders;
    doc.channels.Mqtt = { address: 'lights', messages: doc.channels.events.messages, bindings: { mqtt: {} } };
    doc.operations.sendMqtt = { action: 'send', channel: doc.channels.Mqtt };
    doc.operations.publishEvents.bindings.sns.consumers = [];
    const { warnings, topology } = deriveTopology(doc);
    expect(warnings).toContain('operations.consumeOrders receives from channels.Orders, which is a kafka channel: it is outside the AWS topology (no queue, no consumer function); its messages still get types and validators');
    expect(warnings).toContain('operations.sendMqtt sends to channels.Mqtt, which is a mqtt channel without an sns binding: it is outside the AWS topology (no topic, no publisher target); its messages still get types and validators');
    expect(Object.keys(topology.operations)).toEqual(['publishEvents']);
  });

  it('a subscription to a queue no channel declares', () => {
    const doc = base();
    doc.operations.publishEvents.bindings.sns.consumers.push({ protocol: 'sqs', endpoint: { name: 'Nowhere' }, rawMessageDelivery: false });
    expect(problemsOf(doc).join('\n')).toMatch(/subscribes queue Nowhere, which no binding declares: add a channel with bindings\.sqs\.queue\.name: Nowhere/);
  });

  it('a dead-letter queue that keeps messages for less time than its source queue', () => {
    const problems = problemsOf(contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] }, queueRetention: 1_209_600, dlqRetention: 345_600 }));
    expect(problems.join('\n')).toMatch(/dead-letter queue OrdersDLQ keeps messages 345600 s, less than its source Orders \(1209600 s\).*Raise OrdersDLQ's messageRetentionPeriod \(to at least 1209600 s; SQS allows up to 1209600 s\)\./);
  });

  it('a standard dead-letter queue kept exactly as long as its source is warned about, with where to raise it: SQS keeps the original enqueue time, so a dead letter may expire as it arrives (AWS: a DLQ\'s retention longer than its source\'s)', () => {
    const at = (queueRetention: number, dlqRetention: number) => deriveTopology(contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] }, queueRetention, dlqRetention })).warnings;
    expect(at(345_600, 345_600)).toEqual([
      "dead-letter queue OrdersDLQ keeps messages 345600 s, as long as its source Orders: a standard queue keeps a message's original enqueue time, so one that waited in Orders until near its expiry is deleted from the DLQ as it arrives, before anyone sees it (AWS: set a dead-letter queue's retention longer than its source's). Raise OrdersDLQ's messageRetentionPeriod (channels.Orders.bindings.sqs.deadLetterQueue.messageRetentionPeriod) above 345600 s, e.g. to 1209600 s (14 days, the most SQS allows); 345600 s is SQS's default, what a queue without messageRetentionPeriod keeps.",
    ]);
    // Both at the most SQS allows: the source is the one to lower.
    expect(at(1_209_600, 1_209_600).join('\n')).toMatch(/OrdersDLQ keeps them the longest SQS allows \(1209600 s, 14 days\): lower Orders's \(channels\.Orders\.bindings\.sqs\.queue\.messageRetentionPeriod\) below that/);
    expect(at(345_600, 345_601)).toEqual([]);
  });

  it('a source queue kept longer than SQS allows, beside a DLQ at the most: the advice is to lower the source (it said to raise the DLQ, already at 14 days)', () => {
    const problems = problemsOf(contract({ messages: [message('OrderPlaced', '1.0.0')], consumers: { Orders: ['OrderPlaced'] }, queueRetention: 3_456_000, dlqRetention: 1_209_600 }));
    expect(problems.join('\n')).toMatch(/messageRetentionPeriod \(queue Orders\) must be 60\.\.1209600 seconds, got 3456000/);
    expect(problems.join('\n')).toMatch(/dead-letter queue OrdersDLQ keeps messages 1209600 s, less than its source Orders \(3456000 s\).*OrdersDLQ keeps them the longest SQS allows \(1209600 s, 14 days\): lower Orders's messageRetentionPeriod to at most that\./);
    expect(problems.join('\n')).not.toMatch(/Raise OrdersDLQ/);
  });

  it('a redrive policy naming a queue no channel declares', () => {
    const doc = base();
    doc.channels.Orders.bindings.sqs.queue.redrivePolicy.deadLetterQueue.name = 'Elsewhere';
    expect(problemsOf(doc).join('\n')).toMatch(/queue Orders \(channels\.Orders\.bindings\.sqs\.queue\) redrives to Elsewhere, which no binding declares/);
    // Not also warned about as a queue with no redrivePolicy: it has one, refused.
    const warnings = (() => {
      try {
        return deriveTopology(doc).warnings;
      } catch (error) {
        return (error as TopologyError).warnings;
      }
    })();
    expect(warnings.join('\n')).not.toMatch(/queue Orders has no redrivePolicy/);
  });

  it('two receive operations on one queue', () => {
    const doc = base();
    doc.operations.consumeAgain = { ...doc.operations.consumeOrders };
    expect(problemsOf(doc).join('\n')).toMatch(/operations\.consumeAgain and operations\.consumeOrders both consume Orders: one receive operation \(one function\) per queue/);
  });

  it('a consumer declaring a message no subscribed topic carries', () => {
    const doc = base();
    const other = message('OrderShipped', '1.0.0');
    doc.components = { messages: { OrderShipped: other } };
    doc.operations.consumeOrders.messages.push(other);
    expect(problemsOf(doc).join('\n')).toMatch(
      /operations\.consumeOrders declares OrderShipped, but no topic subscribed to Orders carries it \(Events\) and no send operation sends it to Orders: add OrderShipped to the messages of a send operation on channels\.\w+, or remove it from operations\.consumeOrders\.messages/,
    );
  });

  it('a consumer nobody subscribes to a topic', () => {
    const doc = base();
    doc.operations.publishEvents.bindings.sns.consumers = [];
    expect(problemsOf(doc).join('\n')).toMatch(/operations\.consumeOrders consumes Orders, but no send operation subscribes Orders to a topic/);
  });

  it('two messages that subscribers could not tell apart (one eventType and major version), naming both', () => {
    const problems = problemsOf(contract({ messages: [message('OrderPlaced', '1.0.0'), message('OrderPlacedAgain', '1.3.0', 'OrderPlaced')], consumers: { Orders: ['OrderPlaced'] } }));
    expect(problems).toEqual([
      '#/channels/events/messages/OrderPlaced (OrderPlaced) and #/channels/events/messages/OrderPlacedAgain (OrderPlacedAgain) are both eventType OrderPlaced major version 1: subscribers and consumers could not tell them apart. Give one a new major x-schema-version or its own eventType',
    ]);
  });

  it('a v2 message given the same name as v1 is an error naming both, not silently dropped', () => {
    const doc = base();
    const v2 = message('OrderPlaced', '2.0.0');
    v2.payload.properties.note = { type: 'string' };
    doc.components = { messages: { OrderPlacedV2: v2 } };
    expect(problemsOf(doc)).toEqual([
      '#/components/messages/OrderPlacedV2 and #/channels/events/messages/OrderPlaced are two different messages named OrderPlaced: one would be lost. Give one its own name (a new version: name it OrderPlacedV2 and keep the eventType through its headers\' eventType const)',
    ]);
  });

  it('two different nameless messages under one channel key in two channels are an error naming both', () => {
    const doc = base();
    const a = { payload: { type: 'string' } };
    doc.channels.one = { address: 'one', messages: { changed: a } };
    doc.channels.two = { address: 'two', messages: { changed: { payload: { type: 'number' } } } };
    expect(problemsOf(doc)).toEqual([expect.stringMatching(/^#\/channels\/one\/messages\/changed and #\/channels\/two\/messages\/changed are two different messages named changed/)]);
  });

  it('a stated filter policy that does not admit exactly what the consumer declares, saying what to do', () => {
    const doc = base();
    doc.operations.publishEvents.bindings.sns.consumers[0].filterPolicy = { eventType: ['OrderPlaced'] };
    // Not "write this": the derived policy's prefix match is one the SNS binding schema refuses (its lists hold strings only).
    expect(problemsOf(doc).join('\n')).toMatch(
      /the filterPolicy of Events → Orders \(publishEvents\) must admit exactly what consumeOrders declares: leave it out, and the framework derives \{"eventType":\["OrderPlaced"\],"schemaVersion":\[\{"prefix":"1\."\}\]\} from the operations \(a filter policy with prefix matches, which AsyncAPI's SNS 0\.1\.0 binding schema does not let a contract write/,
    );
    doc.operations.publishEvents.bindings.sns.consumers[0].filterPolicy = { schemaVersion: [{ prefix: '1.' }], eventType: ['OrderPlaced'] };
    expect(problemsOf(doc)).toEqual([]);
  });

  it('a FIFO queue without the .fifo suffix, and a FIFO mismatch between topic and queue', () => {
    const doc = base();
    doc.channels.Orders.bindings.sqs.queue.fifoQueue = true;
    const problems = problemsOf(doc).join('\n');
    expect(problems).toMatch(/the standard topic Events cannot deliver to the FIFO queue Orders\.fifo \(SNS delivers to a FIFO queue from a FIFO topic only\): make the topic FIFO, or subscribe a standard queue/);
  });

  it('a FIFO topic delivers to a standard queue too (AWS: SNS FIFO topics deliver to SQS FIFO and standard queues); its subscription\'s dead-letter queue must still be FIFO', () => {
    const doc = base();
    doc.channels.events.address = 'Events.fifo';
    doc.channels.events.bindings.sns = { name: 'Events.fifo', ordering: { type: 'FIFO', contentBasedDeduplication: true } };
    doc.components = { messages: {} };
    const placed = doc.channels.events.messages.OrderPlaced;
    placed['x-message-group-id'] = 'id';
    // The queue's own dead-letter queue is standard, so the subscription needs a FIFO one of its own.
    expect(problemsOf(doc)).toEqual([expect.stringMatching(/^the subscription Events\.fifo → Orders \(publishEvents\) sets no redrivePolicy, so the framework gives it OrdersDLQ, .* a FIFO topic's subscription needs a FIFO dead-letter queue, and OrdersDLQ is standard/)]);
    doc.channels.SubscriptionDLQ = { address: 'SubscriptionDLQ.fifo', bindings: { sqs: { queue: { name: 'SubscriptionDLQ.fifo', fifoQueue: true } } } };
    doc.operations.publishEvents.bindings.sns.consumers[0].redrivePolicy = { deadLetterQueue: { name: 'SubscriptionDLQ.fifo' } };
    const { topology } = deriveTopology(doc);
    expect(topology.topics['Events.fifo']).toMatchObject({ fifo: true });
    expect(topology.queues.Orders).toMatchObject({ fifo: false, deadLetter: { queue: 'OrdersDLQ' } });
    expect(topology.subscriptions).toEqual([expect.objectContaining({ topic: 'Events.fifo', queue: 'Orders', deadLetterQueue: 'SubscriptionDLQ.fifo', filterPolicy: { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] } })]);
    // The publisher gives each message its group id.
    expect(topology.operations.publishEvents).toMatchObject({ topic: 'Events.fifo', fifo: expect.anything() });
  });

  it('a subscription dead-letter queue of the wrong type: says whether the contract named it or the framework derived it from the queue\'s own redrivePolicy, and what to write', () => {
    // A standard topic subscribing a FIFO queue whose own dead-letter queue is FIFO; the consumer entry sets no redrivePolicy.
    const doc = base();
    doc.channels.Orders.bindings.sqs.queue.fifoQueue = true;
    doc.channels.Orders.bindings.sqs.deadLetterQueue.fifoQueue = true;
    const problems = problemsOf(doc);
    expect(problems).toContain(
      "the subscription Events → Orders.fifo (publishEvents) sets no redrivePolicy, so the framework gives it OrdersDLQ.fifo, the dead-letter queue of Orders.fifo's own redrivePolicy; but a standard topic's subscription needs a standard dead-letter queue, and OrdersDLQ.fifo is FIFO: write, in that sns consumer entry of publishEvents, redrivePolicy: { deadLetterQueue: { name: <a standard queue the contract declares> } }",
    );
    expect(problems.join('\n')).not.toMatch(/the redrivePolicy of Events → Orders\.fifo/);
    // Named by the contract: the redrivePolicy it wrote is blamed.
    doc.operations.publishEvents.bindings.sns.consumers[0].redrivePolicy = { deadLetterQueue: { name: 'OrdersDLQ.fifo' } };
    expect(problemsOf(doc)).toContain("the redrivePolicy of Events → Orders.fifo names OrdersDLQ.fifo, but a standard topic's subscription needs a standard dead-letter queue");
  });

  it('warns about a queue nobody consumes, without failing', () => {
    const doc = base();
    delete doc.operations.consumeOrders;
    const { warnings, topology } = deriveTopology(doc);
    expect(warnings).toEqual([expect.stringMatching(/queue Orders has no receive operation: messages delivered to it wait until they expire/)]);
    expect(topology.subscriptions[0]!.filterPolicy).toEqual({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] });
  });
});

describe('message names and identities of standard documents', () => {
  it('a message without the optional name is named by its components key, wherever it is referenced; without messages, an operation takes its channel\'s', () => {
    const placed = { payload: { type: 'object', properties: { id: { type: 'string' } } } };
    const doc = contract({ messages: [message('Other', '1.0.0')], consumers: { Orders: ['Other'] } });
    doc.components = { messages: { OrderPlaced: placed } };
    doc.channels.events.messages = { ...doc.channels.events.messages, orderPlaced: placed };
    doc.operations.publishEvents.messages = undefined;
    const { topology } = deriveTopology(doc);
    expect(topology.messages.OrderPlaced).toEqual({ eventType: 'OrderPlaced', schemaVersion: '1.0.0' });
    expect(topology.operations.publishEvents!.messages).toEqual(['OrderPlaced', 'Other']);
    expect(topology.topics.Events!.messages).toEqual(['OrderPlaced', 'Other']);
  });

  it('a message without x-schema-version is version 1.0.0 (DEFAULT_SCHEMA_VERSION)', async () => {
    const { DEFAULT_SCHEMA_VERSION, messageIdentity } = await import('@sluice/model');
    expect(DEFAULT_SCHEMA_VERSION).toBe('1.0.0');
    expect(messageIdentity({}, 'lightMeasured')).toEqual({ name: 'lightMeasured', eventType: 'lightMeasured', schemaVersion: '1.0.0' });
  });

  it("takes the eventType a message is sent with from its header's one allowed value: a const, or an enum of one value (the same set, as contract:diff compares them); its name otherwise", async () => {
    const { messageIdentity } = await import('@sluice/model');
    const withHeader = (eventType: object) => ({ name: 'OrderCreated', headers: { type: 'object', properties: { eventType } } });
    expect(messageIdentity(withHeader({ const: 'OrderPlaced' }), 'x').eventType).toBe('OrderPlaced');
    expect(messageIdentity(withHeader({ enum: ['OrderPlaced'] }), 'x').eventType).toBe('OrderPlaced');
    expect(messageIdentity(withHeader({ enum: ['OrderPlaced', 'OrderCreated'] }), 'x').eventType).toBe('OrderCreated');
    expect(messageIdentity(withHeader({ type: 'string' }), 'x').eventType).toBe('OrderCreated');
  });
});
