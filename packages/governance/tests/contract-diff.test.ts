import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CliIO, runCli } from '@sluice/cli';
import { deriveTopology } from '@sluice/model';
import { type CompatibilityMode, type ContractDiff, type ContractDocument, diffContracts, diffProgram, hasFailingChanges, messagesBrokenInPlace, nextStepsAfterDiff, renderReport } from '@sluice/governance';
import { loadContract } from '@sluice/governance';
import { showChange } from '../src/classification.ts';
import type { AppSettings } from '@sluice/runtime/settings';

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

/**
 * What each rule breaks, independent of the mode: `narrows` breaks readers of old messages (so
 * `backward` and `full`), `widens` breaks released readers of new messages (`forward` and `full`),
 * `both` every mode, `neither` none, `review` is unclassified in every mode.
 */
type Effect = 'both' | 'narrows' | 'widens' | 'neither' | 'review';
const MODES: CompatibilityMode[] = ['backward', 'forward', 'full'];

/** The row `classification rule path` a change with this effect gets under `mode`. */
function expectedRow(mode: CompatibilityMode, effect: Effect, rule: string, where: string): string {
  const breaking = effect === 'both' || (effect === 'narrows' && mode !== 'forward') || (effect === 'widens' && mode !== 'backward');
  return `${effect === 'review' ? 'unclassified' : breaking ? 'breaking' : 'non-breaking'} ${rule} ${where}`;
}

describe('contract:diff classification: every rule of every pair, in every compatibility mode', () => {
  const cases: [pair: string, expected: [Effect, string, string][]][] = [
    ['optional-field-added', [['neither', 'field.optional-added', `${payload}.properties.giftNote`]]],
    // Released closed (additionalProperties: false): released readers reject the field.
    ['optional-field-added-closed', [['widens', 'field.optional-added-closed', `${payload}.properties.giftNote`]]],
    // Under a mode told explicitly; with none, see 'judges a change that weakens the mode…'.
    // Settings the topology owns that were compared nowhere (said "No changes."), and a FIFO message's group.
    ['topology-delivery-delay-added', [['neither', 'topology.delivery-delay-changed', 'topology.queues.Orders.deliveryDelaySeconds']]],
    // A visibility timeout written where it was derived (6 × the function timeout): compared with what was deployed, not with "(none)".
    ['topology-visibility-written', [['neither', 'topology.visibility-changed', 'topology.queues.Orders.visibilityTimeoutSeconds']]],
    // 0 written out is no delay, as none written: no row (it said 0 → 0 s).
    ['topology-delivery-delay-zero', []],
    // AWS resource tags on a topic and a queue: deployed, so not documentation (which a release may keep its version for); they break no reader.
    [
      'binding-tags-changed',
      [
        ['neither', 'binding.tags', 'channels.events.bindings.sns.tags'],
        ['neither', 'binding.tags', 'channels.orders.bindings.sqs.queue.tags'],
      ],
    ],
    ['topology-content-deduplication-off', [['both', 'topology.content-deduplication-off', 'topology.topics.Events.fifo.contentBasedDeduplication']]],
    ['topology-subscription-dlq-changed', [['neither', 'topology.subscription-dlq-changed', 'topology.subscriptions.Events → Orders.deadLetterQueue']]],
    ['message-group-id-changed', [['review', 'unclassified', 'messages.OrderPlaced.x-message-group-id']]],
    // On a standard topic no publisher reads it: documentation.
    ['message-group-id-changed-standard', [['neither', 'documentation', 'messages.OrderPlaced.x-message-group-id']]],
    ['mode-weakened', [['neither', 'policy.mode-changed', 'info.x-compatibility'], ['widens', 'schema.enum-value-added', `${payload}.properties.status.enum`]]],
    ['required-field-added', [['narrows', 'field.required-added', `${payload}.properties.currency`]]],
    // A removed field is breaking in every mode: readers that still use it lose data.
    ['field-removed', [['both', 'field.removed', `${payload}.properties.quantity`]]],
    ['field-renamed', [['both', 'field.removed', `${payload}.properties.quantity`], ['narrows', 'field.required-added', `${payload}.properties.count`]]],
    ['type-changed', [
      ['both', 'schema.type-changed', `${payload}.properties.quantity.type`],
      ['widens', 'schema.minimum-removed', `${payload}.properties.quantity.minimum`],
      ['widens', 'schema.maximum-removed', `${payload}.properties.quantity.maximum`],
    ]],
    ['type-narrowed', [['narrows', 'schema.type-narrowed', `${payload}.properties.amount.type`]]],
    // The same types in another order: it was "widened", "released readers reject values valid now".
    ['type-list-reordered', [['neither', 'documentation', `${payload}.properties.amount.type`]]],
    ['enum-value-added', [['widens', 'schema.enum-value-added', `${payload}.properties.status.enum`]]],
    // The eventType header's const written as a one-value enum: the same values (it was an enum added, "values outside it were valid before", and a const removed).
    ['const-to-one-value-enum', [['neither', 'schema.values-rewritten', 'messages.OrderPlaced.headers.properties.eventType.enum']]],
    ['enum-value-removed', [['narrows', 'schema.enum-value-removed', `${payload}.properties.status.enum`]]],
    ['maximum-lowered', [['narrows', 'schema.maximum-lowered', `${payload}.properties.quantity.maximum`]]],
    ['maximum-raised', [['widens', 'schema.maximum-raised', `${payload}.properties.quantity.maximum`]]],
    ['minimum-raised', [['narrows', 'schema.minimum-raised', `${payload}.properties.quantity.minimum`]]],
    // An integer's minimum: 1 written as exclusiveMinimum: 0 (it was a minimum removed and an exclusiveMinimum added, both breaking under full).
    ['minimum-to-exclusive-minimum', [['neither', 'schema.bound-rewritten', `${payload}.properties.quantity.exclusiveMinimum`]]],
    ['max-length-lowered', [['narrows', 'schema.maxLength-lowered', `${payload}.properties.orderId.maxLength`]]],
    ['payload-file-narrowed', [['narrows', 'schema.maxLength-lowered', `${payload}.properties.orderId.maxLength`]]],
    ['channel-renamed', [['both', 'channel.renamed', 'channels.orders.address'], ['both', 'operation.channel-changed', 'operations.publishOrder.channel']]],
    // Only the keys (events → orderEvents, orders → orderQueue): the same topic and queue, the same
    // subscription and filter. It was "channel removed or renamed: everything that uses it breaks".
    ['channel-key-renamed', [['neither', 'channel.key-renamed', 'channels.orderEvents'], ['neither', 'channel.key-renamed', 'channels.orderQueue']]],
    ['message-renamed', [
      ['both', 'channel.message-removed', 'channels.orders.messages.OrderPlaced'],
      ['neither', 'channel.message-added', 'channels.orders.messages.OrderCreated'],
      ['both', 'operation.message-removed', 'operations.publishOrder.messages.OrderPlaced'],
      ['neither', 'operation.message-added', 'operations.publishOrder.messages.OrderCreated'],
      ['both', 'message.removed', 'messages.OrderPlaced'],
      ['neither', 'message.added', 'messages.OrderCreated'],
    ]],
    // The subscriptions filter on the major: another one in place breaks both ways.
    ['major-version-in-place', [['narrows', 'schema.maximum-lowered', `${payload}.properties.quantity.maximum`], ['both', 'message.major-changed', 'messages.OrderPlaced.x-schema-version']]],
    ['major-version-side-by-side', [
      ['neither', 'channel.message-added', 'channels.orders.messages.OrderPlacedV2'],
      ['neither', 'operation.message-added', 'operations.publishOrder.messages.OrderPlacedV2'],
      ['neither', 'message.added', 'messages.OrderPlacedV2'],
    ]],
    ['description-only', [['neither', 'documentation', 'info.description'], ['neither', 'documentation', `${payload}.properties.orderId.description`]]],
    ['unclassified-keyword', [['review', 'unclassified', `${payload}.properties.amount.not`]]],
    ['unchanged', []],
    // No message reads it (each sets its contentType): it was breaking in every mode, "readers decode bodies differently".
    ['content-type-default-removed', [['neither', 'content-type-default', 'defaultContentType']]],
    // Removed where messages follow it: they are JSON without it too (the framework's default): no message changes.
    ['content-type-default-json-removed', [['neither', 'content-type-default', 'defaultContentType']]],
    // An sns binding that only says what the address says: the topology is the same (it was unclassified, {"sns":{}} → (none)).
    ['topology-default-binding-removed', []],
    ['topology-consumer-added', [
      ['neither', 'channel.added', 'channels.audit'],
      ['neither', 'operation.added', 'operations.consumeAudit'],
      ['neither', 'topology.queue-added', 'topology.queues.Audit'],
      ['neither', 'topology.queue-added', 'topology.queues.AuditDLQ'],
      ['neither', 'topology.subscription-added', 'topology.subscriptions.Events → Audit'],
    ]],
    ['topology-message-added', [
      ['neither', 'channel.message-added', 'channels.events.messages.OrderShipped'],
      ['neither', 'channel.added', 'channels.shipping'],
      ['neither', 'operation.message-added', 'operations.publishEvents.messages.OrderShipped'],
      ['neither', 'operation.added', 'operations.consumeShipping'],
      ['neither', 'message.added', 'messages.OrderShipped'],
      ['neither', 'topology.queue-added', 'topology.queues.Shipping'],
      ['neither', 'topology.queue-added', 'topology.queues.ShippingDLQ'],
      ['neither', 'topology.subscription-added', 'topology.subscriptions.Events → Shipping'],
      ['neither', 'topology.unrouted-filter-changed', 'topology.unrouted.EventsUnrouted.filterPolicy'],
      ['neither', 'topology.message-added-to-topic', 'topology.topics.Events.messages.OrderShipped'],
    ]],
    ['topology-queue-removed', [
      ['both', 'channel.removed', 'channels.audit'],
      ['both', 'operation.removed', 'operations.consumeAudit'],
      ['both', 'topology.queue-removed', 'topology.queues.Audit'],
      ['both', 'topology.queue-removed', 'topology.queues.AuditDLQ'],
      ['both', 'topology.subscription-removed', 'topology.subscriptions.Events → Audit'],
    ]],
    ['topology-raw-delivery-changed', [['both', 'topology.raw-delivery-changed', 'topology.subscriptions.Events → Orders.rawMessageDelivery']]],
    ['topology-redrive-changed', [
      ['both', 'topology.dead-letter-queue-changed', 'topology.queues.Orders.redrive.queue'],
      ['neither', 'topology.max-receive-count-raised', 'topology.queues.Orders.redrive.maxReceiveCount'],
      ['both', 'topology.queue-removed', 'topology.queues.OrdersDLQ'],
      ['neither', 'topology.queue-added', 'topology.queues.OrdersDeadLetters'],
    ]],
    ['topology-retention-lowered', [['both', 'topology.retention-lowered', 'topology.queues.Orders.retentionSeconds']]],
    // Fewer receives before the dead-letter queue: consumers get fewer retries (it was non-breaking, "only the pace").
    ['topology-max-receive-count-lowered', [['both', 'topology.max-receive-count-lowered', 'topology.queues.Orders.redrive.maxReceiveCount']]],
  ];

  it('covers every pair', () => {
    const all = readdirSync(pairs, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(cases.map(([pair]) => pair).sort()).toEqual(all.sort());
  });

  const byMode = MODES.flatMap((mode) => cases.map(([pair, expected]) => [mode, pair, expected] as const));
  it.each(byMode)('%s: classifies the %s pair', async (mode, pair, expected) => {
    const diff = await diffPair(pair, mode);
    expect(diff.mode).toBe(mode);
    expect(rows(diff)).toEqual(expected.map(([effect, rule, where]) => expectedRow(mode, effect, rule, where)));
  });

  it('a channel key renamed with its address changed too is still a channel removed (the address is what producers and consumers share)', async () => {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'channel-key-renamed', `${side}.yaml`), { validate: false })));
    working!.channels.orderQueue.address = 'OrdersV2';
    const diff = diffContracts(released!, working!, 'full');
    expect(rows(diff)).toEqual(expect.arrayContaining(['breaking channel.removed channels.orders', 'non-breaking channel.added channels.orderQueue', 'non-breaking channel.key-renamed channels.orderEvents']));
    // Renamed alone, the detail says what the key is and is not.
    const renamed = (await diffPair('channel-key-renamed', 'full')).changes.find((c) => c.path === 'channels.orderQueue')!;
    expect(renamed.detail).toBe('renamed from channels.orders, with the same address ("Orders") and kind (queue): nothing deployed, published, consumed or generated is named after the key; only the "channel" label of its entries in the generated topology changes');
  });

  it('fails on breaking and unclassified changes only', async () => {
    expect(hasFailingChanges(await diffPair('optional-field-added', 'full'))).toBe(false);
    expect(hasFailingChanges(await diffPair('description-only', 'full'))).toBe(false);
    expect(hasFailingChanges(await diffPair('maximum-lowered', 'full'))).toBe(true);
    expect(hasFailingChanges(await diffPair('maximum-lowered', 'forward'))).toBe(false);
    expect(hasFailingChanges(await diffPair('unclassified-keyword', 'backward'))).toBe(true);
  });
});

describe('a visibility timeout written where it was derived', () => {
  async function visibility(written: number, settings?: AppSettings): Promise<string[]> {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'topology-visibility-written', `${side}.yaml`), { validate: false })));
    working!.channels.orders.bindings.sqs.queue.visibilityTimeout = written;
    return diffContracts(released!, working!, 'full', settings ? { settings } : {}).changes.filter((c) => c.rule !== 'info.version').map((c) => `${c.classification} ${c.rule}: ${c.detail}`);
  }

  it('is compared with the value derived from the settings, not with "(none)" (it said "(none) → 600 s")', async () => {
    expect(await visibility(600, {})).toEqual(['non-breaking topology.visibility-changed: 180 s (derived: 6 × the 30 s function timeout of consumeOrders) → 600 s: retries come at another pace']);
    expect(await visibility(180, { consumers: { consumeOrders: { timeoutSeconds: 60 } } })).toEqual(['non-breaking topology.visibility-changed: 360 s (derived: 6 × the 60 s function timeout of consumeOrders) → 180 s: retries come at another pace']);
  });

  it('written as the value derived, it is no change', async () => {
    expect(await visibility(180, {})).toEqual([]);
    expect(await visibility(360, { consumers: { consumeOrders: { timeoutSeconds: 60 } } })).toEqual([]);
  });

  it('without the settings, says what it was derived from', async () => {
    expect(await visibility(600)).toEqual(["non-breaking topology.visibility-changed: (derived: 6 × the function timeout of consumeOrders) → 600 s: retries come at another pace (unless it is the value derived: without the application's settings, the function timeout is not known here)"]);
  });
});

describe('contract:diff under the other compatibility modes', () => {
  it('uses backward, as schema registries do, when the contract declares no mode', async () => {
    const diff = await diffPair('enum-value-added');
    expect(diff.mode).toBe('backward');
    expect(rows(diff)).toEqual([`non-breaking schema.enum-value-added ${payload}.properties.status.enum`]);
  });

  it('judges a change that weakens the mode under the released mode: its own changes do not pass by it (full → backward let an added enum value through)', async () => {
    const diff = await diffPair('mode-weakened');
    expect(diff.mode).toBe('full');
    expect(rows(diff)).toEqual([`non-breaking policy.mode-changed info.x-compatibility`, `breaking schema.enum-value-added ${payload}.properties.status.enum`]);
    expect(diff.changes.find((c) => c.rule === 'policy.mode-changed')!.detail).toBe(
      `"full" → "backward": changes were classified under full (the released contract's mode: a mode weakened in the same edit would let its own changes through; backward applies from the next release on)`,
    );
    // Told explicitly, the mode asked for is used, and the row says so (it spoke of the released mode).
    const told = await diffPair('mode-weakened', 'backward');
    expect(told.mode).toBe('backward');
    expect(told.changes.find((c) => c.rule === 'policy.mode-changed')!.detail).toBe('"full" → "backward": changes were classified under backward (--mode)');
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

  it('says, with a change the mode lets through, whom it still breaks and what that leaves to the team (the detail said only whom it breaks, under a "non-breaking")', async () => {
    const detail = async (pair: string, mode: CompatibilityMode) => (await diffPair(pair, mode)).changes.filter((c) => c.rule !== 'info.version').map((c) => `${c.classification}: ${c.detail}`);
    expect(await detail('enum-value-added', 'backward')).toEqual([
      'non-breaking: value "REFUNDED" added: consumers on the released contract reject it; allowed under --mode backward (given on the command line), which guards only new readers of released messages: upgrade every consumer before a producer sends it (or compare with --mode full)',
    ]);
    expect(await detail('maximum-lowered', 'forward')).toEqual([
      expect.stringMatching(/^non-breaking: .*; allowed under --mode forward \(given on the command line\), which guards only released readers of new messages: drain the queues and dead-letter queues of released messages before new consumers read them \(or compare with --mode full\)$/),
    ]);
    // Breaking, or breaking no reader: the detail as it was.
    for (const [pair, mode] of [['enum-value-added', 'full'], ['enum-value-added', 'forward'], ['optional-field-added', 'backward'], ['field-removed', 'backward']] as const) {
      for (const line of await detail(pair, mode)) expect(line).not.toMatch(/allowed under/);
    }
  });
});

describe('where the compatibility mode came from, said where it lets a change through', () => {
  /** The enum-value-added pair (it declares no mode), with `x-compatibility` declared on both sides when given. */
  async function declared(mode?: CompatibilityMode): Promise<[ContractDocument, ContractDocument]> {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'enum-value-added', `${side}.yaml`), { validate: false })));
    if (mode) for (const doc of [released!, working!]) doc.info['x-compatibility'] = mode;
    return [released!, working!];
  }
  const detailOf = (diff: ContractDiff) => diff.changes.find((c) => c.rule === 'schema.enum-value-added')!.detail;

  it("a mode told with --mode is said as the command line's, not as the contract's x-compatibility (it said \"allowed under x-compatibility backward\" of a --mode)", async () => {
    const diff = diffContracts(...(await declared()), 'backward');
    expect(diff.modeFrom).toBe('option');
    expect(detailOf(diff)).toMatch(/; allowed under --mode backward \(given on the command line\), which guards only new readers of released messages: .* \(or compare with --mode full\)$/);
    expect(detailOf(diff)).not.toContain('x-compatibility');
    expect(renderReport(diff, 'table')).toContain('(compatibility mode: backward, given with --mode)');
  });

  it("a mode the contracts declare is said as their x-compatibility", async () => {
    const diff = diffContracts(...(await declared('backward')));
    expect(diff.modeFrom).toBe('contract');
    expect(detailOf(diff)).toMatch(/; allowed under x-compatibility backward \(info\.x-compatibility of the contracts\), which guards only new readers of released messages: .* \(or declare full\)$/);
    expect(renderReport(diff, 'table')).toContain('(compatibility mode: backward, from info.x-compatibility)');
  });

  it('the default mode, where neither contract declares one, is said as the default (it said "x-compatibility backward" of a contract without one)', async () => {
    const diff = diffContracts(...(await declared()));
    expect(diff.modeFrom).toBe('default');
    expect(detailOf(diff)).toMatch(/; allowed under backward, the default mode \(neither contract declares info\.x-compatibility\), which guards only new readers of released messages: .* \(or declare x-compatibility: full\)$/);
    expect(renderReport(diff, 'table')).toContain('(compatibility mode: backward, the default: no info.x-compatibility)');
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
    expect(diff.notes[0]).toContain('bump the minor (or patch) version');
  });

  it('a documentation-only edit (descriptions, titles) is reported row by row and asks for no version bump (it asked to bump info.version and the message\'s x-schema-version)', async () => {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'description-only', `${side}.yaml`), { validate: false })));
    working!.info.version = released!.info.version; // not bumped
    const diff = diffContracts(released!, working!);
    expect(rows(diff)).toEqual(['non-breaking documentation info.description', `non-breaking documentation ${payload}.properties.orderId.description`]);
    expect(diff.notes.join('\n')).not.toMatch(/bump (it|the minor)/);
    expect(diff.notes).toEqual(['only documentation changed: nothing that is sent, validated or deployed differs, so no version needs a bump (`npm run contract:release` records it under 1.0.0)']);
    expect(renderReport(diff, 'table')).toContain('0 breaking, 2 non-breaking (2 of them documentation only)');
    // One change beside it that is not documentation: the bumps are asked for again.
    for (const message of [working!.components.messages.OrderPlaced, working!.channels.orders.messages.orderPlaced]) message.payload.properties.orderId.maxLength = 128;
    const mixed = diffContracts(released!, working!);
    expect(mixed.notes).toEqual([expect.stringContaining('x-schema-version is still 1.0.0; bump the minor'), 'info.version is still 1.0.0; bump it before `npm run contract:release`.']);
  });

  it('names a message without x-schema-version by the version it is sent with, never as "undefined"', async () => {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'optional-field-added', `${side}.yaml`), { validate: false })));
    const unversion = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      delete (node as Record<string, unknown>)['x-schema-version'];
      for (const value of Object.values(node)) unversion(value);
    };
    unversion(released);
    unversion(working);
    const diff = diffContracts(released!, working!);
    expect(diff.notes.join('\n')).not.toContain('undefined');
    expect(diff.notes).toEqual([expect.stringContaining('x-schema-version is still 1.0.0 (x-schema-version not set: the default); bump the minor (or patch) version')]);
  });

  it('on a breaking change under the same version, says to publish a new major side by side, never to bump the minor', async () => {
    for (const name of ['required-field-added', 'field-renamed', 'enum-value-removed']) {
      const diff = await diffPair(name);
      const note = diff.notes.find((n) => n.startsWith('OrderPlaced:'));
      expect(note, name).toMatch(/^OrderPlaced: its own changes are breaking but x-schema-version is still 1\.0\.0; a minor or patch bump does not help/);
      expect(note, name).toContain('publish a new major version side by side');
      expect(note, name).toContain('OrderPlacedV2, x-schema-version: 2.0.0');
      expect(diff.notes.join('\n'), name).not.toMatch(/bump the minor/);
    }
  });

  it('a minor bump of a message broken in place gets the same note (it was silent)', async () => {
    const [released, working] = await Promise.all([
      loadContract(path.join(pairs, 'field-renamed', 'released.yaml'), { validate: false }),
      loadContract(path.join(pairs, 'field-renamed', 'working.yaml'), { validate: false }),
    ]);
    working.components.messages.OrderPlaced['x-schema-version'] = '1.1.0';
    working.channels.orders.messages.orderPlaced['x-schema-version'] = '1.1.0';
    const diff = diffContracts(released, working);
    expect(diff.notes.find((n) => n.startsWith('OrderPlaced:'))).toMatch(/x-schema-version went 1\.0\.0 → 1\.1\.0, the same major; .*publish a new major version side by side/);
    expect(messagesBrokenInPlace(released, working, diff.changes)).toEqual([
      expect.objectContaining({ message: 'OrderPlaced', released: '1.0.0', working: '1.1.0', changes: ['removed messages.OrderPlaced.payload.properties.quantity', 'added messages.OrderPlaced.payload.properties.count'] }),
    ]);
  });

  it('names the messages broken under their released major, and what happens to their old-shape messages', async () => {
    const [released, working] = await Promise.all([
      loadContract(path.join(pairs, 'required-field-added', 'released.yaml'), { validate: false }),
      loadContract(path.join(pairs, 'required-field-added', 'working.yaml'), { validate: false }),
    ]);
    const [broken] = messagesBrokenInPlace(released, working, diffContracts(released, working).changes);
    expect(broken).toMatchObject({ message: 'OrderPlaced', released: '1.0.0', working: '1.0.0' });
    expect(broken!.warning).toMatch(/old-shape messages \(in flight, waiting in queues or dead-letter queues, or sent by a producer not yet redeployed\) still carry schemaVersion 1\.x, still pass the subscriptions' "1\." filter, and consumers that expect the new shape refuse them \(PAYLOAD_INVALID: retried, then dead-lettered\)/);
    // A compatible change, a major published side by side and a major bumped in place are not "in place" breaks.
    for (const name of ['optional-field-added', 'major-version-side-by-side', 'major-version-in-place']) {
      const [a, b] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, name, `${side}.yaml`), { validate: false })));
      expect(messagesBrokenInPlace(a!, b!, diffContracts(a!, b!, 'full').changes), name).toEqual([]);
    }
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

  it('renaming a dead-letter queue strands its messages; raising maxReceiveCount only gives failing messages more tries', async () => {
    const diff = await diffPair('topology-redrive-changed', 'full');
    expect(topologyRows(diff)).toEqual([
      'breaking topology.dead-letter-queue-changed topology.queues.Orders.redrive.queue',
      'non-breaking topology.max-receive-count-raised topology.queues.Orders.redrive.maxReceiveCount',
      'breaking topology.queue-removed topology.queues.OrdersDLQ',
      'non-breaking topology.queue-added topology.queues.OrdersDeadLetters',
    ]);
    expect(diff.changes.find((c) => c.rule === 'topology.max-receive-count-raised')!.detail).toBe(
      '3 → 5: a failing message is received up to 5 times (was 3) before it is dead-lettered: more retries, each after the visibility timeout, so it reaches the dead-letter queue later',
    );
  });

  it('lowering maxReceiveCount is breaking in every mode: fewer retries, messages dead-lettered sooner (it was non-breaking)', async () => {
    for (const mode of MODES) {
      const diff = await diffPair('topology-max-receive-count-lowered', mode);
      expect(topologyRows(diff)).toEqual(['breaking topology.max-receive-count-lowered topology.queues.Orders.redrive.maxReceiveCount']);
      expect(hasFailingChanges(diff)).toBe(true);
      expect(diff.changes.find((c) => c.rule === 'topology.max-receive-count-lowered')!.detail).toBe(
        '3 → 1: a failing message is dead-lettered after 1 receive instead of 3: fewer retries, so a message that failed for a passing reason (a throttle, a timeout, a dependency down) reaches the dead-letter queue unhandled, and its consumer gets it no more (AWS advises at least 5 for a Lambda event source). Meant: release it with --accept-breaking once the consumers need no more tries',
      );
    }
  });

  it('a lower retention deletes messages; a raw-delivery switch changes the bodies under the consumer', async () => {
    expect(topologyRows(await diffPair('topology-retention-lowered', 'full'))).toEqual(['breaking topology.retention-lowered topology.queues.Orders.retentionSeconds']);
    expect(topologyRows(await diffPair('topology-raw-delivery-changed', 'full'))).toEqual(['breaking topology.raw-delivery-changed topology.subscriptions.Events → Orders.rawMessageDelivery']);
  });

  it('leaves no binding change unclassified', async () => {
    for (const pair of ['topology-consumer-added', 'topology-message-added', 'topology-queue-removed', 'topology-redrive-changed', 'topology-max-receive-count-lowered', 'topology-retention-lowered', 'topology-raw-delivery-changed']) {
      expect((await diffPair(pair, 'full')).changes.filter((c) => c.classification === 'unclassified'), pair).toEqual([]);
    }
  });
});

describe('contract:diff --if-released', () => {
  it("passes, saying so, where no contract was released yet (a new project's npm test); without it, that is an error naming contract:release", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'if-released-'));
    const cwd = process.cwd();
    try {
      writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'p', eventContract: { spec: 'asyncapi.yaml', released: 'released' } }));
      process.chdir(root);
      const run = async (args: string[]) => {
        let out = '';
        let err = '';
        const io: CliIO = { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`), progress: { write: () => true } };
        return { code: await runCli(diffProgram, args, io), out, err };
      };
      expect(await run(['--if-released'])).toEqual({ code: 0, out: 'contract:diff: skipped, no released contract yet (released/asyncapi.json): npm run contract:release records one, and from then on this fails on a breaking change\n', err: '' });
      const plain = await run([]);
      expect(plain.code).toBe(2); // nothing to compare with: could not run (1 is a breaking change)
      expect(plain.err).toContain('no released contract at released/asyncapi.json');
      expect(plain.err).toContain('npm run contract:release');
    } finally {
      process.chdir(cwd);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("contract:diff's What to do next", () => {
  const relative = (file: string) => path.relative(process.cwd(), file);
  /** `contract:diff` run in this process on one pair; what it printed on stderr. */
  async function diffCli(name: string): Promise<{ code: number; err: string }> {
    let err = '';
    const io: CliIO = { out: () => {}, err: (text) => void (err += `${text}\n`), progress: { write: () => true } };
    const code = await runCli(diffProgram, ['--released', path.join(pairs, name, 'released.yaml'), '--spec', path.join(pairs, name, 'working.yaml')], io);
    return { code, err };
  }

  it("says where each breaking change is written: the file a payload's $ref leads to and its line, in the table and the JSON (rows named the logical path only)", async () => {
    const file = path.join(pairs, 'payload-file-narrowed', 'working-payload.json');
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('"maxLength": 32')) + 1;
    for (const format of ['table', 'json']) {
      let out = '';
      const io: CliIO = { out: (text) => void (out += `${text}\n`), err: () => {}, progress: { write: () => true } };
      await runCli(diffProgram, ['--released', path.join(pairs, 'payload-file-narrowed', 'released.yaml'), '--spec', path.join(pairs, 'payload-file-narrowed', 'working.yaml'), '--format', format], io);
      if (format === 'table') expect(out).toMatch(new RegExp(`^breaking +changed +messages\\.OrderPlaced\\.payload\\.properties\\.orderId\\.maxLength +64 → 32: .* \\(at ${relative(file).replace(/[.]/g, '\\.')} line ${line}\\)$`, 'm'));
      else expect((JSON.parse(out) as ContractDiff).changes.find((c) => c.classification === 'breaking')!.where).toEqual({ file: relative(file), line });
    }
  }, 60_000);

  it('names the file the payload $refs, and its copy for the next major, not an invented schemas/payment-captured.v1.json', async () => {
    const { code, err } = await diffCli('payload-file-narrowed');
    expect(code).toBe(1);
    const file = relative(path.join(pairs, 'payload-file-narrowed', 'working-payload.json'));
    expect(err).toContain(
      `      OrderPlaced: copy its payload schema ${file} to ${file.replace(/\.json$/, '.v2.json')} and edit the copy; add a message OrderPlacedV2 (x-schema-version: 2.0.0, its own headers schema) to the channels and operations.`,
    );
    expect(err).not.toContain('payment-captured');
  }, 60_000);

  it('says to copy a payload written in the contract under components.schemas with a new name', async () => {
    const { code, err } = await diffCli('field-renamed');
    expect(code).toBe(1);
    expect(err).toContain('      OrderPlaced: copy its payload schema under components.schemas with a new name (e.g. OrderPlacedV2Payload), $ref it from the new message and edit the copy;');
    expect(err).not.toContain('payment-captured');
  }, 60_000);

  it('names a major above those already there: OrderPlaced broken beside OrderPlacedV2 gets V3 and order-placed.v3.json (it said to write V2 and its file, which exist)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'next-steps-'));
    try {
      mkdirSync(path.join(root, 'schemas'));
      const schema = (required: string[]) => JSON.stringify({ type: 'object', required, properties: { id: { type: 'string' }, note: { type: 'string' } } });
      writeFileSync(path.join(root, 'schemas', 'order-placed.v1.json'), schema(['id', 'note']));
      writeFileSync(path.join(root, 'schemas', 'order-placed.v2.json'), schema(['id']));
      const contract = (v1: string) => `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  events: {address: events, messages: {OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}, OrderPlacedV2: {$ref: '#/components/messages/OrderPlacedV2'}}}
components:
  messages:
    OrderPlaced: {x-schema-version: 1.2.0, payload: ${v1}}
    OrderPlacedV2: {x-schema-version: 2.0.0, payload: {$ref: './schemas/order-placed.v2.json'}}
`;
      const spec = path.join(root, 'asyncapi.yaml');
      writeFileSync(spec, contract(`{$ref: './schemas/order-placed.v1.json'}`));
      const releasedFile = path.join(root, 'released.yaml');
      writeFileSync(releasedFile, contract(schema(['id'])));
      const [released, working] = await Promise.all([loadContract(releasedFile, { validate: false }), loadContract(spec, { validate: false })]);
      const text = await nextStepsAfterDiff(diffContracts(released, working), released, working, spec, root);
      expect(text).toContain('      OrderPlaced: copy its payload schema schemas/order-placed.v1.json to schemas/order-placed.v3.json and edit the copy; add a message OrderPlacedV3 (x-schema-version: 3.0.0');

      // A major bumped in place (the break advised on) is not taken: V2, as the released 1.x says.
      const bumped = path.join(root, 'bumped.yaml');
      writeFileSync(bumped, contract(`{$ref: './schemas/order-placed.v1.json'}`).replace('OrderPlaced: {x-schema-version: 1.2.0', 'OrderPlaced: {x-schema-version: 2.0.0').replace(/\n    OrderPlacedV2: .*\n/, '\n').replace(", OrderPlacedV2: {$ref: '#/components/messages/OrderPlacedV2'}", ''));
      const releasedAlone = path.join(root, 'released-alone.yaml');
      writeFileSync(releasedAlone, contract(schema(['id'])).replace(/\n    OrderPlacedV2: .*\n/, '\n').replace(", OrderPlacedV2: {$ref: '#/components/messages/OrderPlacedV2'}", ''));
      const [r2, w2] = await Promise.all([loadContract(releasedAlone, { validate: false }), loadContract(bumped, { validate: false })]);
      expect(await nextStepsAfterDiff(diffContracts(r2, w2), r2, w2, bumped, root)).toContain('add a message OrderPlacedV2 (x-schema-version: 2.0.0');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('derives the copy from the real file name (payment-captured.json → payment-captured.v2.json, order-placed.v1.json → order-placed.v2.json), relative to the project; a components.schemas payload by its name', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'next-steps-'));
    try {
      mkdirSync(path.join(root, 'schemas'));
      const schema = (required: string[]) => JSON.stringify({ type: 'object', required, properties: { id: { type: 'string' }, amount: { type: 'number' } } });
      writeFileSync(path.join(root, 'schemas', 'payment-captured.json'), schema(['id', 'amount']));
      writeFileSync(path.join(root, 'schemas', 'order-placed.v1.json'), schema(['id', 'amount']));
      const contract = (payloads: Record<string, string>) => `asyncapi: 3.0.0
info: {title: t, version: 1.0.0}
channels:
  events: {address: events, messages: {PaymentCaptured: {$ref: '#/components/messages/PaymentCaptured'}, OrderPlaced: {$ref: '#/components/messages/OrderPlaced'}, ShippedV2: {$ref: '#/components/messages/ShippedV2'}}}
components:
  schemas:
    ShippedPayload: ${schema(['id', 'amount'])}
  messages:
    PaymentCaptured: {x-schema-version: 1.0.0, payload: ${payloads.PaymentCaptured}}
    OrderPlaced: {x-schema-version: 1.2.0, payload: ${payloads.OrderPlaced}}
    ShippedV2: {x-schema-version: 2.0.0, payload: ${payloads.Shipped}}
`;
      const spec = path.join(root, 'asyncapi.yaml');
      writeFileSync(spec, contract({ PaymentCaptured: `{$ref: './schemas/payment-captured.json'}`, OrderPlaced: `{$ref: './schemas/order-placed.v1.json'}`, Shipped: `{$ref: '#/components/schemas/ShippedPayload'}` }));
      const releasedFile = path.join(root, 'released.yaml');
      writeFileSync(releasedFile, contract({ PaymentCaptured: schema(['id']), OrderPlaced: schema(['id']), Shipped: schema(['id']) }));
      const [released, working] = await Promise.all([loadContract(releasedFile, { validate: false }), loadContract(spec, { validate: false })]);
      const diff = diffContracts(released, working);
      expect(hasFailingChanges(diff)).toBe(true);
      const text = await nextStepsAfterDiff(diff, released, working, spec, root);
      expect(text).toContain('      PaymentCaptured: copy its payload schema schemas/payment-captured.json to schemas/payment-captured.v2.json and edit the copy; add a message PaymentCapturedV2 (x-schema-version: 2.0.0');
      expect(text).toContain('      OrderPlaced: copy its payload schema schemas/order-placed.v1.json to schemas/order-placed.v2.json and edit the copy; add a message OrderPlacedV2');
      // A message already named for its major: the next is ShippedV3, not ShippedV2V3.
      expect(text).toContain('      ShippedV2: copy its payload schema components.schemas.ShippedPayload under a new name (e.g. ShippedPayloadV3) and edit the copy; add a message ShippedV3 (x-schema-version: 3.0.0');
      expect(text).toMatch(/^What to do next:\n/);
      expect(text).toContain('--accept-breaking');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('gives topology advice when only the topology breaks (it said to publish a new major version of a message)', async () => {
    const pair = path.join(pairs, 'topology-queue-removed');
    const [released, working] = await Promise.all([loadContract(path.join(pair, 'released.yaml'), { validate: false }), loadContract(path.join(pair, 'working.yaml'), { validate: false })]);
    const diff = diffContracts(released, working);
    expect(hasFailingChanges(diff)).toBe(true);
    // A consumer's queue removed: its channel, operation, queues and subscription, no message.
    expect(diff.changes.filter((c) => c.classification !== 'non-breaking').some((c) => c.path.startsWith('messages.'))).toBe(false);
    const text = await nextStepsAfterDiff(diff, released, working, path.join(pair, 'working.yaml'), pair);
    expect(text).toContain('  - Changing the topology on purpose (see each row): deploy the new resources beside the released ones');
    expect(text).not.toContain('new major version');
    expect(text).toContain('--accept-breaking');
  });
});

describe('the Markdown report', () => {
  it('sets the summary and each note apart (a paragraph, then a list), where they ran together into one paragraph', () => {
    const diff: ContractDiff = {
      mode: 'full',
      modeFrom: 'contract',
      changes: [{ path: `${payload}.properties.giftNote`, kind: 'added', classification: 'non-breaking', rule: 'field.optional-added', detail: 'optional field added' }],
      notes: ['OrderPlaced: its payload changed but x-schema-version is still 1.0.0; bump the minor (or patch) version.', 'info.version is still 1.0.0; bump it before `npm run contract:release`.'],
    };
    const text = renderReport(diff, 'markdown');
    const table = text.split('\n\n')[0]!;
    expect(table.split('\n').every((line) => line.startsWith('|'))).toBe(true);
    expect(text.slice(table.length).split('\n')).toEqual([
      '',
      '',
      '0 breaking, 1 non-breaking (compatibility mode: full, from info.x-compatibility)',
      '',
      'Notes:',
      '',
      '- OrderPlaced: its payload changed but x-schema-version is still 1.0.0; bump the minor (or patch) version.',
      '- info.version is still 1.0.0; bump it before `npm run contract:release`.',
    ]);
    // The table form keeps its note: lines.
    expect(renderReport(diff, 'table')).toMatch(/\nnote: OrderPlaced: .*\nnote: info\.version is still 1\.0\.0/);
  });
});

describe('enum and const, compared as the values they allow', () => {
  /** The optional-field-added pair's released contract, edited by `before` and `after`, diffed under full. */
  async function edited(before: (text: string) => string, after: (text: string) => string): Promise<string[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'allowed-values-'));
    try {
      const text = readFileSync(path.join(pairs, 'optional-field-added', 'released.yaml'), 'utf8');
      writeFileSync(path.join(dir, 'released.yaml'), before(text));
      writeFileSync(path.join(dir, 'working.yaml'), after(text));
      const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(dir, `${side}.yaml`), { validate: false })));
      return diffContracts(released!, working!, 'full').changes.map((c) => `${c.classification} ${c.rule} ${c.path}: ${c.detail}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const status = (written: string) => (text: string) => text.replace(/( {10}status:\n {12}type: string\n)[\s\S]*?(\n {10}amount:)/, `$1${written}$2`);
  const enumOf = (...values: string[]) => `            enum:\n${values.map((v) => `              - ${v}`).join('\n')}`;

  it('a const and a one-value enum of the same value are the same values, in either direction', async () => {
    expect(await edited(status('            const: PAID'), status(enumOf('PAID')))).toEqual([
      `non-breaking schema.values-rewritten ${payload}.properties.status.enum: const "PAID" → enum ["PAID"]: the same allowed values, written another way; no message changes validity (only the validator's words for a rejected value)`,
    ]);
    expect(await edited(status(enumOf('PAID')), status('            const: PAID'))).toEqual([expect.stringMatching(new RegExp(`^non-breaking schema\\.values-rewritten ${payload.replace(/\./g, '\\.')}\\.properties\\.status\\.const: enum \\["PAID"\\] → const "PAID": `))]);
  });

  it('a const widened into an enum, or an enum narrowed into a const, says which value and whom it breaks', async () => {
    expect(await edited(status('            const: PAID'), status(enumOf('PAID', 'PENDING')))).toEqual([
      `breaking schema.enum-value-added ${payload}.properties.status.enum: value "PENDING" allowed now (const "PAID" → enum ["PAID","PENDING"]): consumers on the released contract reject it`,
    ]);
    expect(await edited(status(enumOf('PAID', 'PENDING')), status('            const: PAID'))).toEqual([
      `breaking schema.enum-value-removed ${payload}.properties.status.const: value "PENDING" no longer allowed (enum ["PAID","PENDING"] → const "PAID"): messages carrying it are rejected now`,
    ]);
  });
});

describe('minimum and exclusiveMinimum (maximum and exclusiveMaximum), compared as the one bound they set', () => {
  /** The optional-field-added pair's released contract with `quantity` (an integer) or `amount` (a number) rewritten, diffed under full. */
  async function bounds(field: 'quantity' | 'amount', before: string, after: string): Promise<string[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'numeric-bounds-'));
    try {
      const text = readFileSync(path.join(pairs, 'optional-field-added', 'released.yaml'), 'utf8');
      const typed = field === 'quantity' ? 'integer' : 'number';
      const write = (file: string, bound: string) => writeFileSync(path.join(dir, file), text.replace(new RegExp(`( {10}${field}:\\n)[\\s\\S]*?(\\n {10}\\w+:|\\n\\w|\\n?$)`), `$1${field === 'amount' ? '            description: Total price.\n' : ''}            type: ${typed}\n${bound.split(', ').map((b) => `            ${b}`).join('\n')}$2`));
      write('released.yaml', before);
      write('working.yaml', after);
      const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(dir, `${side}.yaml`), { validate: false })));
      return diffContracts(released!, working!, 'full').changes.map((c) => `${c.classification} ${c.rule} ${c.path.replace(`${payload}.properties.`, '')}: ${c.detail}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("an integer's equivalent bounds are no change to any message (minimum: 1 → exclusiveMinimum: 0 was two breaking rows)", async () => {
    expect(await bounds('quantity', 'minimum: 1, maximum: 1000', 'exclusiveMinimum: 0, exclusiveMaximum: 1001')).toEqual([
      `non-breaking schema.bound-rewritten quantity.exclusiveMinimum: minimum 1 → exclusiveMinimum 0: the same bound (integers ≥ 1), written another way; no message changes validity (only the validator's words for a rejected value)`,
      `non-breaking schema.bound-rewritten quantity.exclusiveMaximum: maximum 1000 → exclusiveMaximum 1001: the same bound (integers ≤ 1000), written another way; no message changes validity (only the validator's words for a rejected value)`,
    ]);
    // Both written, the tighter counts: exclusiveMinimum 0 beside minimum 1 changes nothing.
    expect(await bounds('quantity', 'minimum: 1', 'minimum: 1, exclusiveMinimum: 0')).toEqual([expect.stringMatching(/^non-breaking schema\.bound-rewritten quantity\.minimum: minimum 1 → minimum 1 and exclusiveMinimum 0: the same bound/)]);
  });

  it("a number's bounds that move are still narrowed or widened, said with both keywords", async () => {
    expect(await bounds('amount', 'minimum: 1', 'exclusiveMinimum: 1')).toEqual([
      'breaking schema.exclusiveMinimum-raised amount.exclusiveMinimum: minimum 1 → exclusiveMinimum 1: raised; values valid before are rejected now',
    ]);
    expect(await bounds('amount', 'minimum: 1', 'exclusiveMinimum: 0')).toEqual([
      'breaking schema.exclusiveMinimum-lowered amount.exclusiveMinimum: minimum 1 → exclusiveMinimum 0: lowered; released readers reject values valid now',
    ]);
    expect(await bounds('amount', 'exclusiveMaximum: 100', 'maximum: 100')).toEqual([
      'breaking schema.maximum-raised amount.maximum: exclusiveMaximum 100 → maximum 100: raised; released readers reject values valid now',
    ]);
    // Of an integer, exclusiveMinimum: 1 is minimum: 2.
    expect(await bounds('quantity', 'minimum: 1', 'exclusiveMinimum: 1')).toEqual([
      'breaking schema.exclusiveMinimum-raised quantity.exclusiveMinimum: minimum 1 → exclusiveMinimum 1: raised; values valid before are rejected now',
    ]);
    // One keyword alone, as it always was.
    expect(await bounds('amount', 'minimum: 1', 'minimum: 2')).toEqual(['breaking schema.minimum-raised amount.minimum: 1 → 2: raised; values valid before are rejected now']);
  });
});

describe('the eventType a message is sent with', () => {
  /** The topology-delivery-delay-added pair (a delivery delay added), its eventType header edited on both sides. */
  async function withEventType(edit: (eventType: Record<string, any>, side: 'released' | 'working') => void): Promise<[ContractDocument, ContractDocument]> {
    const [released, working] = await Promise.all(['released', 'working'].map((side) => loadContract(path.join(pairs, 'topology-delivery-delay-added', `${side}.yaml`), { validate: false })));
    for (const [side, doc] of [['released', released!], ['working', working!]] as const) {
      const seen = new Set<unknown>();
      for (const m of [doc.components.messages.OrderPlaced, doc.channels.events.messages.orderPlaced, doc.channels.orders.messages.orderPlaced]) {
        if (seen.has(m.headers.properties.eventType)) continue;
        seen.add(m.headers.properties.eventType);
        edit(m.headers.properties.eventType, side);
      }
    }
    return [released!, working!];
  }

  it("the headers' eventType const removed where it differs from the message's name changes the eventType sent and filtered on: breaking in every mode (it was non-breaking under backward)", async () => {
    const docs = await withEventType((eventType, side) => {
      delete eventType.enum;
      if (side === 'released') eventType.const = 'order.placed';
      else delete eventType.const;
    });
    for (const mode of MODES) {
      const diff = diffContracts(...docs, mode);
      expect(rows(diff), mode).toContain('breaking message.event-type-changed messages.OrderPlaced.eventType');
    }
    expect(diffContracts(...docs, 'backward').changes.find((c) => c.rule === 'message.event-type-changed')!.detail).toBe(
      `"order.placed" → "OrderPlaced" (the headers' eventType const, else the message's name): producers send it as the eventType attribute and the subscriptions filter on it, so released consumers no longer get the new messages, nor new consumers the released producers'`,
    );
  });

  it("its const written as a one-value enum is the same values and the same eventType sent (the header's one allowed value, whatever the message's name): a rewrite, breaking in no mode", async () => {
    const docs = await withEventType((eventType, side) => {
      delete eventType.const;
      if (side === 'released') eventType.const = 'order.placed';
      else eventType.enum = ['order.placed'];
    });
    const found = rows(diffContracts(...docs, 'full'));
    expect(found).toContain('non-breaking schema.values-rewritten messages.OrderPlaced.headers.properties.eventType.enum');
    // The eventType sent was the message's name once its const became an enum, which the enum refused: every publish invalid.
    expect(found.filter((r) => r.includes('event-type-changed'))).toEqual([]);
  });
});

describe('the detail of a change between two long values', () => {
  it('shows them around where they differ: both cut at 60 characters looked the same', async () => {
    const before = { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }], region: [{ prefix: 'eu-' }] };
    const after = { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }], region: [{ prefix: 'us-' }] };
    const [a, b] = showChange(before, after).split(' → ');
    expect(a).not.toBe(b);
    expect(a).toContain('"eu-"');
    expect(b).toContain('"us-"');

    // In a diff: a const of the payload changed near its end.
    const dir = mkdtempSync(path.join(tmpdir(), 'long-values-'));
    const text = readFileSync(path.join(pairs, 'optional-field-added', 'released.yaml'), 'utf8');
    const file = (tail: string) => {
      const written = path.join(dir, `${tail}.yaml`);
      writeFileSync(written, text.replace('            minLength: 1\n', `            minLength: 1\n            const: urn:example:orders:catalogue:category:kitchen:appliances:${tail}\n`));
      return written;
    };
    const [released, working] = await Promise.all([file('toasters'), file('kettles')].map((f) => loadContract(f, { validate: false })));
    rmSync(dir, { recursive: true, force: true });
    const detail = diffContracts(released!, working!, 'full').changes.find((c) => c.path.endsWith('.orderId.const'))?.detail;
    const [from, to] = detail!.split(' → ');
    expect(from).toContain('toasters');
    expect(to).toContain('kettles');
  });

  it('shows short values as they are', () => {
    expect(showChange(1, 2)).toBe('1 → 2');
    expect(showChange(undefined, 'x')).toBe('(none) → "x"');
  });
});
