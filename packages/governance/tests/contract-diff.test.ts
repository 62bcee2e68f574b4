import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveTopology } from '@sluice/model';
import { type CompatibilityMode, type ContractDiff, diffContracts, hasFailingChanges } from '@sluice/governance';
import { loadContract } from '@sluice/governance';

const pairs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pairs');

// The pairs are checked against the AsyncAPI rules once, below; here they are only dereferenced,
// which is a hundred times faster than validating each of them in every test.
async function diffPair(name: string, mode?: CompatibilityMode, options: { releasedWithoutFilters?: boolean } = {}): Promise<ContractDiff> {
  const [released, working] = await Promise.all([
    loadContract(path.join(pairs, name, 'released.yaml'), { validate: false }),
    loadContract(path.join(pairs, name, 'working.yaml'), { validate: false }),
  ]);
  // A release from before filter policies was deployed with subscriptions that admit everything.
  const releasedTopology = options.releasedWithoutFilters ? deriveTopology(released, { filterPolicies: false }).topology : undefined;
  return diffContracts(released, working, mode, releasedTopology ? { releasedTopology } : {});
}

/** The changes as `classification rule path`, without the info.version bump every pair makes. */
const rows = (diff: ContractDiff) => diff.changes.filter((c) => c.rule !== 'info.version').map((c) => `${c.classification} ${c.rule} ${c.path}`);

const payload = 'messages.OrderPlaced.payload';

describe('the spec pairs', () => {
  it('are valid AsyncAPI documents (so the classifications below are about real contracts)', async () => {
    const files = readdirSync(pairs, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => [
      path.join(pairs, d.name, 'released.yaml'),
      path.join(pairs, d.name, 'working.yaml'),
    ]);
    // Most released sides are the same base contract: validate each distinct text once.
    const distinct = new Map(files.map((f) => [readFileSync(f, 'utf8').includes('$ref: ./') ? f : readFileSync(f, 'utf8'), f]));
    for (const file of distinct.values()) await expect(loadContract(file), file).resolves.toBeTypeOf('object');
  }, 120_000);
});

describe('contract:diff classification under full compatibility, the mode asyncapi.yaml declares', () => {
  const cases: [pair: string, expected: string[]][] = [
    ['optional-field-added', [`non-breaking field.optional-added ${payload}.properties.giftNote`]],
    ['required-field-added', [`breaking field.required-added ${payload}.properties.currency`]],
    ['field-removed', [`breaking field.removed ${payload}.properties.quantity`]],
    ['field-renamed', [`breaking field.removed ${payload}.properties.quantity`, `breaking field.required-added ${payload}.properties.count`]],
    ['type-changed', [
      `breaking schema.type-changed ${payload}.properties.quantity.type`,
      `breaking schema.minimum-removed ${payload}.properties.quantity.minimum`,
      `breaking schema.maximum-removed ${payload}.properties.quantity.maximum`,
    ]],
    ['type-narrowed', [`breaking schema.type-narrowed ${payload}.properties.amount.type`]],
    ['enum-value-added', [`breaking schema.enum-value-added ${payload}.properties.status.enum`]],
    ['enum-value-removed', [`breaking schema.enum-value-removed ${payload}.properties.status.enum`]],
    ['maximum-lowered', [`breaking schema.maximum-lowered ${payload}.properties.quantity.maximum`]],
    ['maximum-raised', [`breaking schema.maximum-raised ${payload}.properties.quantity.maximum`]],
    ['minimum-raised', [`breaking schema.minimum-raised ${payload}.properties.quantity.minimum`]],
    ['max-length-lowered', [`breaking schema.maxLength-lowered ${payload}.properties.orderId.maxLength`]],
    ['payload-file-narrowed', [`breaking schema.maxLength-lowered ${payload}.properties.orderId.maxLength`]],
    ['channel-renamed', ['breaking channel.renamed channels.orders.address', 'breaking operation.channel-changed operations.publishOrder.channel']],
    ['message-renamed', [
      'breaking channel.message-removed channels.orders.messages.OrderPlaced',
      'non-breaking channel.message-added channels.orders.messages.OrderCreated',
      'breaking operation.message-removed operations.publishOrder.messages.OrderPlaced',
      'non-breaking operation.message-added operations.publishOrder.messages.OrderCreated',
      'breaking message.removed messages.OrderPlaced',
      'non-breaking message.added messages.OrderCreated',
    ]],
    ['description-only', ['non-breaking documentation info.description', `non-breaking documentation ${payload}.properties.orderId.description`]],
    ['unclassified-keyword', [`unclassified unclassified ${payload}.properties.amount.not`]],
    ['unchanged', []],
  ];

  it.each(cases)('classifies the %s pair', async (pair, expected) => {
    expect(rows(await diffPair(pair, 'full'))).toEqual(expected);
  });

  it('fails on breaking and unclassified changes only', async () => {
    expect(hasFailingChanges(await diffPair('optional-field-added', 'full'))).toBe(false);
    expect(hasFailingChanges(await diffPair('description-only', 'full'))).toBe(false);
    expect(hasFailingChanges(await diffPair('maximum-lowered', 'full'))).toBe(true);
    expect(hasFailingChanges(await diffPair('unclassified-keyword', 'full'))).toBe(true);
  });
});

describe('contract:diff under the other compatibility modes', () => {
  it('uses backward, as schema registries do, when the contract declares no mode', async () => {
    const diff = await diffPair('enum-value-added');
    expect(diff.mode).toBe('backward');
    expect(rows(diff)).toEqual([`non-breaking schema.enum-value-added ${payload}.properties.status.enum`]);
  });

  it('backward: an added enum value or a raised maximum reads old messages fine', async () => {
    expect(rows(await diffPair('enum-value-added', 'backward'))).toEqual([`non-breaking schema.enum-value-added ${payload}.properties.status.enum`]);
    expect(rows(await diffPair('maximum-raised', 'backward'))).toEqual([`non-breaking schema.maximum-raised ${payload}.properties.quantity.maximum`]);
    expect(rows(await diffPair('required-field-added', 'backward'))).toEqual([`breaking field.required-added ${payload}.properties.currency`]);
  });

  it('forward: narrowing is fine for released readers, a removed field never is', async () => {
    expect(rows(await diffPair('maximum-lowered', 'forward'))).toEqual([`non-breaking schema.maximum-lowered ${payload}.properties.quantity.maximum`]);
    expect(rows(await diffPair('enum-value-added', 'forward'))).toEqual([`breaking schema.enum-value-added ${payload}.properties.status.enum`]);
    expect(rows(await diffPair('field-removed', 'forward'))).toEqual([`breaking field.removed ${payload}.properties.quantity`]);
  });
});

describe('major versions', () => {
  it('accepts a new major version published side by side with the released one', async () => {
    const diff = await diffPair('major-version-side-by-side', 'full');
    expect(hasFailingChanges(diff)).toBe(false);
    expect(rows(diff)).toContain('non-breaking message.added messages.OrderPlacedV2');
  });

  it('still fails a breaking change made in place, and says how to publish the major version instead', async () => {
    const diff = await diffPair('major-version-in-place', 'full');
    expect(rows(diff)).toContain(`breaking schema.maximum-lowered ${payload}.properties.quantity.maximum`);
    expect(diff.notes.join('\n')).toMatch(/OrderPlacedV2 .*side by side/);
  });
});

describe('version notes', () => {
  it('asks for a schema version bump when a payload changed compatibly without one', async () => {
    const diff = await diffPair('optional-field-added');
    expect(diff.notes).toEqual([expect.stringContaining('x-schema-version is still 1.0.0')]);
  });
});

describe('contract:diff on the topology', () => {
  const topologyRows = (diff: ContractDiff) => rows(diff).filter((r) => r.split(' ')[1]!.startsWith('topology.'));

  it('a new consumer of an existing message (its queue, dead-letter queue and subscription) breaks no one', async () => {
    const diff = await diffPair('topology-consumer-added', 'full');
    expect(topologyRows(diff)).toEqual([
      'non-breaking topology.queue-added topology.queues.Audit',
      'non-breaking topology.queue-added topology.queues.AuditDLQ',
      'non-breaking topology.subscription-added topology.subscriptions.Events → Audit',
    ]);
    expect(rows(diff)).toContain('non-breaking operation.added operations.consumeAudit');
    expect(hasFailingChanges(diff)).toBe(false);
  });

  it('a new message on a topic is filtered away from the consumers that do not declare it', async () => {
    const diff = await diffPair('topology-message-added', 'full');
    expect(topologyRows(diff)).toEqual([
      'non-breaking topology.queue-added topology.queues.Shipping',
      'non-breaking topology.queue-added topology.queues.ShippingDLQ',
      'non-breaking topology.subscription-added topology.subscriptions.Events → Shipping',
      'non-breaking topology.unrouted-filter-changed topology.unrouted.EventsUnrouted.filterPolicy',
      'non-breaking topology.message-added-to-topic topology.topics.Events.messages.OrderShipped',
    ]);
    // The topic's unrouted queue keeps what no consumer declares: OrderShipped is routed now.
    expect(diff.changes.find((c) => c.rule === 'topology.unrouted-filter-changed')?.detail).toMatch(/Events routes OrderPlaced v1, OrderShipped v1 \(was OrderPlaced v1\); EventsUnrouted keeps the rest/);
    expect(hasFailingChanges(diff)).toBe(false);
  });

  it('a new message on a topic breaks a consumer whose deployed subscription admits it (released before filter policies)', async () => {
    const diff = await diffPair('topology-message-added', 'full', { releasedWithoutFilters: true });
    expect(topologyRows(diff)).toContain('breaking topology.message-reaches-undeclared-consumer topology.topics.Events.messages.OrderShipped');
    expect(diff.changes.find((c) => c.rule === 'topology.message-reaches-undeclared-consumer')?.detail).toMatch(/reaches Orders, whose deployed subscription admits it but whose consumer does not declare it/);
    expect(topologyRows(diff)).toContain('non-breaking topology.filter-added topology.subscriptions.Events → Orders.filterPolicy');
  });

  it('removing a queue (and its dead letters) is breaking', async () => {
    const diff = await diffPair('topology-queue-removed', 'full');
    expect(topologyRows(diff)).toEqual([
      'breaking topology.queue-removed topology.queues.Audit',
      'breaking topology.queue-removed topology.queues.AuditDLQ',
      'breaking topology.subscription-removed topology.subscriptions.Events → Audit',
    ]);
  });

  it('renaming a dead-letter queue strands its messages; changing maxReceiveCount only changes the pace', async () => {
    const diff = await diffPair('topology-redrive-changed', 'full');
    expect(topologyRows(diff)).toEqual([
      'breaking topology.dead-letter-queue-changed topology.queues.Orders.redrive.queue',
      'non-breaking topology.max-receive-count-changed topology.queues.Orders.redrive.maxReceiveCount',
      'breaking topology.queue-removed topology.queues.OrdersDLQ',
      'non-breaking topology.queue-added topology.queues.OrdersDeadLetters',
    ]);
  });

  it('a lower retention deletes messages; a raw-delivery switch changes the bodies under the consumer', async () => {
    expect(topologyRows(await diffPair('topology-retention-lowered', 'full'))).toEqual(['breaking topology.retention-lowered topology.queues.Orders.retentionSeconds']);
    expect(topologyRows(await diffPair('topology-raw-delivery-changed', 'full'))).toEqual(['breaking topology.raw-delivery-changed topology.subscriptions.Events → Orders.rawMessageDelivery']);
  });

  it('leaves no binding change unclassified', async () => {
    for (const pair of ['topology-consumer-added', 'topology-message-added', 'topology-queue-removed', 'topology-redrive-changed', 'topology-retention-lowered', 'topology-raw-delivery-changed']) {
      expect((await diffPair(pair, 'full')).changes.filter((c) => c.classification === 'unclassified'), pair).toEqual([]);
    }
  });
});
