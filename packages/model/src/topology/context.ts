/**
 * What the steps of `deriveTopology` share: the document, the options, what has been read so far
 * (messages, topics, queues, operations, subscriptions) and the problems and warnings found.
 * Each step reads the document and adds to it, in the order `deriveTopology` runs them.
 */
import { closest } from '@sluice/cli';
import type { MessageIdentity, OperationSpec, PolicyStatementSpec, QueueSpec, SubscriptionSpec, TopicSpec } from '@sluice/runtime/contract';

/** What a queue keeps when the contract does not say: SQS's default, 4 days. */
export const DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;

/** Options of `deriveTopology`. */
export interface DeriveOptions {
  /**
   * Derive filter policies (the default). `false` describes a contract deployed before filter
   * policies existed: every subscription admits every message of its topic (`filterPolicy` is `{}`).
   */
  filterPolicies?: boolean;
}

/** A part of the dereferenced document, as plain JSON. */
export type Json = Record<string, any>;

/** A topic being read: its spec and the messages its send operations publish. */
export type TopicDraft = TopicSpec & { messages: string[] };
/** A queue being read: its spec and the queues it is the dead-letter queue of. */
export type QueueDraft = QueueSpec & { deadLetterFor: string[] };
/** A subscription being read: who declared it, and the filter policy the contract states (if any). */
export type SubscriptionDraft = SubscriptionSpec & { declaredBy: string[]; stated?: unknown };

/** The state the steps of `deriveTopology` share. */
export interface Derivation {
  readonly doc: Json;
  readonly options: DeriveOptions;
  readonly problems: string[];
  readonly warnings: string[];
  /** Messages by name, with their identity on the wire. */
  readonly messages: Map<string, MessageIdentity>;
  readonly topics: Record<string, TopicDraft>;
  readonly queues: Record<string, QueueDraft>;
  readonly topicOfChannel: Map<string, string>;
  readonly queueOfChannel: Map<string, string>;
  /** A FIFO queue's binding name without `.fifo` → its AWS name (`orders` → `orders.fifo`). */
  readonly queueAliases: Map<string, string>;
  /** A FIFO topic's name without `.fifo` → its AWS name, as {@link queueAliases}. */
  readonly topicAliases: Map<string, string>;
  /** Every SQS queue binding read (channels' and operations'), with where it is: the redrive policies are linked from these. */
  readonly queueBindings: { where: string; binding: Json }[];
  readonly ops: Record<string, OperationSpec & Json>;
  /** Each string a topic's or queue's policy statement names as its `resource` (but its own ARN), with where: checked once every topic and queue is read. */
  readonly policyResources: { at: string; resource: string; owner: PolicyOwner }[];
  /** By operation id: the entries of its `bindings.sqs.queues` nothing names, of which no queue is made (said once all is read). */
  readonly queuesNotMade: Map<string, { index: number; name: string }[]>;
  /** By `topic\0queue`. */
  readonly subscriptions: Map<string, SubscriptionDraft>;
}

/** An empty derivation of `doc`. */
export function startDerivation(doc: Json, options: DeriveOptions): Derivation {
  return {
    doc,
    options,
    problems: [],
    warnings: [],
    messages: new Map(),
    topics: {},
    queues: {},
    topicOfChannel: new Map(),
    queueOfChannel: new Map(),
    queueAliases: new Map(),
    topicAliases: new Map(),
    queueBindings: [],
    ops: {},
    policyResources: [],
    queuesNotMade: new Map(),
    subscriptions: new Map(),
  };
}

/** A plain object (not an array, not null). */
export const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
/** Equal as JSON. */
export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** `1.2.3` → `1`. */
export const major = (version: string) => version.split('.')[0]!;

/** The name an AsyncAPI binding identifier (`{ name }` or `{ arn }`) points at. */
export function identifierName(identifier: unknown): string | undefined {
  if (!isObject(identifier)) return undefined;
  if (typeof identifier.name === 'string') return identifier.name;
  if (typeof identifier.arn === 'string') return identifier.arn.split(':').pop();
  return undefined;
}

/** The declared queue an identifier (`{ name }` or `{ arn }`) points at, by its AWS name. */
export function queueNamed(d: Derivation, identifier: unknown): string | undefined {
  const name = identifierName(identifier);
  if (name === undefined) return undefined;
  return d.queues[name] ? name : (d.queueAliases.get(name) ?? name);
}

/** A specification extension (`x-owner`): the official binding schemas allow one on every object, and it means nothing to AWS. */
export const isExtension = (key: string) => /^x-[\w.-]+$/.test(key);

/**
 * Every key of a binding object must be a field of its official schema (SNS 0.1.0, SQS 0.2.0):
 * anything else would be ignored, so it is a problem naming the fields that are read.
 * Specification extensions (`x-…`) are the schemas' own way to carry what AWS does not read
 * (an owner, a cost centre): allowed, and left to the tools that read them.
 */
export function checkFields(d: Derivation, value: Json, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key) || isExtension(key)) continue;
    // A misspelt field: the one meant, so that removing it does not lose the setting.
    const meant = closest(key, known) ?? known.find((k) => k.toLowerCase() === key.toLowerCase());
    d.problems.push(`${where}.${key} is not a field of the binding (${known.join(', ')}): ${meant ? `did you mean ${meant}? Rename it` : 'remove it, nothing would read it'}`);
  }
}

/** `tags` of a binding: an object of strings (AWS tags), else a problem. */
export function tagsOf(d: Derivation, value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    const numbers = isObject(value) && Object.values(value).some((v) => typeof v === 'number' || typeof v === 'boolean');
    d.problems.push(`${where}.tags must be an object of string values (AWS tags), got ${JSON.stringify(value)}${numbers ? ': quote the numbers and booleans (cost-center: "4711")' : ''}`);
    return undefined;
  }
  // What AWS refuses at deploy (SNS, SQS): said now, each with its place.
  const keys = Object.keys(value);
  if (keys.length > MAX_TAGS) d.problems.push(`${where}.tags has ${keys.length} tags: AWS allows at most ${MAX_TAGS} on a topic or queue`);
  for (const key of keys) {
    const shown = JSON.stringify(key);
    if (key.length === 0 || key.length > 128) d.problems.push(`${where}.tags: the key ${shown.length > 40 ? `${shown.slice(0, 37)}…"` : shown} must be 1..128 characters (AWS refuses it)`);
    else if (/^aws:/i.test(key)) d.problems.push(`${where}.tags.${key}: keys starting with aws: are reserved for AWS, which refuses them: rename it`);
    if ((value[key] as string).length > 256) d.problems.push(`${where}.tags.${key}: its value is ${(value[key] as string).length} characters, AWS allows at most 256`);
    for (const [what, text] of [['key', key], ['value', value[key] as string]] as const) {
      const refused = [...new Set(text.match(TAG_REFUSED) ?? [])];
      if (refused.length > 0) {
        d.problems.push(`${where}.tags.${key}: its ${what} holds ${refused.map((c) => JSON.stringify(c)).join(', ')}, which AWS refuses in tags: use letters, digits, spaces and _ . : / = + - @ only`);
      }
    }
  }
  return { ...value } as Record<string, string>;
}

/** A character AWS refuses in a tag's key or value (SNS and SQS allow letters, digits, separators such as the space, and `_ . : / = + - @`: AWS's pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`). */
const TAG_REFUSED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** The most tags AWS allows on an SNS topic or an SQS queue. */
const MAX_TAGS = 50;

/** The topic or queue a policy is on: its service and its AWS name. */
export interface PolicyOwner {
  service: 'sns' | 'sqs';
  name: string;
}

/** `policy` of a binding: `{ statements: [{ effect, principal, action, resource?, condition? }] }`, else a problem. */
export function policyOf(d: Derivation, value: unknown, where: string, owner?: PolicyOwner): PolicyStatementSpec[] | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Array.isArray(value.statements)) {
    d.problems.push(`${where}.policy needs statements: [{ effect, principal, action }]`);
    return undefined;
  }
  checkFields(d, value, ['statements'], `${where}.policy`);
  const statements: PolicyStatementSpec[] = [];
  for (const [i, st] of value.statements.entries()) {
    const at = `${where}.policy.statements[${i}]`;
    if (!isObject(st) || (st.effect !== 'Allow' && st.effect !== 'Deny') || st.principal === undefined || st.action === undefined) {
      d.problems.push(`${at} needs effect (Allow or Deny), principal and action`);
      continue;
    }
    checkFields(d, st, ['effect', 'principal', 'action', 'resource', 'condition'], at);
    const principal = iamPrincipalOf(d, st.principal, `${at}.principal`);
    if (principal === undefined) continue;
    // The topic's or queue's own ARN (or bare name), written out: deployed, its name carries the
    // stage (<name>-<stage> but on production), so as written it names nothing but on one stage
    // (and a bare name is no ARN: IAM refuses it). It means the resource the policy is on, which
    // is what a statement without resource gets. So does a list of nothing else.
    const resources = typeof st.resource === 'string' ? [st.resource] : Array.isArray(st.resource) ? st.resource : [];
    const ownOnes = owner ? resources.filter((r): r is string => typeof r === 'string' && ownResource(r, owner)) : [];
    const own = owner !== undefined && ownOnes.length > 0 && ownOnes.length === resources.length;
    if (own) {
      const as = ownOnes.every((r) => topicOrQueueArn(r)) ? 'ARN' : 'name';
      d.warnings.push(`${at}.resource ${ownOnes.join(', ')} is ${owner.name}'s own ${as} as written, which names it on one stage only (deployed, its name carries the stage but on production${as === 'name' ? '; and IAM takes an ARN, not a name' : ''}): it is applied as the ARN of ${owner.name} as deployed; leave resource out to say so without this warning`);
    } else if (owner && ownOnes.length > 0) {
      d.problems.push(`${at}.resource lists ${owner.name} itself (${ownOnes.join(', ')}) beside ${resources.filter((r) => !ownOnes.includes(r as string)).join(', ')}: a ${owner.service === 'sqs' ? 'queue' : 'topic'}'s policy applies to that ${owner.service === 'sqs' ? 'queue' : 'topic'} only, so the others grant or deny nothing here. Leave resource out (the statement then applies to ${owner.name} as deployed), and write what the others need in their own policies`);
    }
    // Another topic or queue of the contract is known once all are read: checkPolicyResources.
    if (owner && !own) {
      if (typeof st.resource === 'string') d.policyResources.push({ at: `${at}.resource`, resource: st.resource, owner });
      else if (Array.isArray(st.resource)) st.resource.forEach((r, j) => typeof r === 'string' && !ownOnes.includes(r) && d.policyResources.push({ at: `${at}.resource[${j}]`, resource: r, owner }));
    }
    statements.push({
      effect: st.effect,
      principal,
      action: st.action,
      ...(st.resource !== undefined && !own ? { resource: st.resource } : {}),
      ...(st.condition !== undefined ? { condition: st.condition } : {}),
    } as PolicyStatementSpec);
  }
  return statements;
}

/**
 * Whether `resource` names `owner` itself: its SNS topic's or SQS queue's ARN (any region and
 * account), or its bare name, either as made or without the `.fifo` a FIFO one is made with.
 */
function ownResource(resource: string, owner: PolicyOwner): boolean {
  const named = topicOrQueueArn(resource);
  if (named !== undefined && named.service !== owner.service) return false;
  const name = named?.name ?? resource;
  return name === owner.name || `${name}.fifo` === owner.name;
}

/** The service and name of an SNS topic's or SQS queue's ARN (any region and account, `*` included), else undefined. */
export function topicOrQueueArn(arn: string): { service: 'sns' | 'sqs'; name: string } | undefined {
  const parts = /^arn:aws[\w-]*:(sns|sqs):[\w*-]*:(?:\d*|\*):([^:/]+)$/.exec(arn);
  return parts ? { service: parts[1] as 'sns' | 'sqs', name: parts[2]! } : undefined;
}

/** The kinds of principal an IAM policy names in a map (`{ AWS: [...] }`). */
const PRINCIPAL_KINDS = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

/** The IAM kind of one principal a binding names as a string: an account or an IAM/STS ARN (AWS), an AWS service (Service). */
function principalKind(value: string): 'AWS' | 'Service' | undefined {
  if (/^\d{12}$/.test(value) || /^arn:aws[\w-]*:(iam|sts)::\d{12}:\S+$/.test(value)) return 'AWS';
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/.test(value)) return 'Service';
  return undefined;
}

/**
 * A statement's `principal` in IAM's spelling. The SNS 0.1.0 and SQS 0.2.0 bindings type it as a
 * string or a list of strings ("the AWS account or resource ARN"), but IAM takes a bare string only
 * for `"*"`: an account id or an IAM ARN goes under `AWS`, a service under `Service`. A map in
 * IAM's own spelling (`{ AWS: [...] }`, which a later binding schema admits) is kept. Anything else
 * is a problem: deployed as written, AWS would refuse the whole policy.
 */
function iamPrincipalOf(d: Derivation, value: unknown, where: string): unknown {
  const refuse = (why: string) => {
    d.problems.push(
      `${where} ${JSON.stringify(value)} ${why}: IAM takes "*", account ids (123456789012), IAM ARNs (arn:aws:iam::123456789012:role/publisher) and AWS services (sns.amazonaws.com); write one of those, or a list of them`,
    );
    return undefined;
  };
  if (value === '*') return '*';
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  if (isObject(value)) {
    const bad = Object.entries(value).filter(([kind, v]) => !PRINCIPAL_KINDS.includes(kind) || !(typeof v === 'string' || strings(v)));
    if (bad.length > 0) return refuse(`is not an IAM principal map (${PRINCIPAL_KINDS.join(', ')}, each a string or a list of strings)`);
    return { ...value };
  }
  const list = typeof value === 'string' ? [value] : strings(value) ? value : undefined;
  if (!list) return refuse('is not a principal');
  if (list.includes('*')) return list.length === 1 ? '*' : refuse('lists "*" with others: "*" alone already admits everyone');
  const byKind: Record<string, string[]> = {};
  for (const principal of list) {
    const kind = principalKind(principal);
    if (!kind) return refuse(`names ${JSON.stringify(principal)}, which is neither an account, an IAM ARN nor an AWS service`);
    (byKind[kind] ??= []).push(principal);
  }
  return byKind;
}

/**
 * A binding's `arn` (a topic's, a queue's, a subscription endpoint's, a dead-letter queue's) names
 * a topic or queue by its last part: the framework makes every topic and queue, by name, in the
 * account and region it deploys to. An ARN that gives an account or a region is said, with its
 * path, on every read (codegen, plan): deployed anywhere else, it is a new topic or queue of that
 * name there, and a topic or queue of another account is not supported. `name: …` (or an ARN
 * whose region and account are empty) says it without the warning. Not an ARN at all: a problem.
 */
export function checkArns(d: Derivation): void {
  const visit = (node: unknown, where: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${where}[${i}]`));
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'arn' && typeof value === 'string') {
        const [, partition, , region, account] = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):/.exec(value) ?? [];
        if (partition === undefined) d.problems.push(`${where}.arn ${JSON.stringify(value)} is not an ARN (arn:aws:<service>:<region>:<account>:<name>): give the name instead (name: …)`);
        else if ((region && region !== '*') || (account && account !== '*')) {
          const name = value.split(':').pop();
          const given = [region && region !== '*' ? `region ${region}` : '', account && account !== '*' ? `account ${account}` : ''].filter(Boolean).join(' and ');
          d.warnings.push(
            `${where}.arn ${value} names ${given}: the framework makes ${name} by name in the account and region it deploys to, which must be those (a topic or queue of another account is not supported; deployed elsewhere, this is a new ${name} there); write name: ${name} to say so without this warning`,
          );
        }
      } else visit(value, `${where}.${key}`);
    }
  };
  for (const kind of ['channels', 'operations'] as const) {
    for (const [id, item] of Object.entries<any>(d.doc[kind] ?? {})) {
      for (const binding of ['sns', 'sqs']) if (isObject(item?.bindings?.[binding])) visit(item.bindings[binding], `${kind}.${id}.bindings.${binding}`);
    }
  }
}

/** A whole number above zero. */
export function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The receive operation that consumes `queue`, if any. */
export function consumerOf(d: Derivation, queue: string): (OperationSpec & Json) | undefined {
  return Object.values(d.ops).find((o) => o.action === 'receive' && o.queue === queue);
}

/** The channel id of an operation's (dereferenced) channel. */
export function channelIdOf(doc: Json, operation: Json): string | undefined {
  const channels: Json = doc.channels ?? {};
  const target = operation.channel;
  for (const [id, channel] of Object.entries(channels)) if (channel === target || same(channel, target)) return id;
  for (const [id, channel] of Object.entries(channels)) if (isObject(target) && channel?.address === target.address && target.address) return id;
  return undefined;
}
