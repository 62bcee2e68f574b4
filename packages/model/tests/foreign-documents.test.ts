/**
 * AsyncAPI 3.0 documents written by other teams (a reviewer's findings): each is read through the
 * real parser and `loadContract` (what codegen and contract:diff derive from: dereferenced plain
 * JSON, the parser's `x-parser-*` keys dropped), and what the framework cannot honour is a problem
 * or a warning naming the path in the document and what to change, never a silent loss.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadContract } from '@sluice/governance';
import { deriveTopology, listMessages } from '@sluice/model';
import { problemsOf } from './problems-of.ts';

type Json = Record<string, any>;

const folder = mkdtempSync(path.join(tmpdir(), 'foreign-documents-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let written = 0;

/**
 * The document written as YAML and read back as codegen reads it (parsed, validated, dereferenced,
 * plain JSON); `validate: false` as codegen reads a document the parser refuses, for the
 * framework's own problems.
 */
async function load(doc: Json, validate = true): Promise<Json> {
  const file = path.join(folder, `asyncapi-${++written}.yaml`);
  writeFileSync(file, stringify(doc));
  return (await loadContract(file, { validate })) as Json;
}

const ref = (pointer: string) => ({ $ref: pointer });

/** A copy of a loaded document without the parser's message names the loaders keep (`x-sluice-message-key`). */
const withoutMessageKeys = (doc: Json): Json => JSON.parse(JSON.stringify(doc, (key, value) => (key === 'x-sluice-message-key' ? undefined : value)));

/**
 * The reviewer's scaffold: an SNS topic channel and an SQS queue channel, a send operation that
 * subscribes the queue, a receive operation that consumes it. `change` edits it before loading.
 */
function scaffold(change: (doc: Json) => void = () => {}): Json {
  const doc: Json = {
    asyncapi: '3.0.0',
    info: { title: 't', version: '1.0.0' },
    channels: {
      ordersTopic: {
        address: 'orders',
        messages: { OrderShipped: ref('#/components/messages/OrderShipped') },
        bindings: { sns: { name: 'orders', bindingVersion: '0.1.0' } },
      },
      orderQueue: {
        address: 'OrderQueue',
        messages: { OrderShipped: ref('#/components/messages/OrderShipped') },
        bindings: { sqs: { queue: { name: 'OrderQueue', fifoQueue: false }, bindingVersion: '0.2.0' } },
      },
    },
    operations: {
      publish: {
        action: 'send',
        channel: ref('#/channels/ordersTopic'),
        bindings: { sns: { consumers: [{ protocol: 'sqs', endpoint: { name: 'OrderQueue' }, rawMessageDelivery: false }], bindingVersion: '0.1.0' } },
      },
      consume: { action: 'receive', channel: ref('#/channels/orderQueue') },
    },
    components: {
      schemas: { OrderRef: { type: 'object', properties: { orderId: { type: 'string' } } } },
      messages: { OrderShipped: { payload: ref('#/components/schemas/OrderRef') } },
    },
  };
  change(doc);
  return doc;
}


/** Two components messages with the same content and no `name`, both on both channels. */
const twins = (doc: Json) => {
  doc.components.messages.OrderDelivered = { payload: ref('#/components/schemas/OrderRef') };
  for (const id of ['ordersTopic', 'orderQueue']) doc.channels[id].messages.OrderDelivered = ref('#/components/messages/OrderDelivered');
};

describe('a message is named by its own key, not by the first message equal to it', () => {
  it('two components messages with the same content and no name are two messages, each under its key', async () => {
    const doc = await load(scaffold(twins));
    expect(listMessages(doc).messages.map((m) => `${m.name} ${m.pointer}`)).toEqual(['OrderShipped /components/messages/OrderShipped', 'OrderDelivered /components/messages/OrderDelivered']);
    const { topology } = deriveTopology(doc);
    expect(Object.keys(topology.messages)).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.topics.orders!.messages).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.operations.publish!.messages).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.operations.consume!.messages).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.subscriptions[0]!.filterPolicy).toEqual({ eventType: ['OrderDelivered', 'OrderShipped'], schemaVersion: [{ prefix: '1.' }] });
  });

  it('an operation that lists both twins by $ref gets both', async () => {
    const doc = await load(
      scaffold((d) => {
        twins(d);
        d.operations.publish.messages = [ref('#/channels/ordersTopic/messages/OrderShipped'), ref('#/channels/ordersTopic/messages/OrderDelivered')];
        d.operations.consume.messages = [ref('#/channels/orderQueue/messages/OrderDelivered'), ref('#/channels/orderQueue/messages/OrderShipped')];
      }),
    );
    const { topology } = deriveTopology(doc);
    expect(topology.operations.publish!.messages).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.operations.consume!.messages).toEqual(['OrderDelivered', 'OrderShipped']);
  });

  it('an operation that lists one of two twins gets that one: the parser names it, and the loaders keep its name', async () => {
    const doc = await load(
      scaffold((d) => {
        twins(d);
        d.operations.publish.messages = [ref('#/channels/ordersTopic/messages/OrderShipped')];
        d.operations.consume.messages = [ref('#/channels/orderQueue/messages/OrderShipped')];
      }),
    );
    expect(problemsOf(doc)).toEqual([]);
    expect(deriveTopology(doc).topology.operations.publish!.messages).toEqual(['OrderShipped']);
    // Without the parser's names (a document copied without them), which one it lists cannot be
    // told: a problem naming it and the twins, not a guess.
    expect(problemsOf(withoutMessageKeys(doc))).toContainEqual(expect.stringMatching(/^operations\.publish\.messages\[0\] .*OrderShipped.*OrderDelivered.*give each .*name/i));
  });

  it('a channel key of its own for one of two twins (created: $ref OrderCreated): the parser names it, no problem; without its names, a problem naming the entry and the twins', async () => {
    const doc = await load(
      scaffold((d) => {
        twins(d);
        d.channels.ordersTopic.messages = { shipped: ref('#/components/messages/OrderShipped'), delivered: ref('#/components/messages/OrderDelivered') };
        d.operations.publish.messages = [ref('#/channels/ordersTopic/messages/shipped')];
        d.operations.consume.messages = [ref('#/channels/orderQueue/messages/OrderShipped')];
      }),
    );
    expect(problemsOf(doc)).toEqual([]);
    const { topology } = deriveTopology(doc);
    expect(Object.keys(topology.messages)).toEqual(['OrderDelivered', 'OrderShipped']);
    expect(topology.operations.publish!.messages).toEqual(['OrderShipped']);
    expect(topology.topics.orders!.messages).toEqual(['OrderShipped']);
    const unnamed = problemsOf(withoutMessageKeys(doc));
    expect(unnamed).toContainEqual(
      expect.stringMatching(/^#\/channels\/ordersTopic\/messages\/shipped is the same as #\/components\/messages\/OrderShipped and #\/components\/messages\/OrderDelivered .*Give each of them a name/),
    );
    // The operation's entry is one of its channel's messages: not said to be none of them.
    expect(unnamed.join('\n')).not.toMatch(/is none of its channel's messages/);
  });

  it('a channel key that renames a unique message keeps the components name (as before)', async () => {
    const doc = await load(
      scaffold((d) => {
        d.channels.ordersTopic.messages = { shipped: ref('#/components/messages/OrderShipped') };
      }),
    );
    expect(Object.keys(deriveTopology(doc).topology.messages)).toEqual(['OrderShipped']);
  });
});

describe('a channel address with parameters is no topic name', () => {
  /** Springwolf's layout: no sns binding on the channel, `sns` on the operation only. */
  const parameterised = (d: Json) => {
    d.channels.ordersTopic.address = 'orders.{region}';
    d.channels.ordersTopic.parameters = { region: { enum: ['eu', 'us'] } };
    delete d.channels.ordersTopic.bindings;
  };

  it('an operation binding on a channel whose address has parameters: a problem saying to name the topic', async () => {
    const problems = problemsOf(await load(scaffold(parameterised)));
    expect(problems).toContainEqual(
      expect.stringMatching(/^channels\.ordersTopic\.address "orders\.\{region\}" has parameters \(region\).*operations\.publish.*channels\.ordersTopic\.bindings\.sns\.name.*operations\.publish\.bindings\.sns\.topic/),
    );
    expect(problems.join('\n')).not.toContain('orders.{region}ToOrderQueue');
  });

  it('a channel sns binding without name on such an address (the parser refuses it; codegen reports its own problems too): the same problem', async () => {
    const problems = problemsOf(
      await load(
        scaffold((d) => {
          parameterised(d);
          d.channels.ordersTopic.bindings = { sns: { bindingVersion: '0.1.0' } };
        }),
        false,
      ),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^channels\.ordersTopic\.address "orders\.\{region\}" has parameters \(region\).*channels\.ordersTopic\.bindings\.sns\.name/));
  });

  it('a topic named by the channel binding or the operation binding: the parameters are dropped, said with their path', async () => {
    for (const name of ['channel', 'operation'] as const) {
      const doc = await load(
        scaffold((d) => {
          parameterised(d);
          if (name === 'channel') d.channels.ordersTopic.bindings = { sns: { name: 'orders', bindingVersion: '0.1.0' } };
          else d.operations.publish.bindings.sns.topic = { name: 'orders' };
        }),
      );
      const { topology, warnings } = deriveTopology(doc);
      expect(Object.keys(topology.topics)).toEqual(['orders']);
      expect(warnings).toContainEqual(expect.stringMatching(/^channels\.ordersTopic\.parameters \(region\) are dropped: topic orders is one topic for every value/));
    }
  });

  it('an sqs channel with parameters: the queue is its binding name, the parameters dropped with a warning', async () => {
    const doc = await load(
      scaffold((d) => {
        d.channels.orderQueue.address = 'OrderQueue.{region}';
        d.channels.orderQueue.parameters = { region: { enum: ['eu', 'us'] } };
      }),
    );
    const { topology, warnings } = deriveTopology(doc);
    expect(Object.keys(topology.queues)).toEqual(['OrderQueue']);
    expect(warnings).toContainEqual(expect.stringMatching(/^channels\.orderQueue\.parameters \(region\) are dropped: queue OrderQueue is one queue for every value/));
  });
});

describe('topic names are checked against AWS rules, with their path', () => {
  it('a channel binding name AWS refuses', async () => {
    const problems = problemsOf(await load(scaffold((d) => (d.channels.ordersTopic.bindings.sns.name = 'Order Events!'))));
    expect(problems).toContainEqual(expect.stringMatching(/^topic "Order Events!" \(channels\.ordersTopic\.bindings\.sns\.name\): an SNS topic name is 1\.\.256 letters, digits, - and _/));
  });

  it("an operation binding's topic, and an address taken as the name", async () => {
    const onOperation = problemsOf(
      await load(
        scaffold((d) => {
          delete d.channels.ordersTopic.bindings;
          d.operations.publish.bindings.sns.topic = { name: 'orders/events' };
        }),
      ),
    );
    expect(onOperation).toContainEqual(expect.stringMatching(/^topic "orders\/events" \(operations\.publish\.bindings\.sns\.topic\): an SNS topic name is/));
    const fromAddress = problemsOf(
      await load(
        scaffold((d) => {
          delete d.channels.ordersTopic.bindings;
          d.channels.ordersTopic.address = 'orders.events';
        }),
      ),
    );
    expect(fromAddress).toContainEqual(expect.stringMatching(/^topic "orders\.events" \(channels\.ordersTopic\.address\): an SNS topic name is/));
  });

  it('257 characters is too long; 256 and a FIFO topic ending in .fifo are accepted', async () => {
    const named = (name: string, fifo = false) =>
      scaffold((d) => {
        d.channels.ordersTopic.bindings.sns.name = name;
        if (fifo) {
          d.channels.ordersTopic.bindings.sns.ordering = { type: 'FIFO' };
          d.channels.orderQueue.bindings.sqs.queue = { name: 'OrderQueue.fifo', fifoQueue: true };
          d.operations.publish.bindings.sns.consumers[0].endpoint.name = 'OrderQueue.fifo';
        }
      });
    expect(problemsOf(await load(named('a'.repeat(257))))).toContainEqual(expect.stringMatching(/^topic "a{257}" \(channels\.ordersTopic\.bindings\.sns\.name\): an SNS topic name is 1\.\.256/));
    expect(problemsOf(await load(named('a'.repeat(256))))).toEqual([]);
    expect(problemsOf(await load(named('orders_1-x.fifo', true)))).toEqual([]);
  });
});

describe('two receive operations never share a function name', () => {
  /** A second queue, subscribed too, consumed by `id`. */
  const secondConsumer = (id: string, queue = 'OtherQueue') => (d: Json) => {
    d.channels.otherQueue = {
      address: queue,
      messages: { OrderShipped: ref('#/components/messages/OrderShipped') },
      bindings: { sqs: { queue: { name: queue, fifoQueue: false }, bindingVersion: '0.2.0' } },
    };
    d.operations.publish.bindings.sns.consumers.push({ protocol: 'sqs', endpoint: { name: queue }, rawMessageDelivery: false });
    d.operations[id] = { action: 'receive', channel: ref('#/channels/otherQueue') };
  };

  it('consumeOrder and ConsumeOrder (different channels) would both be ConsumeOrder: a problem naming both', async () => {
    const problems = problemsOf(
      await load(
        scaffold((d) => {
          d.operations.consumeOrder = d.operations.consume;
          delete d.operations.consume;
          secondConsumer('ConsumeOrder')(d);
        }),
      ),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^operations\.consumeOrder and operations\.ConsumeOrder would both be the function ConsumeOrder .*rename one/));
  });

  it('ids that differ in case only past the first letter are one handler file on macOS and Windows: a problem too', async () => {
    const problems = problemsOf(
      await load(
        scaffold((d) => {
          d.operations.consumeOrder = d.operations.consume;
          delete d.operations.consume;
          secondConsumer('consumeorder')(d);
        }),
      ),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^operations\.consumeOrder and operations\.consumeorder .*consumeOrder\.ts and consumeorder\.ts.*rename one/));
  });

  it('different names are fine', async () => {
    expect(problemsOf(await load(scaffold(secondConsumer('consumeOther'))))).toEqual([]);
  });
});

describe('request/reply', () => {
  it('a reply on an operation is a warning naming operations.<id>.reply: nothing is made for it', async () => {
    const doc = await load(
      scaffold((d) => {
        d.channels.replies = { address: 'OrderReplies', messages: { OrderShipped: ref('#/components/messages/OrderShipped') } };
        d.operations.publish.reply = { channel: ref('#/channels/replies'), address: { location: '$message.header#/replyTo' } };
      }),
    );
    const { topology, warnings } = deriveTopology(doc);
    expect(warnings).toContainEqual(expect.stringMatching(/^operations\.publish\.reply: request\/reply is not supported.*nothing is made for the reply/));
    expect(Object.keys(topology.topics)).toEqual(['orders']);
    expect(Object.keys(topology.queues)).toEqual(['OrderQueue']);
  });
});
