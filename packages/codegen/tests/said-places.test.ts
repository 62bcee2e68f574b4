/**
 * Where codegen says a problem or warning is written (placeOfSaid, placeShown): the place the
 * message is about, followed through `$ref`s, YAML merge keys and keys with dots to the file and
 * line its author edits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CodegenError, generateWithModel, placeOfSaid, placeShown, warningSayer, writtenPlace, writtenPlaceOfPath } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'said-places-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = path.join(dir, 'asyncapi.yaml');
const bindings = path.join(dir, 'bindings.yaml');
writeFileSync(
  spec,
  `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
x-defaults:
  queue: &queueDefaults
    visibilityTimeout: 2
    tagz: {a: b}
channels:
  orders.queue:
    address: q
    bindings:
      sqs:
        queue:
          <<: *queueDefaults
          name: q
  lights:
    address: lights
    bindings: {$ref: './bindings.yaml#/b'}
operations:
  listen:
    action: receive
    channel: {$ref: '#/channels/lights'}
components:
  messages:
    Placed:
      headers:
        type: object
        required: [tenant]
      payload: {$ref: 'https://example.com/placed.json'}
`,
);
writeFileSync(bindings, `b:\n  sqs:\n    queue:\n      name: lights\n      policy: {$ref: 'https://example.com/policy.json'}\n`);
const lineOf = (place: { line?: number } | undefined) => place?.line;

describe('placeOfSaid', () => {
  it('takes the place the text names first: a pointer in the advice after the path is not what it is about', () => {
    const text = "operations.listen receives from topic lights …: point this operation at a channel (channel: { $ref: '#/channels/<that channel>' })";
    expect(placeOfSaid(spec, { text })).toEqual({ file: spec, pointer: '/operations/listen', line: 19 });
    expect(placeOfSaid(spec, { text: '#/components/messages/Placed/headers/required: Placed requires the header tenant' })).toEqual({ file: spec, pointer: '/components/messages/Placed/headers/required', line: 27 });
  });

  it('follows a YAML merge key to where the field is written, and a key with dots whole', () => {
    expect(lineOf(placeOfSaid(spec, { text: 'channels.orders.queue.bindings.sqs.queue.visibilityTimeout (queue q) is 2 s' }))).toBe(5);
    expect(lineOf(placeOfSaid(spec, { text: 'channels.orders.queue.bindings.sqs.queue.tagz is not a field of the binding' }))).toBe(6);
    expect(lineOf(placeOfSaid(spec, { text: 'channels.orders.queue.bindings.sqs.queue.name' }))).toBe(14);
  });

  it('says a $ref that cannot be followed where it is written, in the contract and in a file a $ref leads to', () => {
    expect(placeOfSaid(spec, { pointer: '/components/messages/Placed/payload/$ref', text: '$ref https://example.com/placed.json is remote' })).toEqual({ file: spec, pointer: '/components/messages/Placed/payload/$ref', line: 28 });
    expect(writtenPlace(bindings, '/b/sqs/queue/policy/$ref', { followLast: false })).toMatchObject({ file: bindings, line: 5 });
    expect(placeShown(spec, placeOfSaid(spec, { text: 'channels.lights.bindings.sqs.queue.policy: remote' }))).toBe(`${path.relative(process.cwd(), bindings).startsWith('..') ? bindings : path.relative(process.cwd(), bindings)}#/b/sqs/queue/policy (line 5)`);
  });

  it('says a message or a queue a text names by name only where it is declared', () => {
    expect(placeOfSaid(spec, { text: 'Placed has no examples: the contract test has nothing to check for it. Add examples' })).toEqual({ file: spec, pointer: '/components/messages/Placed', line: 24 });
    // A list of messages: the first.
    expect(placeOfSaid(spec, { text: 'Placed, Other have no x-schema-version: sent and filtered as schemaVersion 1.0.0' })).toEqual({ file: spec, pointer: '/components/messages/Placed', line: 24 });
    expect(placeOfSaid(spec, { text: 'queue q has no redrivePolicy: a message that always fails is retried until it expires (345600 s)' })).toEqual({ file: spec, pointer: '/channels/orders.queue/bindings/sqs/queue', line: 12 });
    // Declared in a file a $ref leads to; a FIFO queue is named with the .fifo AWS requires.
    expect(placeOfSaid(spec, { text: 'queue lights.fifo has no receive operation: messages delivered to it wait until they expire' })).toEqual({ file: bindings, pointer: '/b/sqs/queue', line: 3 });
    expect(placeOfSaid(spec, { text: 'operation listen is read as one-way' })).toEqual({ file: spec, pointer: '/operations/listen', line: 19 });
    // A text about a queue that names an operation later (who sends to it) is about the queue:
    // it was said at the operation.
    expect(placeOfSaid(spec, { text: 'queue q has no receive operation in this contract, and operations.listen sends to it (point-to-point): another application must receive from it' })).toEqual({ file: spec, pointer: '/channels/orders.queue/bindings/sqs/queue', line: 12 });
    // Where the path says where the queue is written, right after its name, it is that path.
    expect(placeOfSaid(spec, { text: 'queue q (operations.listen): an SQS queue name is 1..80 letters' })).toEqual({ file: spec, pointer: '/operations/listen', line: 19 });
  });

  it('names no place for a text that names none', () => {
    expect(placeOfSaid(spec, { text: 'the document declares no messages: nothing to generate' })).toBeUndefined();
    expect(placeOfSaid(spec, { text: 'queue nowhere has no redrivePolicy' })).toBeUndefined();
  });
});

describe('a refusal after reading (types that would be lost)', () => {
  it('says the warnings the reading found with their places too', async () => {
    const file = path.join(dir, 'clash.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  elsewhere: {address: elsewhere, messages: {A: {$ref: '#/components/messages/A'}, B: {$ref: '#/components/messages/B'}}}
operations:
  sendElsewhere: {action: send, channel: {$ref: '#/channels/elsewhere'}}
components:
  messages:
    A: {x-schema-version: 1.0.0, payload: {type: object, properties: {money: {title: Money, type: object, properties: {cents: {type: integer}}}}}, examples: [{payload: {}}]}
    B: {x-schema-version: 1.0.0, payload: {type: object, properties: {money: {title: Money, type: object, properties: {euros: {type: string}}}}}, examples: [{payload: {}}]}
`,
    );
    const error = (await generateWithModel({ specPath: file }).catch((e: unknown) => e)) as CodegenError;
    expect(error).toBeInstanceOf(CodegenError);
    expect(error.message).toMatch(/^Types would be lost/);
    expect(error.message).toContain(`\n  - warning: ${placeShown(file, undefined)} (line 6): operations.sendElsewhere sends to channels.elsewhere, which has no sns binding`);
  });
});

describe('a place the parser merged from a trait', () => {
  it('is said where the trait writes it, through its $ref', () => {
    const file = path.join(dir, 'traits.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
operations:
  publish:
    action: send
    traits:
      - description: first
      - $ref: '#/components/operationTraits/subscribes'
components:
  operationTraits:
    subscribes:
      bindings:
        sns:
          consumers:
            - protocol: sqs
              displayName: nope
`,
    );
    expect(placeOfSaid(file, { text: 'operations.publish.bindings.sns.consumers[0].displayName is refused' })).toEqual({ file, pointer: '/components/operationTraits/subscribes/bindings/sns/consumers/0/displayName', line: 16 });
    // As deep as a trait writes it; what no trait writes at all: the operation itself.
    expect(placeOfSaid(file, { text: 'operations.publish.bindings.sqs is refused' })).toEqual({ file, pointer: '/components/operationTraits/subscribes/bindings', line: 12 });
    expect(placeOfSaid(file, { text: 'operations.publish.summary is refused' })).toEqual({ file, pointer: '/operations/publish', line: 4 });
  });
});

describe('a $ref to a file that does not read as YAML (duplicate keys, which the AsyncAPI parser may take)', () => {
  it('leaves the place where the $ref is, and does not throw', () => {
    const file = path.join(dir, 'broken-ref.yaml');
    writeFileSync(path.join(dir, 'dup.yaml'), 'q:\n  sqs: {}\nq:\n  sqs: {}\n');
    writeFileSync(file, `asyncapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\nchannels:\n  q:\n    bindings: {$ref: './dup.yaml#/q'}\n`);
    expect(() => placeOfSaid(file, { text: 'channels.q.bindings.sqs.queue.tags must be an object' })).not.toThrow();
    expect(placeOfSaid(file, { text: 'channels.q.bindings.sqs.queue.tags must be an object' })).toEqual({ file, pointer: '/channels/q/bindings', line: 5 });
  });
});

describe('a dotted path that reads two ways (a key with a dot beside a nested key of the same spelling)', () => {
  const file = path.join(dir, 'two-ways.yaml');
  writeFileSync(
    file,
    `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  user:
    address: users
    bindings:
      sqs:
        queue:
          name: users
          tags: 7
  user.address:
    address: user-addresses
    bindings:
      sqs:
        queue: {name: user-addresses}
  user.bindings:
    address: user-bindings
`,
  );
  const shownFile = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);

  it('says both places when both are written, rather than pick the key with the dot', () => {
    const place = placeOfSaid(file, { text: 'topic users (channels.user.address) is FIFO' });
    expect(place).toEqual({ file, pointer: '/channels/user.address', line: 11, otherReadings: [{ file, pointer: '/channels/user/address', line: 5 }] });
    expect(placeShown(file, place)).toBe(`${shownFile} (line 11) or ${shownFile} (line 5)`);
    expect(warningSayer(file)('topic users (channels.user.address) is FIFO')).toBe(`${shownFile} (line 11) or ${shownFile} (line 5): topic users (channels.user.address) is FIFO`);
  });

  it('takes the reading that is written all the way when the other stops short', () => {
    // The channel user.bindings has no sqs binding: the path is the channel user's.
    expect(placeOfSaid(file, { text: 'channels.user.bindings.sqs.queue.tags must be an object of string values' })).toEqual({ file, pointer: '/channels/user/bindings/sqs/queue/tags', line: 10 });
    // The channel user's address is a string, with nothing under it: the path is the channel user.address's.
    expect(placeOfSaid(file, { text: 'channels.user.address.bindings.sqs.queue.name' })).toEqual({ file, pointer: '/channels/user.address/bindings/sqs/queue/name', line: 15 });
  });

  it('reads a path given as its keys one way only', () => {
    expect(writtenPlaceOfPath(file, ['channels', 'user', 'address'])).toEqual({ file, pointer: '/channels/user/address', line: 5 });
    expect(writtenPlaceOfPath(file, ['channels', 'user.address'])).toEqual({ file, pointer: '/channels/user.address', line: 11 });
    expect(placeOfSaid(file, { pointer: '/channels/user/address', text: 'channels.user.address is refused' })).toEqual({ file, pointer: '/channels/user/address', line: 5 });
  });
});

describe("a message's headers from a trait in another file", () => {
  const file = path.join(dir, 'trait-headers.yaml');
  const traits = path.join(dir, 'header-traits.yaml');
  writeFileSync(
    file,
    `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  pings:
    address: pings
    messages:
      Pinged: {$ref: '#/components/messages/Pinged'}
    bindings: {sns: {name: pings}}
  pingQueue:
    address: ping-queue
    messages:
      Pinged: {$ref: '#/components/messages/Pinged'}
    bindings: {sqs: {queue: {name: ping-queue, fifoQueue: false, redrivePolicy: {deadLetterQueue: {name: ping-dlq}, maxReceiveCount: 3}}}}
  pingDlq:
    address: ping-dlq
    bindings: {sqs: {queue: {name: ping-dlq, fifoQueue: false}}}
operations:
  ping:
    action: send
    channel: {$ref: '#/channels/pings'}
    bindings: {sns: {consumers: [{protocol: sqs, endpoint: {name: ping-queue}, rawMessageDelivery: false}]}}
  pong:
    action: receive
    channel: {$ref: '#/channels/pingQueue'}
components:
  messages:
    Pinged:
      headers:
        type: object
        properties:
          tenant: {type: string}
      payload: {type: object, properties: {id: {type: string}}}
      examples: [{payload: {id: a}}]
      x-schema-version: 1.0.0
      traits:
        - $ref: './header-traits.yaml#/Retried'
        - $ref: './header-traits.yaml#/Routed'
`,
  );
  writeFileSync(
    traits,
    `Retried:
  headers:
    type: object
    properties:
      retries:
        type: integer
Routed:
  headers:
    properties:
      region: {type: string}
`,
  );

  it('is said where the trait writes the header, also when the message writes headers of its own', () => {
    const text = 'header retries of Pinged is declared integer, but headers travel as SNS/SQS String message attributes';
    expect(placeOfSaid(file, { pointer: '/components/messages/Pinged/headers/properties/retries', text })).toEqual({ file: traits, pointer: '/Retried/headers/properties/retries', line: 5 });
    expect(placeOfSaid(file, { pointer: '/channels/pings/messages/Pinged/headers/properties/region', text })).toEqual({ file: traits, pointer: '/Routed/headers/properties/region', line: 10 });
    // What the message writes itself wins over its traits (the parser merges the message last).
    expect(placeOfSaid(file, { pointer: '/components/messages/Pinged/headers/properties/tenant', text })).toEqual({ file, pointer: '/components/messages/Pinged/headers/properties/tenant', line: 31 });
  });

  it("says codegen's refusal of the header at the trait's file and line", async () => {
    const error = (await generateWithModel({ specPath: file }).catch((e: unknown) => e)) as CodegenError;
    expect(error).toBeInstanceOf(CodegenError);
    const shownTraits = path.relative(process.cwd(), traits).startsWith('..') ? traits : path.relative(process.cwd(), traits);
    expect(error.message).toContain(`\n  - ${shownTraits}#/Retried/headers/properties/retries (line 5): header retries of Pinged is declared integer`);
  });
});
