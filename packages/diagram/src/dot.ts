/**
 * The topology as a Graphviz DOT graph, from the deployment plan (`resolvePlan` of `@sluice/model`):
 * publishers (send operations) → topics → subscriptions (the filter policy and raw/enveloped on the
 * edge) → queues → dead-letter queues (maxReceiveCount on the edge) → consumer functions → tables,
 * and the paths the plan has besides: a subscription's dead-letter queue for notifications SNS
 * cannot deliver, any other topic that sends to a queue (whatever kind of queue the plan holds),
 * and every alarm to the alerts topic.
 *
 * Every node has a stable SVG id ({@link diagramNodeId}), so a page can find a resource in the
 * rendered picture (the local console writes its live counts there). The graph is built in the
 * plan's order, which is the topology's (sorted by name), so one plan always gives the same DOT.
 */
import type { AlarmPlan, DeploymentPlan, QueuePlan } from '@sluice/model';
import type { FilterPolicy, Topology } from '@sluice/runtime/contract';

/** The kinds of node the picture has. */
export type DiagramNodeKind = 'publisher' | 'topic' | 'queue' | 'function' | 'table' | 'alerts';

/**
 * The SVG id of a resource's node in the picture: `<kind>-<name>`, with anything but letters,
 * digits, `-`, `_` and `.` replaced by `_`.
 *
 * @example
 * ```ts
 * import { diagramNodeId } from '@sluice/diagram';
 *
 * diagramNodeId('queue', 'OrderDLQ'); // 'queue-OrderDLQ'
 * ```
 */
export function diagramNodeId(kind: DiagramNodeKind, name: string): string {
  return `${kind}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** A string as a DOT quoted string (labels may hold `\n` line breaks, written as DOT's `\n`). */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function attributes(attrs: Record<string, string | number | undefined>): string {
  const parts = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : quote(v!)}`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

/** One value of a filter policy: `OrderPlaced`, `1.*` for a prefix, else its JSON. */
function policyValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && Object.keys(value).length === 1) {
    const [[operator, operand]] = Object.entries(value) as [[string, unknown]];
    if (operator === 'prefix' && typeof operand === 'string') return `${operand}*`;
    if (operator === 'exists') return operand ? '(present)' : '(missing)';
    if (operator === 'anything-but') return `not ${Array.isArray(operand) ? operand.map(policyValue).join(' | ') : policyValue(operand)}`;
  }
  return JSON.stringify(value);
}

/**
 * A filter policy as short lines: `eventType: OrderPlaced | OrderShipped`, one line per attribute,
 * alternatives of `$or` separated by `or`.
 *
 * @example
 * ```ts
 * import { describeFilterPolicy } from '@sluice/diagram';
 *
 * describeFilterPolicy({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] });
 * // 'eventType: OrderPlaced\nschemaVersion: 1.*'
 * ```
 */
export function describeFilterPolicy(policy: FilterPolicy): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && Array.isArray(value)) {
      lines.push(value.map((alternative) => describeFilterPolicy(alternative as FilterPolicy)).join('\nor\n'));
    } else {
      lines.push(`${key}: ${Array.isArray(value) ? value.map(policyValue).join(' | ') : policyValue(value)}`);
    }
  }
  return lines.join('\n') || 'everything';
}

/** What a queue is, for its label: `SQS queue`, `dead-letter queue`, `unrouted queue`, or any other kind the plan gives it. */
function queueRole(queue: QueuePlan): string {
  const kind = (queue as { kind?: unknown }).kind;
  if (kind === 'deadLetter' || (kind === undefined && queue.spec.deadLetterFor.length > 0)) return 'dead-letter queue';
  if (typeof kind === 'string' && kind !== 'queue') return `${kind} queue`;
  return queue.spec.fifo ? 'FIFO queue' : 'SQS queue';
}

/** An alarm in a few words: `oldest message > 900 s`, `Errors > 0`. */
function alarmLabel(alarm: AlarmPlan): string {
  if (alarm.metricName === 'ApproximateAgeOfOldestMessage') return `oldest message > ${alarm.threshold} s`;
  if (alarm.metricName === 'ApproximateNumberOfMessagesVisible') return `messages > ${alarm.threshold}`;
  return `${alarm.metricName} > ${alarm.threshold}`;
}

const STYLE = {
  publisher: { shape: 'cds', style: 'filled', fillcolor: '#eef2ff', color: '#4338ca' },
  topic: { shape: 'box', style: 'rounded,filled', fillcolor: '#fef3c7', color: '#b45309' },
  queue: { shape: 'box', style: 'filled', fillcolor: '#dbeafe', color: '#1d4ed8' },
  deadLetter: { shape: 'box', style: 'filled', fillcolor: '#fee2e2', color: '#b91c1c' },
  other: { shape: 'box', style: 'filled,dashed', fillcolor: '#f1f5f9', color: '#475569' },
  function: { shape: 'component', style: 'filled', fillcolor: '#dcfce7', color: '#15803d' },
  table: { shape: 'cylinder', style: 'filled', fillcolor: '#f3e8ff', color: '#7e22ce' },
  alerts: { shape: 'box', style: 'rounded,filled,dashed', fillcolor: '#fff7ed', color: '#c2410c' },
} as const;

/** What {@link topologyDot} takes. */
export interface TopologyDotInput {
  /** The topology manifest: its send operations are the publishers. */
  topology: Topology;
  /** The deployment plan of that topology (`resolvePlan`): queues, functions, tables and alarms. */
  plan: DeploymentPlan;
}

/**
 * The topology and its plan as a DOT graph (left to right), every resource a node with a stable
 * id ({@link diagramNodeId}).
 *
 * @example
 * ```ts
 * import { resolvePlan } from '@sluice/model';
 * import { topologyDot } from '@sluice/diagram';
 * import { topology } from '@orders/contract';
 * import { settings } from '@orders/app/settings';
 *
 * const dot = topologyDot({ topology, plan: resolvePlan({ topology, settings }) });
 * dot.startsWith('digraph topology {'); // true
 * ```
 */
export function topologyDot({ topology, plan }: TopologyDotInput): string {
  const lines: string[] = [];
  const node = (kind: DiagramNodeKind, name: string, label: string, style: Record<string, string>, tooltip?: string) =>
    lines.push(`  ${quote(diagramNodeId(kind, name))}${attributes({ id: diagramNodeId(kind, name), label, tooltip: tooltip ?? label, ...style })};`);
  const edge = (from: string, to: string, attrs: Record<string, string | number | undefined> = {}) => lines.push(`  ${quote(from)} -> ${quote(to)}${attributes(attrs)};`);

  lines.push('digraph topology {');
  lines.push(`  graph${attributes({ rankdir: 'LR', label: `${topology.contract.title} ${topology.contract.version}`, labelloc: 't', fontname: 'Helvetica', fontsize: 16, nodesep: 0.4, ranksep: 0.9, bgcolor: 'white' })};`);
  lines.push(`  node${attributes({ fontname: 'Helvetica', fontsize: 12, penwidth: 1.4, margin: '0.15,0.06' })};`);
  lines.push(`  edge${attributes({ fontname: 'Helvetica', fontsize: 10, color: '#475569', fontcolor: '#334155' })};`);

  const publishers = Object.values(topology.operations).filter((o) => o.action === 'send');
  for (const op of publishers) node('publisher', op.id, `${op.id}\npublisher`, STYLE.publisher, op.title);
  for (const topic of plan.topics) node('topic', topic.name, `${topic.name}\nSNS topic${topic.fifo ? ' (FIFO)' : ''}`, STYLE.topic);
  for (const queue of plan.queues) {
    const role = queueRole(queue);
    node('queue', queue.name, `${queue.name}\n${role}`, role === 'dead-letter queue' ? STYLE.deadLetter : role === 'SQS queue' || role === 'FIFO queue' ? STYLE.queue : STYLE.other);
  }
  for (const fn of plan.functions) node('function', fn.operationId, `${fn.operationId}\nLambda function\nbatch ${fn.batchSize}, timeout ${fn.timeoutSeconds} s`, STYLE.function);
  for (const table of plan.tables) node('table', table.name, `${table.name}\nDynamoDB table`, STYLE.table);
  const alarms = plan.alarms;
  if (alarms.length > 0) {
    const emails = plan.alerts.emails.length;
    node('alerts', plan.alerts.topic, `${plan.alerts.topic}\nalerts topic${emails ? `\n${emails} email subscriber(s)` : ''}`, STYLE.alerts);
  }

  for (const op of publishers) {
    if (op.topic) edge(diagramNodeId('publisher', op.id), diagramNodeId('topic', op.topic), { label: op.messages.join('\n') });
  }
  const subscribed = new Set<string>();
  for (const s of plan.subscriptions) {
    subscribed.add(`${s.topic}\u0000${s.queue}`);
    edge(diagramNodeId('topic', s.topic), diagramNodeId('queue', s.queue), {
      id: `subscription-${s.name}`,
      label: `${describeFilterPolicy(s.filterPolicy)}\n${s.rawMessageDelivery ? 'raw message' : 'SNS envelope'}`,
    });
    // One edge per topic and dead-letter queue, however many of its subscriptions share it (the triage's and the unrouted queue's do).
    if (s.deadLetterQueue && !subscribed.has(`${s.topic}\u0000${s.deadLetterQueue}`)) {
      subscribed.add(`${s.topic}\u0000${s.deadLetterQueue}`);
      edge(diagramNodeId('topic', s.topic), diagramNodeId('queue', s.deadLetterQueue), { label: 'undeliverable', style: 'dashed', color: '#b91c1c', fontcolor: '#b91c1c' });
    }
  }
  for (const queue of plan.queues) {
    // Any other topic that sends to the queue (a queue of another kind the plan adds).
    for (const topic of queue.senders) {
      if (!subscribed.has(`${topic}\u0000${queue.name}`)) edge(diagramNodeId('topic', topic), diagramNodeId('queue', queue.name), { label: queueRole(queue), style: 'dashed' });
    }
    const dl = queue.spec.deadLetter;
    if (dl) edge(diagramNodeId('queue', queue.name), diagramNodeId('queue', dl.queue), { label: `after ${dl.maxReceiveCount} receives\n(maxReceiveCount ${dl.maxReceiveCount})`, color: '#b91c1c', fontcolor: '#b91c1c' });
  }
  for (const fn of plan.functions) {
    edge(diagramNodeId('queue', fn.queue), diagramNodeId('function', fn.operationId), { label: `batches of ${fn.batchSize}` });
    for (const [table, actions] of Object.entries(fn.settings.tables)) {
      edge(diagramNodeId('function', fn.operationId), diagramNodeId('table', table), { label: actions.map((a) => a.replace(/^dynamodb:/, '')).join(', ') });
    }
  }
  // A topic's triage keeps in the unrouted queue what no filter admits (a publish without attributes): the way there besides SNS's.
  for (const t of plan.triage) {
    const fn = plan.functions.find((f) => f.kind === 'triage' && f.queue === t.queue);
    if (fn) edge(diagramNodeId('function', fn.operationId), diagramNodeId('queue', t.unroutedQueue), { label: 'what no filter admits\n(no attributes)', style: 'dashed' });
  }
  // One edge per watched resource, its alarms on the label.
  const watched = new Map<string, string[]>();
  for (const alarm of alarms) {
    const from = 'queue' in alarm.subject ? diagramNodeId('queue', alarm.subject.queue) : 'topic' in alarm.subject ? diagramNodeId('topic', alarm.subject.topic) : diagramNodeId('function', alarm.subject.function);
    watched.set(from, [...(watched.get(from) ?? []), alarmLabel(alarm)]);
  }
  for (const [from, metrics] of watched) edge(from, diagramNodeId('alerts', plan.alerts.topic), { label: metrics.join('\n'), style: 'dotted', color: '#c2410c', fontcolor: '#c2410c' });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Every node id the picture of `plan` has: what a reader must find in it.
 *
 * @example
 * ```ts
 * import { resolvePlan } from '@sluice/model';
 * import { diagramNodeIds } from '@sluice/diagram';
 * import { topology } from '@orders/contract';
 * import { settings } from '@orders/app/settings';
 *
 * diagramNodeIds({ topology, plan: resolvePlan({ topology, settings }) }); // ['publisher-publishOrderPlaced', 'topic-OrderTopic', …]
 * ```
 */
export function diagramNodeIds({ topology, plan }: TopologyDotInput): string[] {
  return [
    ...Object.values(topology.operations)
      .filter((o) => o.action === 'send')
      .map((o) => diagramNodeId('publisher', o.id)),
    ...plan.topics.map((t) => diagramNodeId('topic', t.name)),
    ...plan.queues.map((q) => diagramNodeId('queue', q.name)),
    ...plan.functions.map((f) => diagramNodeId('function', f.operationId)),
    ...plan.tables.map((t) => diagramNodeId('table', t.name)),
    ...(plan.alarms.length > 0 ? [diagramNodeId('alerts', plan.alerts.topic)] : []),
  ];
}
