/**
 * The convention that finds each receive operation's handler (`<consumers>/<operationId>.ts`),
 * and the settings that go with it: what is missing or left over is reported with what to add.
 * On the single-consumer fixture as a project of its own (tests/fixtures/single-consumer), not the
 * order application, whose own handlers and settings are checked by the application's tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHandlers, checkSettings, consumerSettings, CONSUMER_DEFAULTS } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { settings as fixtureSettings } from '../../../tests/fixtures/single-consumer/settings.ts';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';

const run = promisify(execFile);
/** codegen's command (`npm run codegen`), next to its package's entry. */
const codegenCli = path.join(path.dirname(createRequire(import.meta.url).resolve('@sluice/codegen')), 'cli.ts');
const fixtureContract = await fixtureTopology('single-consumer');

let fixture: FixtureProject;
let root: string;
beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  root = fixture.dir;
});
afterAll(() => fixture?.dispose());

function consumersDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'consumers-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
  return dir;
}

/** A contract with one consumer, whatever the application's contract becomes. */
const topology: Topology = {
  contract: { title: 'One consumer', version: '1.0.0' },
  messages: { OrderPlaced: { eventType: 'OrderPlaced', schemaVersion: '1.0.0' } },
  topics: { OrderTopic: { name: 'OrderTopic', channel: 'orderTopic', fifo: false, messages: ['OrderPlaced'] } },
  queues: {
    OrderQueue: { name: 'OrderQueue', channel: 'orderQueue', fifo: false, retentionSeconds: 345_600, deadLetter: { queue: 'OrderDLQ', maxReceiveCount: 3 }, deadLetterFor: [] },
    OrderDLQ: { name: 'OrderDLQ', channel: 'orderQueue', fifo: false, retentionSeconds: 1_209_600, deadLetterFor: ['OrderQueue'] },
  },
  subscriptions: [],
  operations: {
    consumeOrderPlaced: { id: 'consumeOrderPlaced', action: 'receive', title: 'Store orders', channel: 'orderQueue', queue: 'OrderQueue', messages: ['OrderPlaced'], sources: [{ topic: 'OrderTopic', rawMessageDelivery: false }] },
  },
};

const goodHandler = `import { operations } from '@fixtures/single-consumer-contract';\nimport { defineConsumer } from '@sluice/runtime/consumer';\nexport const handler = defineConsumer(operations.consumeOrderPlaced, async () => {});\n`;

describe('one handler per receive operation, found by its file name', () => {
  it('accepts a project as it is', () => {
    expect(checkHandlers(fixtureContract, fixture.project.consumers, root)).toEqual([]);
  });

  it('says which file to create, with its code, for a receive operation without a handler', () => {
    const problems = checkHandlers(topology, consumersDir({}), root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/receive operation consumeOrderPlaced has no handler: create .*consumeOrderPlaced\.ts with/);
    expect(problems[0]).toContain("import { operations } from '@fixtures/single-consumer-contract';");
    expect(problems[0]).toContain('export const handler = defineConsumer(operations.consumeOrderPlaced, async (message, context) => { … });');
  });

  it('names a handler file that handles no receive operation, and what the operations are', () => {
    const dir = consumersDir({ 'consumeOrderPlaced.ts': goodHandler, 'consumeOrderShiped.ts': goodHandler, 'shared.test.ts': '', 'types.d.ts': '' });
    const problems = checkHandlers(topology, dir, root);
    expect(problems).toEqual([expect.stringMatching(/consumeOrderShiped\.ts handles no receive operation of the contract \(receive operations: consumeOrderPlaced\): rename it after one, add operation consumeOrderShiped to the contract, or move shared code out/)]);
  });

  it('insists on an exported handler built for its own operation', () => {
    expect(checkHandlers(topology, consumersDir({ 'consumeOrderPlaced.ts': 'export const run = 1;' }), root)).toEqual([expect.stringMatching(/exports no `handler`/)]);
    const other = goodHandler.replaceAll('consumeOrderPlaced', 'consumeSomethingElse');
    expect(checkHandlers(topology, consumersDir({ 'consumeOrderPlaced.ts': other }), root)).toEqual([expect.stringMatching(/does not use operations\.consumeOrderPlaced/)]);
  });

  it('an operation id that is no identifier (on-order-placed, orders.placed): found written operations["…"], and the code it suggests is that', () => {
    const ids = ['on-order-placed', 'orders.placed'];
    const odd: Topology = {
      ...topology,
      operations: Object.fromEntries(ids.map((id) => [id, { ...topology.operations.consumeOrderPlaced!, id }])),
    };
    const handler = (access: string) => goodHandler.replace('operations.consumeOrderPlaced', access);
    // As npm run create writes them (bracket access, either quote), and with spaces.
    const written = consumersDir({ 'on-order-placed.ts': handler(`operations["on-order-placed"]`), 'orders.placed.ts': handler(`operations[ 'orders.placed' ]`) });
    expect(checkHandlers(odd, written, root)).toEqual([]);
    // Missing: the code to write is valid TypeScript.
    const missing = checkHandlers(odd, consumersDir({}), root);
    expect(missing[0]).toContain('export const handler = defineConsumer(operations["on-order-placed"], async (message, context) => { … });');
    // Another operation's handler, or a longer id that starts the same, is not this one's.
    const wrong = consumersDir({ 'on-order-placed.ts': handler(`operations["on-order-placed-v2"]`), 'orders.placed.ts': handler('operations.orders.placedX') });
    expect(checkHandlers(odd, wrong, root)).toEqual([
      expect.stringContaining('does not use operations["on-order-placed"]: its handler must be defineConsumer(operations["on-order-placed"], …)'),
      expect.stringContaining('does not use operations["orders.placed"]'),
    ]);
    // The dot of an id is a dot, not any character.
    expect(checkHandlers(odd, consumersDir({ 'on-order-placed.ts': handler(`operations["on-order-placed"]`), 'orders.placed.ts': handler('operations.ordersXplaced') }), root)).toHaveLength(1);
  });

  it('makes `npm run codegen:check` fail with what to add', async () => {
    const result = await run(process.execPath, [codegenCli, '--check', '--consumers', consumersDir({})], { cwd: root }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(result).toMatchObject({ code: 1 });
    const receive = Object.values(fixtureContract.operations).filter((o) => o.action === 'receive');
    expect(receive.length).toBeGreaterThan(0);
    for (const op of receive) {
      expect((result as { stderr: string }).stderr).toMatch(new RegExp(`receive operation ${op.id} has no handler: create`));
    }
  }, 30_000);
});

describe('the application settings, checked against the contract', () => {
  it('accepts a project\'s settings as they are, and fills in the defaults', () => {
    expect(checkSettings(fixtureContract, fixtureSettings)).toEqual([]);
    expect(consumerSettings({}, 'consumeAnything')).toEqual({ ...CONSUMER_DEFAULTS, reservedConcurrency: CONSUMER_DEFAULTS.maximumConcurrency, tables: {} });
  });

  it('names settings for an operation that does not exist, and a table nobody declared', () => {
    const problems = checkSettings(topology, { consumers: { consumeOrderPlaced: { tables: { Ghosts: ['dynamodb:PutItem'] } }, consumeOrderPlacd: {} } });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/settings\.consumers\.consumeOrderPlacd names no receive operation of the contract \(consumeOrderPlaced\)/),
        expect.stringMatching(/settings\.consumers\.consumeOrderPlaced\.tables\.Ghosts: no table Ghosts in settings\.tables/),
      ]),
    );
  });

  it('keeps the visibility timeout at 6 × the function timeout or more', () => {
    expect(checkSettings(topology, { consumers: { consumeOrderPlaced: { timeoutSeconds: 30 } } })).toEqual([]);
    const tight = structuredClone(topology) as Topology & { queues: Record<string, { visibilityTimeoutSeconds?: number }> };
    tight.queues.OrderQueue!.visibilityTimeoutSeconds = 120;
    expect(checkSettings(tight, { consumers: { consumeOrderPlaced: { timeoutSeconds: 30 } } })).toEqual([
      expect.stringMatching(/queue OrderQueue: visibilityTimeout 120 s is under 6 × the 30 s timeout of consumeOrderPlaced .* raise it in the contract to ≥ 180/),
    ]);
  });

  it('refuses numbers AWS would refuse', () => {
    const problems = checkSettings(topology, { consumers: { consumeOrderPlaced: { timeoutSeconds: 901, memoryMB: 64, batchSize: 50, batchWindowSeconds: 0, maximumConcurrency: 1 } } });
    expect(problems.join('\n')).toMatch(/timeoutSeconds must be 1\.\.900/);
    expect(problems.join('\n')).toMatch(/memoryMB must be 128\.\.10240/);
    expect(problems.join('\n')).toMatch(/batchSize over 10 needs a batchWindowSeconds of at least 1/);
    expect(problems.join('\n')).toMatch(/maximumConcurrency must be 2\.\.1000/);
  });

  it('keeps the age alarm well before messages expire, and alert addresses real addresses', () => {
    // OrderQueue keeps messages 4 days: the alarm must go off within 2.
    expect(checkSettings(topology, { consumers: { consumeOrderPlaced: { maximumMessageAgeSeconds: 172_800 } } })).toEqual([]);
    expect(checkSettings(topology, { consumers: { consumeOrderPlaced: { maximumMessageAgeSeconds: 172_801 } } })).toEqual([
      expect.stringMatching(/settings\.consumers\.consumeOrderPlaced\.maximumMessageAgeSeconds must be 60\.\.172800 \(at most half of OrderQueue's retention/),
    ]);
    expect(checkSettings(topology, { alerts: { emails: ['oncall@example.com', 'on call@example'] } })).toEqual([
      'settings.alerts.emails[1] is not an email address: "on call@example"',
    ]);
  });
});
