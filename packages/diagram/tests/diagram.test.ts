/**
 * The topology picture: every resource of the plan is a node with a stable id, each edge says what
 * the plan says (filter policy, raw or enveloped, maxReceiveCount, table actions, alarms), a queue
 * of any kind the plan holds is drawn, and the same input gives the same SVG bytes.
 */
import { describe, expect, it } from 'vitest';
import { resolvePlan, type DeploymentPlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import { describeFilterPolicy, diagramNodeId, diagramNodeIds, inlineSvg, renderSvg, topologyDot, topologySvg } from '@sluice/diagram';
import { settings } from '../../../tests/fixtures/single-consumer/settings.ts';
import { fixtureTopology } from '../../../tests/helpers/fixture-topology.ts';

/** A system of the framework's tests: one topic, OrderPlaced v1, one consumer with a table. */
const topology = await fixtureTopology('single-consumer');

const plan = resolvePlan({ topology, settings });

describe('describeFilterPolicy', () => {
  it('writes one line per attribute, prefixes as `1.*`, alternatives of $or separated by `or`', () => {
    expect(describeFilterPolicy({ eventType: ['OrderPlaced', 'OrderShipped'], schemaVersion: [{ prefix: '1.' }] })).toBe('eventType: OrderPlaced | OrderShipped\nschemaVersion: 1.*');
    expect(describeFilterPolicy({ $or: [{ eventType: ['A'] }, { eventType: ['B'], schemaVersion: [{ prefix: '2.' }] }] })).toBe('eventType: A\nor\neventType: B\nschemaVersion: 2.*');
    expect(describeFilterPolicy({ amount: [{ numeric: ['>', 0] }] })).toBe('amount: {"numeric":[">",0]}');
    expect(describeFilterPolicy({})).toBe('everything');
    expect(describeFilterPolicy({ eventType: [{ exists: false }], schemaVersion: [{ 'anything-but': { prefix: '1.' } }] })).toBe('eventType: (missing)\nschemaVersion: not 1.*');
  });
});

describe('topologyDot', () => {
  const dot = topologyDot({ topology, plan });

  it('has a node for every publisher, topic, queue, function, table and the alerts topic', () => {
    const ids = diagramNodeIds({ topology, plan });
    expect(ids).toEqual(
      expect.arrayContaining(['publisher-publishOrderPlaced', 'topic-OrderTopic', 'queue-OrderDLQ', 'queue-OrderQueue', 'function-consumeOrderPlaced', 'table-Orders', 'alerts-Alerts']),
    );
    expect(ids).toHaveLength(1 + plan.topics.length + plan.queues.length + plan.functions.length + plan.tables.length + 1);
    for (const id of ids) expect(dot).toContain(`"${id}" [id="${id}"`);
  });

  it("draws the plan's unrouted queue of the topic, fed by the complement of the routed policies", () => {
    const unrouted = plan.queues.filter((q) => (q as { kind?: string }).kind === 'unrouted');
    expect(unrouted.length).toBeGreaterThan(0);
    for (const q of unrouted) expect(dot).toContain(`label="${q.name}\\nunrouted queue"`);
    expect(dot).toContain('eventType: not OrderPlaced');
  });

  it('labels the edges with what the plan says', () => {
    expect(dot).toContain('"publisher-publishOrderPlaced" -> "topic-OrderTopic" [label="OrderPlaced"]');
    expect(dot).toContain('"topic-OrderTopic" -> "queue-OrderQueue" [id="subscription-OrderTopicToOrderQueue", label="eventType: OrderPlaced\\nschemaVersion: 1.*\\nSNS envelope"]');
    expect(dot).toContain('"topic-OrderTopic" -> "queue-OrderDLQ" [label="undeliverable"');
    expect(dot).toContain('"queue-OrderQueue" -> "queue-OrderDLQ" [label="after 3 receives\\n(maxReceiveCount 3)"');
    expect(dot).toContain('"queue-OrderQueue" -> "function-consumeOrderPlaced" [label="batches of 10"]');
    expect(dot).toContain('"function-consumeOrderPlaced" -> "table-Orders" [label="PutItem, GetItem"]');
    expect(dot).toContain('"function-consumeOrderPlaced" -> "alerts-Alerts" [label="Errors > 0\\nThrottles > 0"');
    // The triage's way into the unrouted queue, beside SNS's (the picture had no edge for it), and the unrouted subscription's undeliverable.
    expect(dot).toContain('"function-triageOrderTopic" -> "queue-OrderTopicUnrouted" [label="what no filter admits\\n(no attributes)", style="dashed"]');
    expect(dot.match(/"topic-OrderTopic" -> "queue-OrderTopicTriageDLQ" \[label="undeliverable"/g)).toHaveLength(1);
  });

  it('draws a queue of another kind the plan holds, fed by its topic, and a raw subscription as raw', () => {
    const queue = plan.queues.find((q) => q.name === 'OrderQueue')!;
    const archive = { ...queue, kind: 'archive', spec: { ...queue.spec, name: 'OrderArchive', deadLetter: undefined }, name: 'OrderArchive', baseName: 'OrderArchive', senders: ['OrderTopic'] } as unknown as DeploymentPlan['queues'][number];
    const raw = { ...plan.subscriptions[0]!, rawMessageDelivery: true };
    const extended: DeploymentPlan = { ...plan, queues: [...plan.queues, archive], subscriptions: [raw] };
    const drawn = topologyDot({ topology, plan: extended });
    expect(drawn).toContain('"queue-OrderArchive" [id="queue-OrderArchive", label="OrderArchive\\narchive queue"');
    expect(drawn).toContain('"topic-OrderTopic" -> "queue-OrderArchive" [label="archive queue", style="dashed"]');
    expect(drawn).toContain('schemaVersion: 1.*\\nraw message"');
  });

  it('escapes quotes and backslashes in names and labels', () => {
    const odd = { ...topology, contract: { title: 'A "quoted" \\ title', version: '1' } } as Topology;
    expect(topologyDot({ topology: odd, plan })).toContain('label="A \\"quoted\\" \\\\ title 1"');
    expect(diagramNodeId('queue', 'a b"c')).toBe('queue-a_b_c');
  });
});

describe('the SVG', () => {
  it('is byte-identical for the same input, and holds every node by its id', async () => {
    const first = await topologySvg({ topology, settings });
    const second = await topologySvg({ topology: structuredClone(topology), settings });
    expect(second).toBe(first);
    for (const id of diagramNodeIds({ topology, plan })) expect(first).toContain(`<g id="${id.replace(/-/g, '&#45;')}" class="node">`); // Graphviz writes - as &#45;
    expect(first).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
  });

  it('reports invalid DOT as an error, and inlineSvg drops the prolog', async () => {
    await expect(renderSvg('digraph { a -> }')).rejects.toThrow();
    const svg = await renderSvg('digraph { a -> b }');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(inlineSvg(svg).startsWith('<svg')).toBe(true);
    expect(() => inlineSvg('<html></html>')).toThrow(/not an SVG/);
  });
});
