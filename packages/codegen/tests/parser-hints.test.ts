/**
 * A document the AsyncAPI parser refuses is reported with what to change where the parser's words
 * do not say it, and together with the framework's own problems of its bindings and operations
 * (found on the document read without the parser's checks): one run, every problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CodegenError, readContract } from '@sluice/codegen';
import { parserErrorLines } from '@sluice/codegen/parse';

describe('parserErrorLines', () => {
  it('adds what to change: filter policies (once each), binding versions, principals, unknown and missing fields; not to the umbrella line of a binding', () => {
    const lines = parserErrorLines([
      { path: ['operations', 'pub', 'bindings', 'sns'], message: '"sns" property must match "then" schema', line: 3 },
      { path: ['operations', 'pub', 'bindings', 'sns', 'consumers', 0, 'filterPolicy', 'price'], message: '"price" property type must be string' },
      { path: ['operations', 'pub', 'bindings', 'sns', 'consumers', 0, 'filterPolicy', 'price', 0], message: 'Item at index 0 must be string' },
      { path: ['channels', 'q', 'bindings', 'sqs', 'bindingVersion'], message: '"bindingVersion" property must be equal to one of the allowed values: "0.2.0"' },
      { path: ['channels', 't', 'bindings', 'sns', 'policy', 'statements', 0, 'principal'], message: '"principal" property type must be string' },
      { path: ['channels', 't', 'bindings', 'sns', 'tag'], message: 'Property "tag" is not expected to be here' },
      { path: ['channels', 'q', 'bindings', 'sqs', 'deadLetterQueue'], message: '"deadLetterQueue" property must have required property "fifoQueue"' },
      { path: ['channels', 'lonely', 'bindings', 'sqs'], message: '"sqs" property must match "then" schema' },
      { path: [], message: 'Document must have required property "info"' },
    ]);
    // parseContract drops such a line when lines under it say what (withoutWrappers); given one, it is the parser's words alone.
    expect(lines[0]).toBe('  - operations.pub.bindings.sns (line 3): "sns" property must match "then" schema');
    expect(lines[1]).toMatch(/filterPolicy\.price: "price" property type must be string — the framework writes each subscription's filter policy itself, .*leave filterPolicy out/);
    expect(lines[2]).toBe('  - operations.pub.bindings.sns.consumers.0.filterPolicy.price.0: Item at index 0 must be string');
    expect(lines[3]).toMatch(/bindingVersion: .* — the framework reads SNS bindings 0\.1\.0 and SQS bindings 0\.2\.0, .*write that version, or leave bindingVersion out$/);
    expect(lines[4]).toMatch(/principal: .* — the SNS 0\.1\.0 and SQS 0\.2\.0 schemas take a principal as a string or a list of strings/);
    expect(lines[5]).toMatch(/tag: Property "tag" is not expected to be here — remove it, or correct its spelling/);
    expect(lines[6]).toMatch(/deadLetterQueue: .* — add fifoQueue$/);
    // No line under it: nothing to point at.
    expect(lines[7]).toBe('  - channels.lonely.bindings.sqs: "sqs" property must match "then" schema');
    expect(lines[8]).toBe('  - (document): Document must have required property "info" — add info');
  });
});

describe('a document the parser refuses', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parser-hints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is reported with the framework's own problems too; a field the parser names is said once, a misspelt key inside an object it finds incomplete is kept", async () => {
    const spec = path.join(dir, 'asyncapi.yaml');
    writeFileSync(
      spec,
      `asyncapi: 3.0.0
info: { title: t, version: 1.0.0 }
channels:
  events:
    address: events
    messages: { Thing: { $ref: '#/components/messages/Thing' } }
    bindings: { sns: { name: events, tag: { team: a } } }
  work:
    address: work
    messages: { Thing: { $ref: '#/components/messages/Thing' } }
    bindings:
      sqs:
        queue: { name: work, fifoQueue: false, visibilityTimout: 30, receiveMessageWaitTime: 25 }
operations:
  pub:
    action: send
    channel: { $ref: '#/channels/events' }
    bindings:
      sns:
        consumers:
          - { protocol: sqs, endpoint: { name: work }, rawMessageDelivry: true }
  sub:
    action: receive
    channel: { $ref: '#/channels/work' }
components:
  messages:
    Thing:
      payload: { type: object, properties: { id: { type: string } } }
`,
    );
    const error = await readContract(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CodegenError);
    const message = (error as Error).message;
    // The parser's lines.
    expect(message).toMatch(/channels\.events\.bindings\.sns\.tag \(line \d+\): Property "tag" is not expected to be here — remove it/);
    expect(message).toMatch(/operations\.pub\.bindings\.sns\.consumers\.0 \(line \d+\): .*must have required property "rawMessageDelivery" — add rawMessageDelivery/);
    // The framework's, in the same report.
    const own = message.slice(message.indexOf("and the framework's own checks"));
    expect(own).toMatch(/channels\.work\.bindings\.sqs\.queue\.visibilityTimout is not a field of the binding/);
    expect(own).toMatch(/channels\.work\.bindings\.sqs\.queue\.receiveMessageWaitTime \(queue work, SQS long polling\) must be 0\.\.20 seconds, got 25/);
    expect(own).toMatch(/operations\.pub\.bindings\.sns\.consumers\[0\]\.rawMessageDelivry is not a field of the binding/);
    // Said by the parser already: not twice.
    expect(own).not.toMatch(/channels\.events\.bindings\.sns\.tag/);
  });
});
