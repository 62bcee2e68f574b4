/**
 * Every publish ends somewhere an operator sees: each topic's unrouted queue admits exactly what
 * none of its subscriptions admits (among messages with attributes, SNS's semantics), says why,
 * and is part of the plan with its alarms; the plan also hardens topics, reserves concurrency and
 * refuses a production stage whose alarms would notify nobody.
 */
import { describe, expect, it } from 'vitest';
import {
  checkSettings,
  complementPolicy,
  filterPolicyAdmits,
  filterPolicyComplexity,
  resolvePlan,
  SettingsError,
  settingsWarnings,
  triageDeadLetterQueueNameOf,
  unroutedOf,
  unroutedReason,
} from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';
import { settings } from '../../../tests/fixtures/single-consumer/settings.ts';

/** A system of the framework's tests: one topic, OrderPlaced v1, one consumer with a table. */
const topology = await fixtureTopology('single-consumer');

const withEmail: AppSettings = { ...settings, alerts: { emails: ['oncall@example.com'] } };

/** Attribute sets around the order topic's routing: missing, other types, other majors, odd versions, extras. */
const samples: Record<string, string>[] = [
  {},
  { correlationId: 'c-1' },
  { eventType: 'OrderPlaced' },
  { schemaVersion: '1.0.0' },
  { eventType: 'OrderPlaced', correlationId: 'c-1' },
  { eventType: 'OrderPlaced', schemaVersion: '1.0.0' },
  { eventType: 'OrderPlaced', schemaVersion: '1.9.3', correlationId: 'c-1' },
  { eventType: 'OrderPlaced', schemaVersion: '2.0.0' },
  { eventType: 'OrderPlaced', schemaVersion: '10.0.0' },
  { eventType: 'OrderPlaced', schemaVersion: '1' },
  { eventType: 'OrderPlaced', schemaVersion: '' },
  { eventType: 'OrderCancelled', schemaVersion: '1.0.0' },
  { eventType: 'orderplaced', schemaVersion: '1.0.0' },
  { eventType: '', schemaVersion: '1.0.0' },
];

describe('the unrouted queue of each topic', () => {
  const [orders] = unroutedOf(topology);

  it('is derived for the order topic, subscribed with the envelope kept', () => {
    expect(orders).toMatchObject({ kind: 'unrouted', topic: 'OrderTopic', queue: 'OrderTopicUnrouted', routed: [{ eventType: 'OrderPlaced', majors: ['1'] }] });
    expect(orders!.subscription).toMatchObject({ name: 'OrderTopicToOrderTopicUnrouted', rawMessageDelivery: false, filterPolicyScope: 'MessageAttributes' });
  });

  it("keeps what SNS cannot deliver to it, as a consumer's subscription does: its dead-letter queue is the triage's (it had none: such a publish was lost)", () => {
    expect(orders!.subscription.deadLetterQueue).toBe('OrderTopicTriageDLQ');
    expect(triageDeadLetterQueueNameOf({ name: 'Payments.fifo', fifo: true })).toBe('PaymentsTriageDLQ.fifo');
    // The queue the plan makes, alarmed on, and SNS allowed to send to it.
    const plan = resolvePlan({ topology, settings, check: false });
    expect(plan.subscriptions.find((s) => s.name === 'OrderTopicToOrderTopicUnrouted')).toMatchObject({ deadLetterQueue: 'OrderTopicTriageDLQ' });
    expect(plan.queues.find((q) => q.name === 'OrderTopicTriageDLQ')).toMatchObject({ kind: 'deadLetter', senders: ['OrderTopic'], alarms: [expect.objectContaining({ description: expect.stringMatching(/or that SNS could not deliver to OrderTopicUnrouted/) }), expect.objectContaining({ name: 'OrderTopicTriageDLQAgeAlarm' })] });
  });

  it('admits exactly the complement of the routed subscriptions, for every message that carries an attribute', () => {
    const routed = topology.subscriptions.filter((s) => s.topic === 'OrderTopic');
    for (const attributes of samples.filter((a) => Object.keys(a).length > 0)) {
      const isRouted = routed.some((s) => filterPolicyAdmits(s.filterPolicy, attributes));
      expect(filterPolicyAdmits(orders!.subscription.filterPolicy, attributes), JSON.stringify(attributes)).toBe(!isRouted);
    }
  });

  it('cannot admit a publish with no attribute at all (SNS: exists false needs one attribute); the plan alarms on SNS\'s count of those instead', () => {
    expect(filterPolicyAdmits(orders!.subscription.filterPolicy, {})).toBe(false);
    const plan = resolvePlan({ topology, settings: withEmail });
    expect(plan.alarms.filter((a) => 'topic' in a.subject).map((a) => `${a.name} ${a.namespace} ${a.metricName}`)).toEqual([
      'OrderTopicFilteredOutNoMessageAttributesAlarm AWS/SNS NumberOfNotificationsFilteredOut-NoMessageAttributes',
      'OrderTopicFilteredOutInvalidAttributesAlarm AWS/SNS NumberOfNotificationsFilteredOut-InvalidAttributes',
      'OrderTopicFailedToRedriveToDlqAlarm AWS/SNS NumberOfNotificationsFailedToRedriveToDlq',
    ]);
  });

  it('says why each message is unrouted, from its attributes; nothing when it is routed now', () => {
    expect(unroutedReason(topology, 'OrderTopic', {})).toBe('published without eventType/schemaVersion');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced' })).toBe('published without schemaVersion (eventType OrderPlaced)');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced', schemaVersion: '2.0.0' })).toBe('no consumer declares OrderPlaced v2');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderCancelled', schemaVersion: '1.0.0' })).toBe('no consumer declares OrderCancelled');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced', schemaVersion: '1.1.0' })).toBeUndefined();
  });

  it('says a blank eventType or schemaVersion (SNS takes " ") is blank, never a type or a version "v " with nothing after it', () => {
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced', schemaVersion: ' ' })).toBe('published with a blank schemaVersion (" "; eventType OrderPlaced)');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: '', schemaVersion: '1.0.0' })).toBe('published with a blank eventType (""; schemaVersion 1.0.0)');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: ' ', schemaVersion: '\t' })).toBe('published with a blank eventType and schemaVersion (" ", "\\t")');
  });

  it('quotes an event type a space starts or ends, which read bare looked like a declared one ("OrderPlaced " as OrderPlaced)', () => {
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced ', schemaVersion: '1.0.0' })).toBe('no consumer declares "OrderPlaced "');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: ' OrderPlaced', schemaVersion: '1.0.0' })).toBe('no consumer declares " OrderPlaced"');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced\t' })).toBe('published without schemaVersion (eventType "OrderPlaced\\t")');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced ', schemaVersion: ' ' })).toBe('published with a blank schemaVersion (" "; eventType "OrderPlaced ")');
  });

  it('names every fault of the identity: one missing and the other blank is said as both', () => {
    expect(unroutedReason(topology, 'OrderTopic', { schemaVersion: ' ' })).toBe('published without eventType and with a blank schemaVersion (" ")');
    expect(unroutedReason(topology, 'OrderTopic', { eventType: ' ' })).toBe('published with a blank eventType (" ") and without schemaVersion');
  });

  it('says a schemaVersion with no major version (not MAJOR.…) as it is, never "vabc"', () => {
    const noMajor = (version: string) => `no consumer declares OrderPlaced schemaVersion ${JSON.stringify(version)} (no major version: not MAJOR.MINOR.PATCH)`;
    for (const version of ['abc', 'abc.1.0', '1', ' 1.0.0', 'v1.0.0']) expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced', schemaVersion: version }), version).toBe(noMajor(version));
    // A numeric major no consumer declares is still named by it.
    expect(unroutedReason(topology, 'OrderTopic', { eventType: 'OrderPlaced', schemaVersion: '10.0.0' })).toBe('no consumer declares OrderPlaced v10');
  });

  it('stays within SNS\'s limits; a type routed in several majors gets no clause: no routed message is kept twice, its other majors are the triage\'s', () => {
    expect(filterPolicyComplexity(orders!.subscription.filterPolicy)).toEqual({ combinations: 4, keys: 2 });
    const two = complementPolicy([{ eventType: 'A', majors: ['1', '2'] }, { eventType: 'B', majors: ['1'] }]);
    // Routed: never admitted (the lowest-major clause admitted v2 as well: a copy of each v2 publish).
    for (const version of ['1.0.0', '2.0.0', '2.5.1']) expect(filterPolicyAdmits(two, { eventType: 'A', schemaVersion: version }), version).toBe(false);
    // A third major of A: no clause SNS can evaluate says "neither 1. nor 2.": the triage keeps it (packages/runtime/tests/triage.test.ts).
    expect(filterPolicyAdmits(two, { eventType: 'A', schemaVersion: '3.0.0' })).toBe(false);
    // The rest as before: B's other majors, other types, missing identities.
    expect(filterPolicyAdmits(two, { eventType: 'B', schemaVersion: '2.0.0' })).toBe(true);
    expect(filterPolicyAdmits(two, { eventType: 'B', schemaVersion: '1.0.0' })).toBe(false);
    expect(filterPolicyAdmits(two, { eventType: 'C', schemaVersion: '1.0.0' })).toBe(true);
    expect(filterPolicyAdmits(two, { eventType: 'A' })).toBe(true);
    expect(filterPolicyComplexity(two)).toEqual({ combinations: 5, keys: 2 });
    // Nothing about it to warn of in the plan.
    const twoMajors = structuredClone(topology) as unknown as { subscriptions: { filterPolicy: unknown }[] };
    twoMajors.subscriptions[0]!.filterPolicy = { eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }, { prefix: '2.' }] };
    expect(resolvePlan({ topology: twoMajors as unknown as Topology, settings: withEmail }).warnings.filter((w) => /Unrouted/.test(w))).toEqual([]);
  });

  it('is in the plan: a queue of its own kind kept 14 days, encrypted with the key, fed by its topic only, with depth and age alarms', () => {
    const plan = resolvePlan({ topology, settings: withEmail });
    const queue = plan.queues.find((q) => q.kind === 'unrouted')!;
    expect(queue).toMatchObject({ name: 'OrderTopicUnrouted', spec: { retentionSeconds: 1_209_600 }, encryption: 'kms', senders: ['OrderTopic'] });
    expect(queue.alarms.map((a) => `${a.name} ${a.metricName} > ${a.threshold}`)).toEqual([
      'OrderTopicUnroutedDepthAlarm ApproximateNumberOfMessagesVisible > 0',
      'OrderTopicUnroutedAgeAlarm ApproximateAgeOfOldestMessage > 604800',
    ]);
    expect(plan.subscriptions.map((s) => s.name)).toContain('OrderTopicToOrderTopicUnrouted');
    expect(plan.unrouted.map((u) => u.queue)).toEqual(['OrderTopicUnrouted']);
  });
});

describe('the hardened plan', () => {
  it('encrypts every topic and every queue SNS sends to with one key SNS and SQS may use, and the alerts topic with a key of its own CloudWatch may use', () => {
    const plan = resolvePlan({ topology, settings: withEmail });
    expect(plan.key).toEqual({
      name: 'MessagesKey',
      topics: ['OrderTopic'],
      queues: ['OrderDLQ', 'OrderQueue', 'OrderTopicUnrouted', 'OrderTopicTriageDLQ', 'OrderTopicTriage'],
      services: ['sns.amazonaws.com', 'sqs.amazonaws.com'],
      publishers: [],
    });
    // CloudWatch publishes a notification with the alerts topic's key: were it MessagesKey, the
    // alarm about MessagesKey disabled (FailedToRedriveToDlq) could not reach anyone.
    expect(plan.alertsKey).toEqual({ name: 'AlertsKey', topics: ['Alerts'], queues: [], services: ['cloudwatch.amazonaws.com'], publishers: [] });
  });

  it('lets only the deploying account publish by default, and the principals the settings name per send operation', () => {
    expect(resolvePlan({ topology, settings: withEmail }).topics[0]!.publishers).toEqual([{ operationId: 'publishOrderPlaced', principals: 'deployingAccount' }]);
    const named = { ...withEmail, publishers: { publishOrderPlaced: { principals: ['arn:aws:iam::111122223333:role/checkout'] } } };
    expect(resolvePlan({ topology, settings: named }).topics[0]!.publishers).toEqual([{ operationId: 'publishOrderPlaced', principals: ['arn:aws:iam::111122223333:role/checkout'] }]);
    expect(checkSettings(topology, { publishers: { publishNothing: { principals: ['123456789012'] }, publishOrderPlaced: { principals: ['*'] } } })).toEqual([
      expect.stringMatching(/settings.publishers.publishNothing names no send operation/),
      expect.stringMatching(/settings.publishers.publishOrderPlaced.principals\[0\] must be a 12-digit account id or an IAM role/),
    ]);
    // A role session's ARN (what `aws sts get-caller-identity` prints): the policy matches its role.
    expect(checkSettings(topology, { publishers: { publishOrderPlaced: { principals: ['arn:aws:sts::111122223333:assumed-role/checkout/i-0abc'] } } })).toEqual([
      expect.stringContaining('principals[0] must be a 12-digit account id or an IAM role, user or account-root ARN, got "arn:aws:sts::111122223333:assumed-role/checkout/i-0abc": name the role the session assumed, arn:aws:iam::111122223333:role/checkout'),
    ]);
  });

  it('reserves at least the event source\'s maximum concurrency for each consumer, and refuses less', () => {
    const plan = resolvePlan({ topology, settings: withEmail });
    expect(plan.functions.map((f) => [f.operationId, f.reservedConcurrency, f.maximumConcurrency])).toEqual([['consumeOrderPlaced', 5, 5], ['triageOrderTopic', 2, 2]]);
    const low = { consumers: { consumeOrderPlaced: { maximumConcurrency: 10, reservedConcurrency: 4 } } };
    expect(checkSettings(topology, low)).toEqual([expect.stringMatching(/reservedConcurrency 4 is under its maximumConcurrency 10: .*throttled batch uses up a receive/)]);
  });

  it('warns about a maxReceiveCount under 5, with the reason the settings give for keeping it', () => {
    expect(settingsWarnings(topology, {})).toEqual([
      expect.stringMatching(/^consumer consumeOrderPlaced has no entry in the settings/),
      expect.stringMatching(/queue OrderQueue: maxReceiveCount 3 is under 5, AWS's guidance .* say why it stays in settings.consumers.consumeOrderPlaced.lowMaxReceiveCountReason/),
    ]);
    expect(settingsWarnings(topology, settings)).toEqual([expect.stringMatching(/Kept, because: .*seed/)]);
  });

  it('warns about a consumer with no entry in the settings: the defaults it runs with, and the entry to add (a warning: it deploys and runs)', () => {
    const { consumers: _, ...none } = withEmail;
    const warning =
      'consumer consumeOrderPlaced has no entry in the settings (settings.consumers in the settings file: package.json\'s eventContract.settings, src/settings.ts in a created project), so it runs with the framework\'s defaults: ' +
      'a function timeout of 30 s, maximumConcurrency 5, batchSize 10 (memoryMB 512, batchWindowSeconds 1). ' +
      'Choose its numbers: add "consumeOrderPlaced": { batchSize: 10, timeoutSeconds: 30, maximumConcurrency: 5 } to settings.consumers (these keep the defaults; lower the timeout to what a batch needs)';
    expect(settingsWarnings(topology, none)).toContain(warning);
    const plan = resolvePlan({ topology, settings: none });
    expect(plan.warnings).toContain(warning);
    expect(plan.functions.find((f) => f.operationId === 'consumeOrderPlaced')).toMatchObject({ timeoutSeconds: 30, maximumConcurrency: 5 });
    // An entry, even one that sets a single number, is a choice: no warning.
    expect(settingsWarnings(topology, { ...none, consumers: { consumeOrderPlaced: { timeoutSeconds: 10 } } }).join('\n')).not.toMatch(/has no entry/);
    expect(settingsWarnings(topology, withEmail).join('\n')).not.toMatch(/has no entry/);
  });

  it('refuses a production stage whose alerts topic nobody subscribes to, naming the setting; warns for any other stage', () => {
    const nobody = { ...settings, alerts: { emails: [] } };
    expect(() => resolvePlan({ topology, settings: nobody, production: true })).toThrow(SettingsError);
    expect(() => resolvePlan({ topology, settings: nobody, production: true })).toThrow(/a production stage must reach someone: the alerts topic has no subscriber.*settings\.alerts\.emails/s);
    expect(resolvePlan({ topology, settings: nobody }).warnings).toContainEqual(expect.stringMatching(/the alerts topic has no subscriber.*a production stage refuses/));
    for (const alerts of [{ emails: ['oncall@example.com'] }, { endpoints: [{ protocol: 'https' as const, endpoint: 'https://pager.example.com/hook' }] }, { subscribedElsewhere: 'PagerDuty, from ops-infra' }]) {
      expect(resolvePlan({ topology, settings: { ...settings, alerts }, production: true }).warnings.join('\n')).not.toMatch(/no subscriber/);
    }
  });
});
