/**
 * AsyncAPI 3.0 documents written by other teams: what the framework cannot carry (a recursive
 * schema, a header that is no string, a payload that is no JSON, a JSON Schema version ajv is not
 * set up for) is refused in one report naming the file, the place and what to change, never with a
 * stack trace; what it does not read (a correlation id elsewhere than its header) is warned about.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '@sluice/cli';
import { CodegenError, codegenProgram, collectInputs, type ContractProblem, readContract } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'foreign-documents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
/**
 * The reviewer's scaffold: one topic, one queue subscribed to it, one message `OrderPlaced` whose
 * body is `message` (YAML, indented under it); `top` adds document-level keys, `components` more
 * components (YAML, indented under `components:`).
 */
function spec(options: { message: string; top?: string; components?: string }): string {
  const file = path.join(dir, `asyncapi-${++count}.yaml`);
  const indent = (text: string, by: string) =>
    text
      .trim()
      .split('\n')
      .map((line) => by + line)
      .join('\n');
  writeFileSync(
    file,
    `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
${options.top ?? ''}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}, bindings: {sns: {name: orders, bindingVersion: 0.1.0}}}
  orderQueue:  {address: OrderQueue, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}, bindings: {sqs: {queue: {name: OrderQueue, fifoQueue: false}, bindingVersion: 0.2.0}}}
operations:
  publish: {action: send, channel: {$ref: '#/channels/ordersTopic'}, bindings: {sns: {consumers: [{protocol: sqs, endpoint: {name: OrderQueue}, rawMessageDelivery: false}], bindingVersion: 0.1.0}}}
  consume: {action: receive, channel: {$ref: '#/channels/orderQueue'}}
components:
  messages:
    OrderPlaced:
${indent(options.message, '      ')}
${options.components ? indent(options.components, '  ') : ''}
`,
  );
  return file;
}

/** The CodegenError readContract throws for `file` (fails the test when it reads the document). */
async function refusal(file: string): Promise<CodegenError> {
  const error = await readContract(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CodegenError);
  return error as CodegenError;
}

const at = (problems: readonly ContractProblem[], pointer: string) => problems.filter((p) => p.pointer === pointer);

describe('a recursive schema', () => {
  it('is refused naming the message and the schema that contains itself, not a stack overflow', async () => {
    const file = spec({
      message: `payload: {$ref: '#/components/schemas/Category'}`,
      components: `
schemas:
  Category: {type: object, properties: {name: {type: string}, children: {type: array, items: {$ref: '#/components/schemas/Category'}}}}`,
    });
    const error = await refusal(file);
    const problems = error.problems.filter((p) => /recursive/.test(p.message));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe(file); // outside the working directory: as given
    expect(problems[0]!.pointer).toBe('/components/messages/OrderPlaced/payload/properties/children/items');
    expect(problems[0]!.message).toMatch(/^the payload of OrderPlaced is recursive: #\/components\/schemas\/Category contains itself/);
    expect(problems[0]!.message).toMatch(/recursive schemas are not supported/);
    expect(problems[0]!.message).toMatch(/parent's id/);
    expect(error.message).not.toMatch(/Maximum call stack/);
  });

  it('in headers and inside an inline payload, each is reported in the same run', async () => {
    const file = spec({
      message: `
headers: {type: object, properties: {tag: {$ref: '#/components/schemas/Node'}}}
payload:
  type: object
  properties:
    tree: {type: object, properties: {next: {$ref: '#/components/messages/OrderPlaced/payload/properties/tree'}}}`,
      components: `
schemas:
  Node: {type: string, not: {$ref: '#/components/schemas/Node'}}`,
    });
    const error = await refusal(file);
    expect(at(error.problems, '/components/messages/OrderPlaced/headers/properties/tag/not')[0]?.message).toMatch(/^the headers of OrderPlaced is recursive: #\/components\/schemas\/Node contains itself/);
    expect(at(error.problems, '/components/messages/OrderPlaced/payload/properties/tree/properties/next')[0]?.message).toMatch(
      /^the payload of OrderPlaced is recursive: #\/components\/messages\/OrderPlaced\/payload\/properties\/tree contains itself/,
    );
  });

  it('a YAML alias that contains itself does not overflow the $ref walkers', () => {
    const file = path.join(dir, 'alias.yaml');
    writeFileSync(file, 'asyncapi: 3.0.0\nx-loop: &loop\n  again: *loop\n');
    expect(collectInputs(file)).toEqual([file]);
  });
});

describe('headers', () => {
  it('a header property that is not a string is refused: headers travel as String message attributes', async () => {
    const file = spec({
      message: `
headers:
  type: object
  properties:
    priority: {type: integer, minimum: 1}
    urgent: {type: boolean}
    region: {type: string, enum: [eu, us]}
    level: {enum: [low, high]}
    code: {const: A1}
    count: {type: string, pattern: '^[0-9]+$'}
    mixed: {enum: [low, 2]}
payload: {type: object, properties: {id: {type: string}}}`,
    });
    const error = await refusal(file);
    const headers = error.problems.filter((p) => p.pointer.includes('/headers/properties/'));
    expect(headers.map((p) => p.pointer).sort()).toEqual(
      ['/components/messages/OrderPlaced/headers/properties/mixed', '/components/messages/OrderPlaced/headers/properties/priority', '/components/messages/OrderPlaced/headers/properties/urgent'].sort(),
    );
    const priority = at(error.problems, '/components/messages/OrderPlaced/headers/properties/priority')[0]!;
    expect(priority.message).toMatch(/^header priority of OrderPlaced is declared integer/);
    expect(priority.message).toMatch(/SNS\/SQS String message attributes/);
    expect(priority.message).toMatch(/type: string/);
    expect(priority.message).toMatch(/pattern/);
  });

  it('a header whose name SNS and SQS refuse as a message attribute is refused: it could never be published', async () => {
    const file = spec({
      message: `
headers:
  type: object
  properties:
    AWS.trace: {type: string}
    mit leer: {type: string}
    tenantId: {type: string}
payload: {type: object, properties: {id: {type: string}}}`,
    });
    const error = await refusal(file);
    const trace = at(error.problems, '/components/messages/OrderPlaced/headers/properties/AWS.trace')[0]!;
    expect(trace.message).toBe('header "AWS.trace" of OrderPlaced: SNS and SQS reserve names beginning with AWS. or Amazon. (in any case) for AWS, so it could never be published: rename it (e.g. trace)');
    const spaced = at(error.problems, '/components/messages/OrderPlaced/headers/properties/mit leer')[0]!;
    expect(spaced.message).toMatch(/^header "mit leer" of OrderPlaced: not a name SNS and SQS take for a message attribute: only letters A-Z a-z, digits 0-9, _, - and \. \(not " "\), so it could never be published: rename it \(e\.g\. mit_leer\)$/);
    expect(at(error.problems, '/components/messages/OrderPlaced/headers/properties/tenantId')).toEqual([]);
  });

  it('a message neither SNS nor SQS carries (Kafka only, as in the Streetlights example) keeps its integer header', async () => {
    const file = path.join(dir, 'kafka.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  lights: {address: lights, messages: {Light: {$ref: '#/components/messages/Light'}}}
operations:
  receiveLight: {action: receive, channel: {$ref: '#/channels/lights'}, bindings: {kafka: {bindingVersion: 0.5.0}}}
components:
  messages:
    Light: {headers: {type: object, properties: {my-app-header: {type: integer}}}, payload: {type: object, properties: {lumens: {type: integer}}}}
`,
    );
    const { messages } = await readContract(file);
    expect(messages.map((m) => m.name)).toEqual(['Light']);
  });
});

describe('required application headers', () => {
  it('a header the schema requires besides the identity (tenantId) is read, with a warning saying who must send it; a wrong identity is still refused', async () => {
    const tenant = spec({
      message: `headers: {type: object, required: [tenantId, correlationId], properties: {tenantId: {type: string}, correlationId: {type: string}}}
payload: {type: object, properties: {orderId: {type: string}}}`,
    });
    const { warnings } = await readContract(tenant);
    const warning = warnings.find((w) => w.includes('/headers/required'));
    expect(warning).toMatch(/^#\/components\/messages\/OrderPlaced\/headers\/required: OrderPlaced requires the header tenantId: a publish must pass it \(createPublisher\(…\)\.publish\(payload, \{ attributes: \{ tenantId: … \} \}\)\)/);
    expect(warning).toMatch(/publish-message takes --header tenantId=<value>, and the local console asks for it in a field each/);
    // An identity the schema forbids is a problem as before, named with it.
    const wrong = spec({
      message: `headers: {type: object, required: [tenantId], properties: {tenantId: {type: string}, schemaVersion: {type: string, pattern: '^9[.]'}}}
payload: {type: object, properties: {orderId: {type: string}}}`,
    });
    const problems = (await refusal(wrong)).problems.map((p) => p.message);
    expect(problems).toContainEqual(expect.stringMatching(/the identity publishers send \(eventType OrderPlaced, schemaVersion 1\.0\.0\) does not satisfy the headers schema of OrderPlaced: schemaVersion/));
    expect(problems.join('\n')).not.toMatch(/tenantId: is required/);
  });
});

describe('content types', () => {
  it('a message contentType that is not JSON is refused; application/json and application/*+json are read', async () => {
    const file = spec({ message: `contentType: text/plain\npayload: {type: object, properties: {id: {type: string}}}` });
    const error = await refusal(file);
    const problem = at(error.problems, '/components/messages/OrderPlaced/contentType')[0];
    expect(problem?.message).toMatch(/^OrderPlaced has contentType text\/plain: payloads are JSON/);
    for (const json of ['application/json', 'application/cloudevents+json; charset=utf-8', 'application/vnd.shop.order+json']) {
      const ok = spec({ message: `contentType: '${json}'\npayload: {type: object, properties: {id: {type: string}}}` });
      await expect(readContract(ok)).resolves.toBeDefined();
    }
  });

  it('a defaultContentType that is not JSON is refused naming the messages it applies to', async () => {
    const file = spec({ top: 'defaultContentType: application/xml', message: `payload: {type: object, properties: {id: {type: string}}}` });
    const error = await refusal(file);
    const problem = at(error.problems, '/defaultContentType')[0];
    expect(problem?.message).toMatch(/^defaultContentType application\/xml applies to OrderPlaced \(no contentType of its own\): payloads are JSON/);
    // A message that says JSON itself is not concerned by the default.
    const own = spec({ top: 'defaultContentType: text/plain', message: `contentType: application/json\npayload: {type: object, properties: {id: {type: string}}}` });
    await expect(readContract(own)).resolves.toBeDefined();
  });
});

describe('correlationId', () => {
  it("a location other than the framework's header is warned about; the header location is read silently", async () => {
    const elsewhere = spec({ message: `correlationId: {location: '$message.payload#/orderId'}\npayload: {type: object, properties: {orderId: {type: string}}}` });
    const { warnings } = await readContract(elsewhere);
    const warning = warnings.find((w) => w.includes('correlationId'));
    expect(warning).toMatch(/#\/components\/messages\/OrderPlaced\/correlationId/);
    expect(warning).toMatch(/\$message\.payload#\/orderId/);
    expect(warning).toMatch(/correlationId message attribute/);
    expect(warning).toMatch(/\$message\.header#\/correlationId/);
    const header = spec({ message: `correlationId: {location: '$message.header#/correlationId'}\npayload: {type: object, properties: {orderId: {type: string}}}` });
    expect((await readContract(header)).warnings.filter((w) => w.includes('#/components/messages/OrderPlaced/correlationId'))).toEqual([]);
  });
});

describe('one report', () => {
  it('a message whose payload is refused still has its content type and headers checked: every problem at once', async () => {
    const file = spec({
      message: `
contentType: text/plain
headers: {type: object, properties: {priority: {type: integer, minimum: 1}}}
payload: {schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: {type: record, name: Order, fields: [{name: id, type: string}]}}`,
    });
    const error = await refusal(file);
    expect(error.problems.map((p) => p.pointer).sort()).toEqual(
      ['/components/messages/OrderPlaced/contentType', '/components/messages/OrderPlaced/headers/properties/priority', '/components/messages/OrderPlaced/payload'].sort(),
    );
  });
});

describe('schemaFormat', () => {
  it('JSON Schema 2020-12 is refused saying which JSON Schema versions are read and what to write', async () => {
    const file = spec({ message: `payload: {schemaFormat: 'application/schema+json;version=2020-12', schema: {type: object, properties: {id: {type: string}}}}` });
    const error = await refusal(file);
    const problem = at(error.problems, '/components/messages/OrderPlaced/payload')[0]!;
    expect(problem.message).toMatch(/is JSON Schema 2020-12/);
    expect(problem.message).toMatch(/draft-04, draft-06 and draft-07/);
    expect(problem.message).toMatch(/schemaFormat application\/schema\+json;version=draft-07/);
    expect(problem.message).not.toMatch(/JSON Schema only/);
  });
});

describe('a refusal keeps the warnings', () => {
  /** A document with one problem (a content type that is not JSON) and a warning of each kind codegen says. */
  const withWarnings = () =>
    spec({
      message: `
contentType: text/plain
correlationId: {location: '$message.payload#/orderId'}
headers: {type: object, required: [tenantId], properties: {tenantId: {type: string}}}
payload: {type: object, properties: {orderId: {type: string, format: order-number}}}`,
    });

  it('readContract: the warnings a successful read would return are on the refusal, after its problems, saying they do not block', async () => {
    const error = await refusal(withWarnings());
    expect(error.problems.map((p) => p.pointer)).toEqual(['/components/messages/OrderPlaced/contentType']);
    const expected = [/no x-schema-version/, /format order-number .* not a format ajv-formats knows/, /requires the header tenantId/, /has no examples/, /OrderPlaced\/correlationId: OrderPlaced declares its correlation id at \$message\.payload#\/orderId/, /queue OrderQueue has no redrivePolicy/];
    for (const warning of expected) expect(error.warnings).toContainEqual(expect.stringMatching(warning));
    const [problems, warnings] = error.message.split(/\n(?=and \d+ warning\(s\))/);
    expect(problems).toMatch(/1 problem\(s\), each with where and what to change:\n {2}- .*contentType \(line \d+\): OrderPlaced has contentType text\/plain/);
    expect(warnings).toMatch(new RegExp(`^and ${error.warnings.length} warning\\(s\\), which do not block generation \\(a successful run prints them too\\):\\n`));
    // Each after the file (and the line) of the place it names.
    for (const warning of error.warnings) expect(warnings).toMatch(new RegExp(`\\n  - warning: \\S+\\.yaml( \\(line \\d+\\))?: ${warning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it("the topology's own warnings are kept when the topology is what is refused", async () => {
    const file = spec({ message: `payload: {type: object, properties: {id: {type: string}}}`, components: `x-unused: {}` });
    const text = readFileSync(file, 'utf8').replace('endpoint: {name: OrderQueue}', 'endpoint: {name: NoSuchQueue}');
    writeFileSync(file, text);
    const error = await refusal(file);
    expect(error.problems.map((p) => p.message).join('\n')).toMatch(/NoSuchQueue/);
    expect(error.warnings).toContainEqual(expect.stringMatching(/has no examples/));
    expect(error.warnings).toContainEqual(expect.stringMatching(/queue OrderQueue has no redrivePolicy|OrderQueue, which nothing in this contract sends to/));
  });

  it('a document the parser refuses keeps the warnings of the checks read without the parser; a later refusal adds its warnings once', async () => {
    const error = await refusal(spec({ top: 'unknownRootKey: 1', message: `payload: {type: object, properties: {id: {type: string}}}` }));
    expect(error.message).toMatch(/is not a valid AsyncAPI document:\n {2}- .*unknownRootKey/);
    expect(error.warnings).toContainEqual(expect.stringMatching(/queue OrderQueue has no redrivePolicy/));
    // Those of its messages too (not only its topology's): what a successful run prints, in its order.
    expect(error.warnings).toEqual([
      expect.stringMatching(/^OrderPlaced has no x-schema-version/),
      expect.stringMatching(/^OrderPlaced has no examples/),
      expect.stringMatching(/^queue OrderQueue has no redrivePolicy/),
    ]);
    // Each where it is declared: the message in components.messages, the queue by its channel's binding.
    expect(error.message).toMatch(/\nand 3 warning\(s\), which do not block generation .*\n {2}- warning: \S+\.yaml \(line 12\): OrderPlaced has no x-schema-version.*\n {2}- warning: \S+\.yaml \(line 6\): queue OrderQueue has no redrivePolicy/s);
    const later = new CodegenError('Types would be lost', [], ['one']).withWarnings(['one', 'two']);
    expect(later.warnings).toEqual(['one', 'two']);
    expect(later.message).toBe('Types would be lost\nand 2 warning(s), which do not block generation (a successful run prints them too):\n  - warning: one\n  - warning: two');
  });

  it('a document the parser refuses has the warnings the same document has once valid: of its messages (examples, formats, versions) and of its topology', async () => {
    const message = `payload: {type: object, properties: {id: {type: string, format: my-format}}}\nexamples: [{payload: {id: a}}]`;
    const { warnings } = await readContract(spec({ message }));
    expect(warnings).toContainEqual(expect.stringMatching(/^format my-format .* is not a format ajv-formats knows/));
    const error = await refusal(spec({ top: 'unknownRootKey: 1', message }));
    expect(error.message).toMatch(/is not a valid AsyncAPI document:/);
    expect(error.warnings).toEqual(warnings);
  });

  it('npm run codegen and codegen --check print them after the problems, before what to do next, and write nothing', async () => {
    const file = withWarnings();
    const out = mkdtempSync(path.join(dir, 'out-'));
    for (const args of [['--spec', file, '--out', out], ['--check', '--spec', file, '--out', out]]) {
      const lines: string[] = [];
      const io = { out: (t: string) => lines.push(`out: ${t}`), err: (t: string) => lines.push(`err: ${t}`), progress: { write: () => true } };
      expect(await runCli(codegenProgram, args, io)).toBe(1);
      const text = lines.join('\n');
      expect(text).toMatch(/^err: codegen: .*1 problem\(s\), each with where and what to change:\n {2}- .*contentType \(line \d+\): OrderPlaced has contentType text\/plain.*\nand \d+ warning\(s\), which do not block generation/s);
      expect(text).toMatch(/\n {2}- warning: \S+\.yaml \(line 12\): OrderPlaced has no examples/);
      expect(text).toMatch(/\nerr: Fix .* and run npm run codegen again\.$/);
    }
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("npm run codegen's lines quote the contract", () => {
  it('as escapes where it holds controls: a message name that sets the title or clears the screen (they reached the terminal raw)', async () => {
    const file = spec({ message: 'name: "Order\\u001b]0;x\\u0007Placed"\npayload: {type: object, properties: {id: {type: string}}}' });
    const out = mkdtempSync(path.join(dir, 'out-'));
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), progress: { write: () => true } };
    await runCli(codegenProgram, ['--spec', file, '--out', out], io);
    const text = lines.join('\n');
    expect(text).toContain('Order\\x1b]0;x\\x07Placed');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('a binding that contains itself', () => {
  /** The scaffold with each of `edits` made (each must apply). */
  const edited = (edits: [string, string][]) => {
    const file = spec({ message: `payload: {type: object, properties: {id: {type: string}}}\nexamples: [{payload: {id: a}}]` });
    let text = readFileSync(file, 'utf8');
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    writeFileSync(file, text);
    return file;
  };

  it('a $ref back to its own ancestor (an SNS filterPolicy, an SQS queue) is refused naming the file, the binding and the reference back, not cut silently', async () => {
    const file = edited([
      ['fifoQueue: false}', `fifoQueue: false, x-note: {again: {$ref: '#/channels/orderQueue/bindings/sqs/queue/x-note'}}}`],
      ['rawMessageDelivery: false}', `rawMessageDelivery: false, filterPolicy: {eventType: [OrderPlaced], nested: {$ref: '#/operations/publish/bindings/sns/consumers/0/filterPolicy'}}}`],
    ]);
    const error = await refusal(file);
    const cycles = error.problems.filter((p) => /contains itself/.test(p.message));
    // Each once, where it is written (the channel's binding, not again through the operation's channel), with its line.
    expect(cycles.map((p) => [p.file, p.pointer, p.line])).toEqual([
      [file, '/channels/orderQueue/bindings/sqs/queue/x-note/again', 6],
      [file, '/operations/publish/bindings/sns/consumers/0/filterPolicy/nested', 8],
    ]);
    expect(cycles[1]!.message).toBe(
      'the $ref "#/operations/publish/bindings/sns/consumers/0/filterPolicy" here refers back to #/operations/publish/bindings/sns/consumers/0/filterPolicy (line 8), which it is inside (a $ref to its own ancestor, directly or through other $refs), ' +
        'so the sns binding at #/operations/publish/bindings/sns (line 8) contains itself. ' +
        'A binding must be finite plain data (the framework reads, compares and deploys it as written), so it would be read cut short here: break the cycle: replace this $ref with the value written out in full (finite), or remove it',
    );
    expect(error.message).toContain(`${file}#/channels/orderQueue/bindings/sqs/queue/x-note/again (line 6): the $ref "#/channels/orderQueue/bindings/sqs/queue/x-note" here refers back to`);
  });

  /** The scaffold with the queue's SQS binding written in components.channelBindings.q, its dead-letter queue a chain of $refs back to the queue itself. */
  const chained = () =>
    edited([
      ['bindings: {sqs: {queue: {name: OrderQueue, fifoQueue: false}, bindingVersion: 0.2.0}}', `bindings: {$ref: '#/components/channelBindings/q'}`],
      [
        '\ncomponents:\n',
        `\ncomponents:
  channelBindings:
    q:
      sqs:
        queue:
          name: OrderQueue
          fifoQueue: false
          redrivePolicy:
            deadLetterQueue:
              $ref: '#/components/x-queues/dlq'
        bindingVersion: 0.2.0
  x-queues:
    dlq:
      $ref: '#/components/channelBindings/q/sqs/queue'
`,
      ],
    ]);

  it('a $ref written in components.channelBindings that comes back through another $ref is reported where it is written, with its line and what to change, once, without the problem of the value cut short', async () => {
    const file = chained();
    const error = await refusal(file);
    expect(error.problems).toEqual([
      {
        file,
        pointer: '/components/channelBindings/q/sqs/queue/redrivePolicy/deadLetterQueue',
        line: 19,
        message:
          'the $ref "#/components/x-queues/dlq" here refers back to #/components/channelBindings/q/sqs/queue (line 14), which it is inside (a $ref to its own ancestor, directly or through other $refs), ' +
          'so the sqs binding at #/components/channelBindings/q/sqs (line 13) contains itself (the document reaches this $ref as #/channels/orderQueue/bindings/sqs/queue/redrivePolicy/deadLetterQueue). ' +
          'A binding must be finite plain data (the framework reads, compares and deploys it as written), so it would be read cut short here: break the cycle: replace this $ref with the value written out in full (finite), or remove it',
      },
    ]);
    expect(readFileSync(file, 'utf8').split('\n')[18]).toBe(`              $ref: '#/components/x-queues/dlq'`);
    // The queue's dead-letter queue as read (cut short) is no second problem: "redrives to (no name)" was the same cycle again.
    expect(error.message).not.toMatch(/redrives to/);
    expect(error.message).toMatch(/^.*: 1 problem\(s\), each with where and what to change:\n {2}- .*#\/components\/channelBindings\/q\/sqs\/queue\/redrivePolicy\/deadLetterQueue \(line 19\): the \$ref/);
  });

  it('a distinct problem beside the cycle is still reported, in the same report', async () => {
    const file = chained();
    writeFileSync(file, readFileSync(file, 'utf8').replace('rawMessageDelivery: false}', 'rawMessageDelivery: false, filterPolicy: {eventType: [SomethingElse]}}'));
    const error = await refusal(file);
    expect(error.problems.map((p) => [p.pointer, p.message.slice(0, 60)])).toEqual([
      ['/components/channelBindings/q/sqs/queue/redrivePolicy/deadLetterQueue', 'the $ref "#/components/x-queues/dlq" here refers back to #/c'],
      ['', 'the filterPolicy of orders → OrderQueue (publish) must admit'],
    ]);
  });

  it('a JSON contract: the $ref is named with its line in the JSON text', async () => {
    const yamlFile = chained();
    const file = yamlFile.replace(/\.yaml$/, '.json');
    const text = JSON.stringify(parseYaml(readFileSync(yamlFile, 'utf8')), null, 2);
    writeFileSync(file, text);
    const error = await refusal(file);
    const line = text.split('\n').findIndex((l) => l.includes('"$ref": "#/components/x-queues/dlq"')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([[file, '/components/channelBindings/q/sqs/queue/redrivePolicy/deadLetterQueue', line]]);
  });

  it('a YAML alias inside the node it names is refused with its path and line (the parser reads it cut after two levels, silently)', async () => {
    const file = edited([['bindings: {sns: {name: orders, bindingVersion: 0.1.0}}', 'bindings: {sns: {name: orders, bindingVersion: 0.1.0, x-loop: &loop {again: *loop}}}']]);
    const error = await refusal(file);
    // A problem of the contract with its file, pointer and line (the parser did not run: no "framework's checks" line).
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([[file, '/channels/ordersTopic/bindings/sns/x-loop/again', 5]]);
    expect(error.problems[0]!.message).toMatch(
      /^the YAML alias \*loop refers to the node &loop, which it is inside: the AsyncAPI parser reads it cut after two levels, with null in place of the rest, silently, so the sns binding at #\/channels\/ordersTopic\/bindings\/sns would be read cut short: a binding must be finite plain data/,
    );
    expect(error.message).not.toMatch(/framework's checks/);
    expect(error.message).toMatch(/Write the value out in full \(finite\), without the alias back to its own ancestor/);
  });
});

describe('a recursive schema in what the framework does not read, and one written with a YAML alias', () => {
  it('a recursive schema in an HTTP operation binding (valid AsyncAPI; the framework reads only sns and sqs bindings) is no problem', async () => {
    const file = spec({
      message: `payload: {type: object, properties: {id: {type: string}}}\nexamples: [{payload: {id: a}}]`,
      components: `
schemas:
  Q: {type: object, properties: {child: {$ref: '#/components/schemas/Q'}}}`,
    });
    const text = readFileSync(file, 'utf8').replace('consume: {action: receive,', `consume: {action: receive, bindings: {http: {method: POST, query: {$ref: '#/components/schemas/Q'}}},`);
    writeFileSync(file, text);
    const { messages } = await readContract(file);
    expect(messages.map((m) => m.name)).toEqual(['OrderPlaced']);
  });

  it('a recursive payload schema written with a YAML alias is refused as a recursive schema (name it in components.schemas, $ref it; flatten it), with its place and line, and nothing else', async () => {
    const file = spec({
      message: `payload: {type: object, properties: {tree: &tree {type: object, properties: {children: {type: array, items: *tree}}}}}\nexamples: [{payload: {}}]`,
    });
    const error = await refusal(file);
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([[file, '/components/messages/OrderPlaced/payload/properties/tree/properties/children/items', 13]]);
    const { message } = error.problems[0]!;
    expect(message).toMatch(/^the YAML alias \*tree refers to the node &tree, which it is inside: a recursive schema/);
    expect(message).toContain(`name it in components.schemas and refer to it with $ref: '#/components/schemas/<Name>'`);
    expect(message).toMatch(/codegen refuses a recursive payload or headers schema .*flatten it/);
    expect(error.message).not.toMatch(/not a valid AsyncAPI document/);
    expect(error.message).not.toMatch(/framework's checks/);
    expect(error.message).not.toMatch(/Write the value out in full/);
  });
});

describe('a $ref the parser left unresolved (a cycle written in a referenced file)', () => {
  /*
   * The fixture's contract references bindings.json, queues.yaml, schemas.json and other.json. A
   * $ref in those files that resolves to something else resolves (in-file '#/Point' and
   * '#/refundsDlq', another file's 'other.json#/Tag'); one that leads back to a place it is inside,
   * in-file ('#/Category', a recursive schema) or by file name ('bindings.json#/q/sqs/queue',
   * through '#/queues/dlq'), is left by the parser as a literal {"$ref": …} object, without an error;
   * so is the recursive schema '#/Tree' of the HTTP binding of `consume`, which the framework does not read.
   */
  const fixture = path.resolve(import.meta.dirname, 'fixtures/unresolved-refs');
  const shown = (file: string) => path.relative(process.cwd(), path.join(fixture, file));

  it('is refused where it is written (file, pointer, line) saying what to change, every one in one report, without the follow-on problems of the $ref read as a value', async () => {
    const error = await refusal(path.join(fixture, 'asyncapi.yaml'));
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([
      [shown('schemas.json'), '/Category/properties/children/items', 17],
      [shown('bindings.json'), '/queues/dlq', 13],
    ]);
    const [schema, binding] = error.problems.map((p) => p.message);
    expect(schema).toBe(
      'the AsyncAPI parser left the $ref "#/Category" here unresolved, without an error (the document reaches it as #/channels/ordersTopic/messages/OrderPlaced/payload/properties/category/properties/children/items): ' +
        'it leads back, directly or through other $refs, to a place it is inside (a cycle), and in a file the contract references (not in the contract itself) the parser leaves such a cycle as a literal {"$ref": …} object, ' +
        'so the payload schema at #/channels/ordersTopic/messages/OrderPlaced/payload is recursive. Codegen inlines every schema into the types and validators, so recursive schemas are not supported: ' +
        "bound the depth (a schema per level, the deepest without the self-reference), or send the tree flat (a list of nodes, each with its parent's id)",
    );
    expect(binding).toMatch(/^the AsyncAPI parser left the \$ref "bindings\.json#\/q\/sqs\/queue" here unresolved, without an error \(the document reaches it as #\/channels\/orderQueue\/bindings\/sqs\/queue\/redrivePolicy\/deadLetterQueue\): /);
    expect(binding).toMatch(/so the sqs binding at #\/channels\/orderQueue\/bindings\/sqs would be read with \{"\$ref": "bindings\.json#\/q\/sqs\/queue"\} in place of the value\. .*write the value out here in full \(finite\), without the \$ref back$/);
    expect(readFileSync(path.join(fixture, 'bindings.json'), 'utf8').split('\n')[12]).toContain('"$ref": "bindings.json#/q/sqs/queue"');
    expect(readFileSync(path.join(fixture, 'schemas.json'), 'utf8').split('\n')[16]).toContain('"$ref": "#/Category"');
    // Not the $ref read as a value: a dead-letter queue with no name, a schema ajv cannot resolve.
    expect(error.message).not.toMatch(/redrives to|no name|can't resolve|not a schema the validators can compile/);
  });

  it('the same files with those two cycles written out are read: the $refs of a referenced file that lead elsewhere resolve; the one left in an HTTP binding (which nothing of the framework reads) is no problem', async () => {
    const copy = mkdtempSync(path.join(dir, 'unresolved-refs-'));
    cpSync(fixture, copy, { recursive: true });
    const edit = (file: string, from: string, to: string) => {
      const text = readFileSync(path.join(copy, file), 'utf8');
      expect(text).toContain(from);
      writeFileSync(path.join(copy, file), text.replace(from, to));
    };
    edit('bindings.json', '"dlq": { "$ref": "bindings.json#/q/sqs/queue" }', '"dlq": { "name": "OrderDLQ", "fifoQueue": false }');
    edit('bindings.json', '"bindingVersion": "0.2.0"', '"deadLetterQueue": { "$ref": "#/queues/dlq" },\n      "bindingVersion": "0.2.0"');
    edit('schemas.json', '"items": { "$ref": "#/Category" }', '"items": { "type": "string" }');
    const { messages, topology } = await readContract(path.join(copy, 'asyncapi.yaml'));
    expect(topology.queues.OrderQueue!.deadLetter).toEqual({ queue: 'OrderDLQ', maxReceiveCount: 3 });
    expect(topology.queues.RefundQueue!.deadLetter).toEqual({ queue: 'RefundDLQ', maxReceiveCount: 3 });
    const payload = messages[0]!.payloadSchema;
    expect(payload.properties.at).toEqual({ type: 'object', properties: { x: { type: 'number' } } });
    expect(payload.properties.tag).toEqual({ type: 'string', enum: ['a', 'b'] });
  });
});

describe("a $ref: '#' in a file the contract references", () => {
  it("is refused where it is written (file, pointer, line), saying the AsyncAPI parser reads '#' there as the whole contract's root, not as '# contains itself'", async () => {
    const schemas = path.join(dir, 'hash-schemas.yaml');
    writeFileSync(schemas, `Node:\n  type: object\n  properties:\n    id: {type: string}\n    child:\n      $ref: '#'\n`);
    const whole = path.join(dir, 'hash-node.yaml');
    writeFileSync(whole, `type: object\nproperties:\n  id: {type: string}\n  parent: {$ref: '#'}\n`);
    for (const [payload, file, pointer, line] of [
      ['./hash-schemas.yaml#/Node', schemas, '/Node/properties/child', 6],
      ['./hash-node.yaml', whole, '/properties/parent', 4],
    ] as const) {
      const contract = spec({ message: `payload: {$ref: '${payload}'}\nexamples: [{payload: {id: n-1}}]` });
      const error = await refusal(contract);
      expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([[file, pointer, line]]);
      expect(readFileSync(file, 'utf8').split('\n')[line - 1]).toMatch(/\$ref: '#'/);
      const message = error.problems[0]!.message;
      expect(message).toMatch(
        new RegExp(
          `^the \\$ref "#" here is read by the AsyncAPI parser as the root of the whole contract \\(${contract.replace(/[.\\/]/g, '\\$&')}\\), not of ${path.basename(file).replace('.', '\\.')}: ` +
            `inside a file the contract references, "#" stands for the contract's root, so the payload of OrderPlaced contains the whole document \\(the document reaches this \\$ref as #/components/messages/OrderPlaced/payload/`,
        ),
      );
      expect(message).toMatch(/To refer to a place of this file, write its pointer \('#\/<Name>'; 'hash-(schemas|node)\.yaml#\/<Name>' from the contract\); a schema that contains itself is recursive all the same/);
      expect(message).toMatch(/bound the depth .*or send the tree flat/);
      expect(error.message).not.toMatch(/# contains itself/);
    }
  });

  it("in an SNS binding: refused where it is written, saying the same, and that a binding must be finite plain data", async () => {
    const bindings = path.join(dir, 'hash-bindings.yaml');
    writeFileSync(bindings, `sns:\n  name: orders\n  x-back: {$ref: '#'}\n  bindingVersion: 0.1.0\n`);
    const contract = spec({ message: `payload: {type: object, properties: {id: {type: string}}}\nexamples: [{payload: {id: o-1}}]` });
    const text = readFileSync(contract, 'utf8');
    writeFileSync(contract, text.replace('bindings: {sns: {name: orders, bindingVersion: 0.1.0}}', "bindings: {$ref: './hash-bindings.yaml'}"));
    const error = await refusal(contract);
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([[bindings, '/sns/x-back', 3]]);
    expect(error.problems[0]!.message).toMatch(/^the \$ref "#" here is read by the AsyncAPI parser as the root of the whole contract \(.*\), not of hash-bindings\.yaml: .*so the sns binding at #\/channels\/ordersTopic\/bindings\/sns contains the whole document/);
    expect(error.problems[0]!.message).toMatch(/a binding must be finite plain data \(the framework reads, compares and deploys it as written\): write the value out in full, without the \$ref$/);
  });
});

describe('a $ref key whose value is no string', () => {
  /*
   * The AsyncAPI parser reads every "$ref" key as a reference, wherever it is (a property's name,
   * an example's data, an extension), and fails on one that is no string: "Error thrown during
   * AsyncAPI document parsing … path.startsWith is not a function, stack: …", naming no place.
   */
  /** The 1-based line of the first line of `file` that contains `text` (checked to be there). */
  const lineOf = (file: string, text: string) => {
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(line).toBeGreaterThan(0);
    return line;
  };

  it('is refused before the parser, every one in one report with file, pointer, line and what to change (a property named $ref: rename it), in the contract and in what its $refs reach of another file', async () => {
    const other = path.join(dir, 'refs-other.yaml');
    // Reached from the payload: Tag (and what its own $ref reaches, Label); never reached: Unused (the parser does not read it).
    writeFileSync(other, `Tag:\n  type: object\n  properties:\n    label: {$ref: '#/Label'}\nLabel:\n  type: object\n  properties:\n    $ref: {type: string}\nUnused: {$ref: 7}\n`);
    const file = spec({
      message: `
payload:
  type: object
  properties:
    id: {type: string}
    $ref: {type: string}
    tag: {$ref: './refs-other.yaml#/Tag'}
examples:
  - payload: {id: o-1, x: {$ref: 3}}
x-note: {$ref: null}`,
      components: `
schemas:
  Loose: {$ref: 42}
  Tree: &tree {type: object, properties: {child: *tree}}`,
    });
    const error = await refusal(file);
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([
      // The YAML alias, found before the parser too: the same report.
      [file, '/components/schemas/Tree/properties/child', lineOf(file, '  Tree: &tree')],
      [file, '/components/messages/OrderPlaced/payload/properties/$ref', lineOf(file, '    $ref: {type: string}')],
      [file, '/components/messages/OrderPlaced/examples/0/payload/x/$ref', lineOf(file, '{$ref: 3}')],
      [file, '/components/messages/OrderPlaced/x-note/$ref', lineOf(file, '{$ref: null}')],
      [file, '/components/schemas/Loose/$ref', lineOf(file, '{$ref: 42}')],
      [other, '/Label/properties/$ref', 8],
    ]);
    const [, property, data, note, loose, inOther] = error.problems.map((p) => p.message);
    const fails = 'the AsyncAPI parser reads every "$ref" key as a reference, wherever it is, and fails on one whose value is no string (in most places with a stack trace that names no place)';
    expect(property).toBe(
      `a property named "$ref" (its schema is an object): ${fails}. ` +
        'Rename the property (e.g. "ref"), in required and in the examples too (a "$ref" key in an example is read as a reference as well)',
    );
    expect(data).toBe(`a "$ref" key in data (under examples), its value 3: ${fails}. Rename the key (and the schema's property it stands for)`);
    expect(note).toMatch(new RegExp(`^\\$ref is null, but a \\$ref must be a string, a URI reference to what it stands for \\('#/components/schemas/<Name>' in the same file, '<file>\\.yaml#/<Name>' in another\\): `));
    expect(note).toMatch(/Write the reference as a string, or remove the \$ref$/);
    expect(loose).toMatch(new RegExp(`^\\$ref is 42, but a \\$ref must be a string`));
    expect(inOther).toMatch(/^a property named "\$ref"/);
    expect(readFileSync(other, 'utf8').split('\n')[7]).toBe('    $ref: {type: string}');
    // Not the parser's crash, nor a parser error: the parser did not run.
    expect(error.message).not.toMatch(/startsWith|stack:|not a valid AsyncAPI document|framework's checks/);
    expect(error.message).not.toMatch(/Unused/);
  });

  it('a remote $ref (the parser does not run: it would fetch it) is in the same report as the $refs that are no string', async () => {
    const file = spec({ message: `payload: {type: object, properties: {id: {type: string}, at: {$ref: 'https://example.com/point.json'}, $ref: {type: string}}}` });
    const error = await refusal(file);
    expect(error.problems.map((p) => [p.pointer, p.message.split(':')[0]])).toEqual([
      ['/components/messages/OrderPlaced/payload/properties/at/$ref', '$ref https'],
      ['/components/messages/OrderPlaced/payload/properties/$ref', `a property named "$ref" (its schema is an object)`],
    ]);
    expect(error.problems[0]!.message).toMatch(/is remote: the framework works offline/);
  });

  it('npm run codegen prints them without a stack trace and writes nothing', async () => {
    const file = spec({ message: `payload: {type: object, properties: {id: {type: string}, $ref: {type: string}}}` });
    const out = path.join(dir, 'refs-out');
    const err: string[] = [];
    const code = await runCli(codegenProgram, ['--spec', file, '--out', out], { out: () => {}, err: (line: string) => err.push(line), progress: { write: () => true } });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/#\/components\/messages\/OrderPlaced\/payload\/properties\/\$ref \(line \d+\): a property named "\$ref"/);
    expect(err.join("\n")).not.toMatch(/startsWith|stack:/);
    expect(() => readdirSync(out)).toThrow();
  });
});

describe('placeOf', () => {
  it('reads a path along the document structure: a binding (read when SNS or SQS), a schema (a message payload or headers, or another), or neither', async () => {
    const { placeOf } = await import('@sluice/codegen/parse');
    expect(placeOf(['operations', 'send', 'bindings', 'http', 'query', 'properties', 'child'])).toEqual({ kind: 'binding', protocol: 'http', depth: 4, read: false });
    expect(placeOf(['channels', 'q', 'bindings', 'sqs', 'queue', 'policy'])).toEqual({ kind: 'binding', protocol: 'sqs', depth: 4, read: true });
    expect(placeOf(['components', 'messages', 'M', 'payload', 'properties', 'bindings', 'sns'])).toEqual({ kind: 'schema', depth: 4, message: true });
    expect(placeOf(['operations', 'o', 'channel', 'messages', 'M', 'headers'])).toEqual({ kind: 'schema', depth: 6, message: true });
    expect(placeOf(['components', 'schemas', 'Q', 'properties'])).toEqual({ kind: 'schema', depth: 3, message: false });
    expect(placeOf(['components', 'operationBindings', 'b', 'sns', 'consumers'])).toEqual({ kind: 'binding', protocol: 'sns', depth: 4, read: true });
    expect(placeOf(['info', 'x-loop'])).toEqual({ kind: 'other' });
    expect(placeOf(['components', 'schemas'])).toEqual({ kind: 'other' });
  });
});

describe('fields beside a $ref in an SNS or SQS binding', () => {
  /*
   * AsyncAPI's Reference Object takes its target alone and the parser drops what is beside it: a
   * visibilityTimeout or a rawMessageDelivery written there was deployed as the target said, with no
   * word (found by a review of bindings written as their official layouts allow).
   */
  it('are refused where they are written, every one in one report: a channel\'s queue, an operation\'s queues, an SNS consumer, and in a file a binding\'s $ref reaches', async () => {
    const other = path.join(dir, 'binding-parts.yaml');
    writeFileSync(other, `audit:\n  protocol: sqs\n  endpoint: {$ref: '#/endpoint', name: OrderQueue}\nendpoint: {name: OrderQueue}\n`);
    const file = path.join(dir, 'ref-siblings.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}, bindings: {sns: {name: orders, bindingVersion: 0.1.0}}}
  orderQueue:
    address: OrderQueue
    messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}
    bindings:
      sqs:
        queue:
          $ref: '#/components/x-queues/orders'
          visibilityTimeout: 77
          deliveryDelay: 12
          x-note: nothing deploys an extension
        bindingVersion: 0.2.0
operations:
  publish:
    action: send
    channel: {$ref: '#/channels/ordersTopic'}
    bindings:
      sns:
        consumers:
          - {$ref: '#/components/x-consumers/orders', rawMessageDelivery: true}
          - {$ref: './binding-parts.yaml#/audit'}
        bindingVersion: 0.1.0
  consume:
    action: receive
    channel: {$ref: '#/channels/orderQueue'}
    bindings:
      sqs:
        queues: [{$ref: '#/channels/orderQueue/bindings/sqs/queue', tags: {team: orders}}]
        bindingVersion: 0.2.0
components:
  x-queues:
    orders: {name: OrderQueue, fifoQueue: false}
  x-consumers:
    orders: {protocol: sqs, endpoint: {name: OrderQueue}, rawMessageDelivery: false}
  messages:
    OrderPlaced:
      payload:
        type: object
        properties:
          total: {$ref: '#/components/schemas/Money', description: 'a schema $ref with a description is not a binding'}
  schemas:
    Money: {type: number}
`,
    );
    const error = await refusal(file);
    expect(error.problems.map((p) => [p.file, p.pointer, p.line])).toEqual([
      [file, '/channels/orderQueue/bindings/sqs/queue', 11],
      [file, '/operations/publish/bindings/sns/consumers/0', 23],
      [file, '/operations/consume/bindings/sqs/queues/0', 31],
      [other, '/audit/endpoint', 3],
    ]);
    expect(error.problems[0]!.message).toBe(
      'visibilityTimeout, deliveryDelay are written beside $ref "#/components/x-queues/orders": AsyncAPI reads a $ref\'s target alone and ignores what is beside it, so they would not be deployed. Move visibilityTimeout, deliveryDelay into #/components/x-queues/orders, or write the object out in full without the $ref',
    );
    expect(error.problems[1]!.message).toMatch(/^rawMessageDelivery is written beside \$ref "#\/components\/x-consumers\/orders": .* so it would not be deployed\. Move rawMessageDelivery into/);
    expect(error.problems[3]!.message).toMatch(/^name is written beside \$ref "#\/endpoint"/);
  });
});

describe("where the framework's own problems and warnings are written", () => {
  /** A contract with dotted channel keys whose queue binding is in another file, with what the framework refuses and warns about there. */
  function dottedWithBindingsElsewhere(valid: boolean): { file: string; bindings: string } {
    const sub = mkdtempSync(path.join(dir, 'said-'));
    const file = path.join(sub, 'asyncapi.yaml');
    const bindings = path.join(sub, 'bindings.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  thing.events:
    address: ThingTopic
    messages: {thingHappened: {$ref: '#/components/messages/ThingHappened'}}
    bindings: {sns: {name: ThingTopic}}
  thing.queue:
    address: ThingQueue
    messages: {thingHappened: {$ref: '#/components/messages/ThingHappened'}}
    bindings: {$ref: './bindings.yaml#/q'}
operations:
  publishThing:
    action: send
    channel: {$ref: '#/channels/thing.events'}
    bindings: {sns: {consumers: [{protocol: sqs, endpoint: {name: ThingQueue}, rawMessageDelivery: false}]}}
  consumeThing: {action: receive, channel: {$ref: '#/channels/thing.queue'}}
components:
  messages:
    ThingHappened:
      x-schema-version: 1.0.0
      payload: {type: object, properties: {id: {type: string}}}
      examples: [{payload: {id: a}}]
`,
    );
    // Not valid: tags AWS refuses (line 5), a binding version the parser refuses (line 7). Valid: a
    // dead-letter queue linked with the binding's default count, which is warned about (line 6).
    writeFileSync(
      bindings,
      valid
        ? `q:\n  sqs:\n    queue:\n      name: ThingQueue\n      fifoQueue: false\n    deadLetterQueue: {name: ThingDLQ, fifoQueue: false}\n    bindingVersion: 0.2.0\n`
        : `q:\n  sqs:\n    queue:\n      name: ThingQueue\n      tags: {team: 5}\n      fifoQueue: false\n    bindingVersion: '0.2'\n`,
    );
    // A message with no x-schema-version (valid): a warning that names the message by name only.
    if (valid) writeFileSync(file, readFileSync(file, 'utf8').replace('      x-schema-version: 1.0.0\n', ''));
    return { file, bindings };
  }

  it('a problem of a binding in another file, under a channel key with dots, is said with that file, its pointer and its line', async () => {
    const { file, bindings } = dottedWithBindingsElsewhere(false);
    const error = await refusal(file);
    expect(error.message).toContain(`\n  - ${bindings}#/q/sqs/queue/tags (line 5): channels.thing.queue.bindings.sqs.queue.tags must be an object of string values`);
  });

  it('a warning is said after the file and line of the place it names, by codegen and in a refusal; one naming a message by name, at its declaration', async () => {
    const { file, bindings } = dottedWithBindingsElsewhere(false);
    expect((await refusal(file)).message).toContain(`\n  - warning: ${bindings}#/q/sqs/bindingVersion (line 7): channels.thing.queue.bindings.sqs.bindingVersion is "0.2"`);
    const valid = dottedWithBindingsElsewhere(true);
    const err: string[] = [];
    const code = await runCli(codegenProgram, ['--spec', valid.file, '--out', path.join(path.dirname(valid.file), 'generated')], { out: () => {}, err: (line: string) => err.push(line), progress: { write: () => true } });
    expect(code, err.join('\n')).toBe(0);
    expect(err).toContainEqual(expect.stringMatching(new RegExp(`^codegen: warning: ${valid.bindings.replace(/[.]/g, '\\.')}#/q/sqs/deadLetterQueue \\(line 6\\): channels\\.thing\\.queue\\.bindings\\.sqs\\.deadLetterQueue: ThingDLQ is ThingQueue's dead-letter queue`)));
    expect(err).toContainEqual(expect.stringMatching(new RegExp(`^codegen: warning: ${valid.file.replace(/[.]/g, '\\.')} \\(line 20\\): ThingHappened has no x-schema-version`)));
  });
});

describe('a $ref to a channel key with a dot whose start is another channel key', () => {
  it("is refused saying that the AsyncAPI parser reads it as that channel's field, and what to rename (it said only that the channel is none of the document's)", async () => {
    const file = path.join(dir, 'dotted-channels.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  user.address: {address: user-address-changed, messages: {changed: {$ref: '#/components/messages/Changed'}}, bindings: {sns: {name: user-address-changed}}}
  user: {address: users, messages: {changed: {$ref: '#/components/messages/Changed'}}, bindings: {sns: {name: users}}}
operations:
  publish: {action: send, channel: {$ref: '#/channels/user'}}
  publishAddress: {action: send, channel: {$ref: '#/channels/user.address'}}
components:
  messages:
    Changed: {x-schema-version: 1.0.0, payload: {type: object, properties: {id: {type: string}}}, examples: [{payload: {id: x}}]}
`,
    );
    const error = await refusal(file);
    expect(error.problems.map((p) => p.message)).toEqual([
      'operations.publishAddress: its channel is not one of the document\'s channels (it reads as "users"): the AsyncAPI parser reads a $ref to channels.user.address as channels.user and a field of it, address, when channels.user exists. Rename the channel user.address to a key without the dot (e.g. userAddress) and its $refs with it',
    ]);
    // Another operation whose channel is wrong in another way gets no such hint (it named the first pair of keys for any).
    writeFileSync(file, readFileSync(file, 'utf8').replace("  publish: {action: send, channel: {$ref: '#/channels/user'}}", "  publish: {action: send, channel: {$ref: '#/components/x-nothing'}}").replace('components:\n', 'components:\n  x-nothing: {address: nowhere}\n'));
    const other = await refusal(file);
    expect(other.message).toMatch(/: operations\.publish: its channel is not one of the document's channels\n/);
  });
});

describe('titles within one payload, as the contract is read', () => {
  const repo = path.resolve(import.meta.dirname, '../../..');

  it("Springwolf's SNS example generates: its x-json-schema annotation repeats the payload's own schema under its title, and is no second schema of it", async () => {
    // Refused before ("the schemas at /properties/example and /properties/example/x-json-schema are both titled ExamplePayloadDto and differ"), though create accepted it.
    const copy = path.join(dir, 'springwolf-sns');
    cpSync(path.join(repo, 'packages/model/tests/fixtures/bindings/springwolf-sns.json'), path.join(copy, 'asyncapi.json'), { recursive: true });
    const err: string[] = [];
    const code = await runCli(codegenProgram, ['--spec', path.join(copy, 'asyncapi.json'), '--out', path.join(copy, 'generated'), '--consumers', path.join(copy, 'consumers')], { out: () => {}, err: (line: string) => err.push(line), progress: { write: () => true } });
    expect(err.join('\n')).not.toMatch(/Types would be lost|both titled/);
    expect(code, err.join('\n')).toBe(0);
    expect(readFileSync(path.join(copy, 'generated/types.d.ts'), 'utf8')).toMatch(/interface ExamplePayloadDto \{/);
  });

  it('two different schemas under one title are refused by readContract (so by create too, not only by codegen), with the other problems in the same report', async () => {
    const file = spec({
      message: `
contentType: text/plain
payload:
  type: object
  properties:
    shipping: {type: object, title: Address, x-note: {title: Address, type: string}, properties: {street: {type: string}}}
    billing: {type: object, title: Address, properties: {iban: {type: string}}}
    x-meta: {type: object, title: Meta, properties: {a: {type: string}}}
    meta: {type: object, title: Meta, properties: {b: {type: number}}}`,
    });
    const error = await refusal(file);
    // A property named x-meta is a property, not an annotation: its schema clashes too (it was skipped, and the two merged into one Meta).
    expect(error.problems.map((p) => p.pointer).sort()).toEqual(['/components/messages/OrderPlaced/contentType', '/components/messages/OrderPlaced/payload/properties/billing', '/components/messages/OrderPlaced/payload/properties/meta']);
    expect(at(error.problems, '/components/messages/OrderPlaced/payload/properties/billing')[0]!.message).toBe(
      'the payload of OrderPlaced: the schemas at #/components/messages/OrderPlaced/payload/properties/shipping and here (#/components/messages/OrderPlaced/payload/properties/billing) are both titled "Address" and differ: they would be one TypeScript type Address, and one of them lost; give one of them its own title',
    );
  });
});

describe('a $ref path percent-encoded', () => {
  it('to a file whose decoded name exists is refused saying the parser reads the path as written, and what to write', async () => {
    writeFileSync(path.join(dir, 'payload schema.json'), JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }));
    const error = await refusal(spec({ message: `payload: {$ref: 'payload%20schema.json'}` }));
    expect(error.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^\$ref payload%20schema\.json: .*payload%20schema\.json does not exist\. The AsyncAPI parser reads a \$ref's path as written, without percent-decoding it, and "payload schema\.json" exists: write the \$ref as "payload schema\.json"$/),
    ]);
    // Written so, it is read.
    const read = await readContract(spec({ message: `payload: {$ref: 'payload schema.json'}` }));
    expect(read.messages.map((m) => m.properties)).toEqual([['id']]);
    // A path nothing decodes to is said as before.
    expect((await refusal(spec({ message: `payload: {$ref: 'no%20such.json'}` }))).problems.map((p) => p.message)).toEqual([expect.stringMatching(/no%20such\.json does not exist$/)]);
  });
});
