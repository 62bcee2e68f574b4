/**
 * governance's loader (contract:diff, contract:release, docs) on a document with an object that
 * contains itself: a binding with a $ref to its own ancestor, or a YAML alias inside the node it
 * names, is refused naming the file and the JSON path, never cut silently or refused without a place.
 * What codegen finds before the parser (a schema property named $ref) is reported as codegen reports it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContractLoadError, loadContract } from '@sluice/governance';

const dir = mkdtempSync(path.join(tmpdir(), 'self-containing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One topic whose SNS binding is `sns` (YAML flow mapping), one message. */
function spec(name: string, sns: string): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}, bindings: {sns: ${sns}}}
operations:
  publish: {action: send, channel: {$ref: '#/channels/ordersTopic'}}
components:
  messages:
    OrderPlaced: {payload: {type: object, properties: {id: {type: string}}}}
`,
  );
  return file;
}

const refusal = (file: string) => loadContract(file).then(() => undefined, (e: unknown) => e as Error);

describe('loadContract: a binding that contains itself', () => {
  it('a $ref back to its ancestor is refused with the file, the path of the reference back and the binding', async () => {
    const file = spec('ref.yaml', `{name: orders, bindingVersion: 0.1.0, x-note: {again: {$ref: '#/channels/ordersTopic/bindings/sns/x-note'}}}`);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ContractLoadError);
    expect(error!.message).toBe(
      `${path.relative(process.cwd(), file)}#/channels/ordersTopic/bindings/sns/x-note/again: the sns binding at #/channels/ordersTopic/bindings/sns contains itself: this refers back to #/channels/ordersTopic/bindings/sns/x-note, which it is inside (a $ref to its own ancestor). ` +
        'A binding must be finite plain data (it is compared and recorded as written): write the value out in full, without the $ref back.',
    );
  });

  it('a YAML alias inside the node it names is refused, not read cut after two levels', async () => {
    const file = spec('alias.yaml', `{name: orders, bindingVersion: 0.1.0, x-loop: &loop {again: *loop}}`);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ContractLoadError);
    expect(error!.message).toBe(
      `${path.relative(process.cwd(), file)}: 1 problem(s), each with where and what to change:\n  - ${path.relative(process.cwd(), file)}#/channels/ordersTopic/bindings/sns/x-loop/again: (line 4) the YAML alias *loop refers to the node &loop, which it is inside: ` +
        'the AsyncAPI parser reads it cut after two levels, with null in place of the rest, silently, so the sns binding at #/channels/ordersTopic/bindings/sns would be read cut short: ' +
        'a binding must be finite plain data (the framework reads, compares and deploys it as written). Write the value out in full (finite), without the alias back to its own ancestor',
    );
    expect(error!.message).toMatch(/the sns binding at #\/channels\/ordersTopic\/bindings\/sns would be read cut short/);
  });
});

describe('loadContract: a recursive schema the framework does not read', () => {
  it('in an HTTP binding (valid AsyncAPI; only sns and sqs bindings are read) is loaded, the reference back kept as the $ref it was, and a snapshot of it loads the same', async () => {
    const file = path.join(dir, 'http.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}, bindings: {sns: {name: orders, bindingVersion: 0.1.0}}}
operations:
  publish: {action: send, channel: {$ref: '#/channels/ordersTopic'}, bindings: {http: {method: POST, query: {$ref: '#/components/schemas/Q'}}}}
components:
  schemas:
    Q: {type: object, properties: {child: {$ref: '#/components/schemas/Q'}}}
  messages:
    OrderPlaced: {payload: {type: object, properties: {id: {type: string}}}}
`,
    );
    const loaded = await loadContract(file);
    const q = { type: 'object', properties: { child: { $ref: '#/components/schemas/Q' } } };
    expect(loaded.operations.publish.bindings.http.query).toEqual({ $ref: '#/components/schemas/Q' });
    expect(loaded.components.schemas.Q).toEqual(q);
    const snapshot = path.join(dir, 'http-snapshot.json');
    writeFileSync(snapshot, JSON.stringify(loaded));
    expect(await loadContract(snapshot)).toEqual(loaded);
  });

  it('a recursive payload schema stays refused with its place (contract snapshots support only non-recursive schemas; codegen refuses it too)', async () => {
    const file = path.join(dir, 'payload.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}}
components:
  schemas:
    Q: {type: object, properties: {child: {$ref: '#/components/schemas/Q'}}}
  messages:
    OrderPlaced: {payload: {$ref: '#/components/schemas/Q'}}
`,
    );
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ContractLoadError);
    expect(error!.message).toBe(
      `${path.relative(process.cwd(), file)}#/channels/ordersTopic/messages/OrderPlaced/payload/properties/child: the contract has a recursive schema (this refers back to #/channels/ordersTopic/messages/OrderPlaced/payload, which it is inside); contract snapshots support only non-recursive schemas.`,
    );
  });
});

describe('loadContract: what codegen finds before the parser', () => {
  it('a schema property named $ref (no string) is reported as codegen reports it (file, pointer, line, what to change), not as "not a valid AsyncAPI document"', async () => {
    const file = path.join(dir, 'ref-property.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}}
components:
  messages:
    OrderPlaced:
      payload:
        type: object
        properties:
          $ref: {type: string}
`,
    );
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ContractLoadError);
    const shown = path.relative(process.cwd(), file);
    // codegen's report, word for word (its problemsError): the count, then one line per place.
    expect(error!.message).toBe(
      `${shown}: 1 problem(s), each with where and what to change:\n  - ${shown}#/components/messages/OrderPlaced/payload/properties/$ref: (line 11) a property named "$ref" (its schema is an object): ` +
        'the AsyncAPI parser reads every "$ref" key as a reference, wherever it is, and fails on one whose value is no string (in most places with a stack trace that names no place). ' +
        'Rename the property (e.g. "ref"), in required and in the examples too (a "$ref" key in an example is read as a reference as well)',
    );
  });

  it('a remote $ref is refused where it is written, without fetching it (the framework works offline, as codegen does), with a missing local file in the same report', async () => {
    const file = path.join(dir, 'remote-ref.yaml');
    writeFileSync(
      file,
      `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  ordersTopic: {address: orders, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}}}
components:
  messages:
    OrderPlaced:
      payload: {$ref: 'https://schemas.invalid/order.json'}
      headers: {$ref: './no-such-headers.json'}
`,
    );
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ContractLoadError);
    const shown = path.relative(process.cwd(), file);
    expect(error!.message).toBe(
      `${shown}: 2 problem(s), each with where and what to change:\n` +
        `  - ${shown}#/components/messages/OrderPlaced/payload/$ref: $ref https://schemas.invalid/order.json is remote: the framework works offline and does not fetch it. Download it beside the contract and $ref the local file\n` +
        `  - ${shown}#/components/messages/OrderPlaced/headers/$ref: $ref ./no-such-headers.json: ${path.relative(process.cwd(), path.join(dir, 'no-such-headers.json'))} does not exist`,
    );
  });
});
