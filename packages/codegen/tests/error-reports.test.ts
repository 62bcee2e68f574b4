/**
 * What codegen says of a contract it refuses, as its author reads it: the file to fix is the one
 * the errors are in, a consequence of an error is not said as one more, a document that does not
 * read as YAML is reported by its YAML errors alone, and a misspelt key is named with its spelling.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { codegenProgram } from '@sluice/codegen';

const dir = mkdtempSync(path.join(tmpdir(), 'error-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
/** A project folder with `files` (path → text) written; returns the folder. */
function project(files: Record<string, string>): string {
  const root = path.join(dir, `p${++count}`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** What `npm run codegen -- --spec <root>/asyncapi.yaml` (and `more` arguments: `--check`) prints, and its exit code. */
async function codegen(root: string, ...more: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), progress: { write: () => true } };
  const code = await runCli(codegenProgram, ['--spec', path.join(root, 'asyncapi.yaml'), '--out', path.join(root, 'generated'), '--consumers', path.join(root, 'consumers'), ...more], io);
  return { code, text: lines.join('\n') };
}

const SPEC = `asyncapi: 3.0.0
info:
  title: Shipping
  version: 1.0.0
channels:
  shipments:
    address: shipments
    messages:
      OrderShipped:
        $ref: '#/components/messages/OrderShipped'
    bindings:
      sns:
        name: shipments
  shipmentQueue:
    address: ShipmentQueue
    messages:
      OrderShipped:
        $ref: '#/components/messages/OrderShipped'
    bindings:
      sqs:
        queue:
          name: ShipmentQueue
          fifoQueue: false
          redrivePolicy:
            deadLetterQueue:
              name: ShipmentDLQ
            maxReceiveCount: 3
        deadLetterQueue: {
          name: ShipmentDLQ, fifoQueue: false,
          messageRetentionPeriod: 1209600 }
operations:
  publishOrderShipped:
    action: send
    channel:
      $ref: '#/channels/shipments'
    bindings:
      sns:
        consumers:
          - protocol: sqs
            endpoint:
              name: ShipmentQueue
            rawMessageDelivery: false
  handleOrderShipped:
    action: receive
    channel:
      $ref: '#/channels/shipmentQueue'
components:
  messages:
    OrderShipped:
      x-schema-version: 1.0.0
      payload:
        $ref: './schemas/order-shipped.v1.json'
      examples:
        - payload:
            orderId: o-1
`;

const SCHEMA = `{
  "type": "object",
  "required": ["orderId"],
  "properties": {
    "orderId": { "type": "string" }
  }
}
`;

describe('the fixture', () => {
  it('is a valid contract as written', async () => {
    const root = project({ 'asyncapi.yaml': SPEC, 'schemas/order-shipped.v1.json': SCHEMA, 'consumers/handleOrderShipped.ts': 'export {};\n' });
    const { code, text } = await codegen(root);
    expect(text, text).not.toMatch(/problem|warning/);
    expect(code, text).toBe(0);
  });
});

describe('an error in a schema file the contract references', () => {
  it('is to be fixed in that file, said once (not also as the "else" schema the payload must match)', async () => {
    const root = project({ 'asyncapi.yaml': SPEC, 'schemas/order-shipped.v1.json': SCHEMA.replace('"type": "string"', '"type": "strin"') });
    const { code, text } = await codegen(root);
    expect(code).toBe(1);
    expect(text).toMatch(/schemas\/order-shipped\.v1\.json#\/properties\/orderId\/type \(line 5\): "type" property must be equal to one of the allowed values/);
    expect(text).not.toMatch(/must match "else" schema/);
    expect(text).toMatch(/\nFix \S*schemas\/order-shipped\.v1\.json and run npm run codegen again\.$/);
  });

  it('and one in the contract too: both files to fix, the contract first; a binding\'s "then" line goes when a line under it says what', async () => {
    const root = project({
      'asyncapi.yaml': SPEC.replace('            rawMessageDelivery: false\n', ''),
      'schemas/order-shipped.v1.json': SCHEMA.replace('"type": "string"', '"type": "strin"'),
    });
    const { code, text } = await codegen(root);
    expect(code).toBe(1);
    expect(text).toMatch(/operations\.publishOrderShipped\.bindings\.sns\.consumers\.0 \(line \d+\): Item at index 0 must have required property "rawMessageDelivery" — add rawMessageDelivery/);
    expect(text).not.toMatch(/must match "(then|else)" schema/);
    expect(text).toMatch(/\nFix \S*asyncapi\.yaml and \S*schemas\/order-shipped\.v1\.json and run npm run codegen again\.$/);
  });
});

describe('a contract that does not read as YAML', () => {
  it('is reported by its YAML error, where the key out of line is, and not by what the parser made of the rest (one bad indent gave several errors, one at "channels." with an empty key)', async () => {
    // `messages:` of shipmentQueue one space short: the lines after it are out of line too.
    const root = project({ 'asyncapi.yaml': SPEC.replace('    address: ShipmentQueue\n    messages:', '    address: ShipmentQueue\n   messages:'), 'schemas/order-shipped.v1.json': SCHEMA });
    const { code, text } = await codegen(root);
    expect(code).toBe(1);
    expect(text).toMatch(/: 1 problem\(s\), each with where and what to change:\n {2}- \S+asyncapi\.yaml \(line 16, column 4\): All mapping items must start at the same column\n {6}15 \| {5}address: ShipmentQueue\n {6}16 \| {4}messages:\n {6} {2} \| {4}\^\n {6}17 \| {7}OrderShipped:\n {6}\(and 1 more YAML error\(s\) after it, at line 19, which may follow from this one: fix it, then run again\)\n/);
    // No place with an empty segment, no schema error of a half-read document.
    expect(text).not.toMatch(/\.(\s|\(|:)|Mapping key|Duplicate key|must have required/);
  });
});

describe('a misspelt key', () => {
  it('beside a missing required key of a close spelling is named with it: did you mean action?', async () => {
    const root = project({ 'asyncapi.yaml': SPEC.replace('    action: receive', '    acton: receive'), 'schemas/order-shipped.v1.json': SCHEMA });
    const { code, text } = await codegen(root);
    expect(code).toBe(1);
    expect(text).toMatch(/\n {2}- operations\.handleOrderShipped\.acton \(line 44\): Property "acton" is not expected to be here — did you mean action\? It is required there: rename acton to action\n/);
    expect(text).toMatch(/\n {2}- operations\.handleOrderShipped \(line 43\): "handleOrderShipped" property must have required property "action" — add action, or correct the spelling of acton \(line 44\)\n/);
  });

  it('twice (acton and actin beside a missing action): the rename goes to the first of the closest, the other is to be removed (two renames would write action twice)', async () => {
    const root = project({ 'asyncapi.yaml': SPEC.replace('    action: receive', '    acton: receive\n    actin: receive'), 'schemas/order-shipped.v1.json': SCHEMA });
    const { code, text } = await codegen(root);
    expect(code).toBe(1);
    expect(text).toMatch(/\n {2}- operations\.handleOrderShipped\.acton \(line 44\): Property "acton" is not expected to be here — did you mean action\? It is required there: rename acton to action\n/);
    expect(text).toMatch(/\n {2}- operations\.handleOrderShipped\.actin \(line 45\): Property "actin" is not expected to be here — remove it: acton \(line 44\) is the one to rename to action, as one key\n/);
    expect(text).toMatch(/must have required property "action" — add action, or correct the spelling of acton \(line 44\)\n/);
    expect(text.match(/rename \w+ to action/g)).toHaveLength(1);
  });

  it('twice, the closer one written second: the rename goes to it', async () => {
    const root = project({ 'asyncapi.yaml': SPEC.replace('    action: receive', '    acton: receive\n    action2: receive').replace('acton', 'atcon'), 'schemas/order-shipped.v1.json': SCHEMA });
    const { text } = await codegen(root);
    expect(text).toMatch(/action2 \(line 45\): Property "action2" is not expected to be here — did you mean action\? It is required there: rename action2 to action\n/);
    expect(text).toMatch(/atcon \(line 44\): Property "atcon" is not expected to be here — remove it: action2 \(line 45\) is the one to rename to action, as one key\n/);
  });

  it('is not given a guess when no required key is missing, nor one far from it', async () => {
    const root = project({ 'asyncapi.yaml': SPEC.replace('    action: receive', '    action: receive\n    colour: blue'), 'schemas/order-shipped.v1.json': SCHEMA });
    const { text } = await codegen(root);
    expect(text).toMatch(/colour \(line \d+\): Property "colour" is not expected to be here — remove it, or correct its spelling/);
    expect(text).not.toMatch(/did you mean/);
  });
});

describe('a handler that does not parse', () => {
  const HANDLER = [
    "import { operations } from '@orders/contract';",
    "import { defineConsumer } from '@sluice/runtime/consumer';",
    'export const handler = defineConsumer(operations.handleOrderShipped, async (message) => {',
    '  const orderId: string = message.payload.orderId;',
    '  if (orderId === ) return;',
    '});',
    '',
  ].join('\n');

  it('is said by codegen:check at file:line:column with what is wrong, in the one report with every other problem (generated/ stale), and by codegen as what to do next', async () => {
    const root = project({ 'asyncapi.yaml': SPEC, 'schemas/order-shipped.v1.json': SCHEMA, 'consumers/handleOrderShipped.ts': HANDLER });
    const file = path.join(root, 'consumers', 'handleOrderShipped.ts');
    // The column from 1, as editors count it: the `)` is the 19th character of `  if (orderId === ) return;`.
    const problem = `  - ${file}:5:19: Unexpected ")": the handler of handleOrderShipped does not parse; fix it there (npm start and the deployed function could not load it)`;
    const before = await codegen(root, '--check');
    expect(before.code).toBe(1);
    expect(before.text).toMatch(/codegen:check: \S+generated\/ is stale/);
    expect(before.text).toContain(`\ncodegen:check: a handler does not parse:\n${problem}`);
    expect(before.text).not.toContain('every receive operation has its handler');
    // Written anyway, with the handler to fix as the next step (npm test fails until then).
    const written = await codegen(root);
    expect(written.code).toBe(0);
    expect(written.text).toContain(`\ncodegen: next, fix the syntax (npm test fails until you do): a handler does not parse:\n${problem}`);
    const after = await codegen(root, '--check');
    expect(after.code).toBe(1);
    expect(after.text).toMatch(/is up to date/);
    expect(after.text.split('\n').filter((l) => l.startsWith('  - '))).toEqual([problem]);
    // Fixed, it passes.
    writeFileSync(file, HANDLER.replace('orderId === )', "orderId === '')"));
    const fixed = await codegen(root, '--check');
    expect(fixed.text, fixed.text).toContain('every receive operation has its handler');
    expect(fixed.code).toBe(0);
  });

  it('in JavaScript (.mjs) is parsed as JavaScript: a type annotation there does not parse', async () => {
    const root = project({
      'asyncapi.yaml': SPEC,
      'schemas/order-shipped.v1.json': SCHEMA,
      'consumers/handleOrderShipped.mjs': "import { operations } from '@orders/contract';\nexport const handler = defineConsumer(operations.handleOrderShipped, async () => {\n  const a: number = 1;\n});\n",
    });
    const { code, text } = await codegen(root, '--check');
    expect(code).toBe(1);
    expect(text).toMatch(/\ncodegen:check: a handler does not parse:\n {2}- \S+consumers\/handleOrderShipped\.mjs:3:10: Expected ";" but found ":": the handler of handleOrderShipped does not parse; fix it there/);
  });
});
