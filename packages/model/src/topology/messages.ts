/**
 * Step 1 of `deriveTopology`: the document's messages by name, with their identity on the wire.
 *
 * A message's name is its `name`, else (the field is optional in AsyncAPI 3) its key under
 * `components.messages`, else its key in its channel's `messages`. Two different messages with one
 * name, or one `eventType` and major version, are a problem naming both: nothing is dropped.
 */
import type { MessageIdentity } from '@sluice/runtime/contract';
import { type Derivation, isExtension, isObject, type Json, major, same } from './context.ts';

/**
 * The `schemaVersion` of a message without `x-schema-version`: what its publishers send and its
 * subscriptions filter on (major version 1).
 */
export const DEFAULT_SCHEMA_VERSION = '1.0.0';

/**
 * `eventType` (the `eventType` header's `const`, else the message name) and `x-schema-version`
 * (else {@link DEFAULT_SCHEMA_VERSION}).
 *
 * @example
 * ```ts
 * import { messageIdentity } from '@sluice/model';
 *
 * messageIdentity({ name: 'PaymentCaptured', 'x-schema-version': '1.2.0' }, 'fallback');
 * // { name: 'PaymentCaptured', eventType: 'PaymentCaptured', schemaVersion: '1.2.0' }
 * ```
 */
export function messageIdentity(message: Json, fallbackName: string): MessageIdentity & { name: string } {
  const name = typeof message.name === 'string' ? message.name : fallbackName;
  const header = message.headers?.properties?.eventType;
  // Its one allowed value: a const, or an enum of one value, the same set (contract:diff compares them so).
  const declared = header?.const !== undefined ? header.const : Array.isArray(header?.enum) && header.enum.length === 1 ? header.enum[0] : undefined;
  return {
    name,
    eventType: typeof declared === 'string' ? declared : name,
    schemaVersion: typeof message['x-schema-version'] === 'string' ? message['x-schema-version'] : DEFAULT_SCHEMA_VERSION,
  };
}

/** One message of a document, where it is declared and what it is called. */
export interface ListedMessage {
  /** Its `name`, else its `components.messages` key, else its channel key. */
  name: string;
  /** JSON pointer of its first declaration (`/components/messages/PaymentCaptured`). */
  pointer: string;
  /** The message object (dereferenced). */
  message: Json;
}

/** What {@link listMessages} returns. */
export interface MessageListing {
  /** Every distinct message, components first, then the channels', in document order. */
  messages: ListedMessage[];
  /** Two different messages that would share a name: both, with where each is declared. */
  clashes: { name: string; first: string; second: string }[];
  /**
   * A channel's message under a key of its own that is equal to several `components.messages`
   * without a `name` (the same content): which one it is cannot be told once the document is
   * dereferenced. Where it is, and the names it could be.
   */
  ambiguous: { pointer: string; names: string[] }[];
}

const pointerPart = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The parser's name of a message without `name` (its key): `x-parser-message-name` while the
 * document still carries the parser's keys, else the copy of it the loaders keep
 * (`x-sluice-message-key`: codegen's stripParserKeys, governance's loadContract).
 */
function parserNameOf(message: Json): string | undefined {
  for (const key of ['x-parser-message-name', 'x-sluice-message-key']) {
    const name = message[key];
    if (typeof name === 'string' && name && !name.startsWith('<anonymous')) return name;
  }
  return undefined;
}

/** The keys of a map of messages whose message is `message`: the same object, else (a dereferenced copy) equal as JSON. */
function keysOf(map: unknown, message: Json): string[] {
  const entries = Object.entries(isObject(map) ? map : {});
  const identical = entries.filter(([, m]) => m === message).map(([k]) => k);
  return identical.length > 0 ? identical : entries.filter(([, m]) => same(m, message)).map(([k]) => k);
}

/**
 * The name of a (dereferenced) message: its `name`, else its `components.messages` key, else
 * `key` (its key in a channel's `messages`), else the channel key it appears under.
 *
 * Dereferenced, a message reached by `$ref` is a copy of its components entry, found by content.
 * Two components messages without `name` may have the same content: then `key` says which one
 * (the key it is declared under, which is its components key when it is `$ref`'d under that key),
 * and without a `key` among them the message is `undefined` (it cannot be told which it is;
 * {@link listMessages} reports it). The parser's own name (`x-parser-message-name`), when the
 * document still has it, is the key itself.
 *
 * @example
 * ```ts
 * import { messageNameOf } from '@sluice/model';
 *
 * const message = { payload: { type: 'string' } };
 * messageNameOf({ components: { messages: { PaymentCaptured: message } } }, message); // 'PaymentCaptured'
 * ```
 */
export function messageNameOf(doc: Json, message: Json, key?: string): string | undefined {
  if (typeof message.name === 'string' && message.name) return message.name;
  const parserName = parserNameOf(message);
  if (parserName !== undefined) return parserName;
  const components = keysOf(doc.components?.messages, message);
  if (components.length === 1) return components[0];
  if (components.length > 1) return key !== undefined && components.includes(key) ? key : undefined;
  if (key !== undefined) return key;
  const keys = new Set<string>();
  for (const channel of Object.values<any>(doc.channels ?? {})) for (const k of keysOf(channel?.messages, message)) keys.add(k);
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * Every distinct message of a dereferenced document (`components.messages`, then each channel's
 * `messages`), named by {@link messageNameOf}; the same message declared twice is listed once, two
 * different ones with one name are a clash, and a channel's message that could be several
 * components messages (the same content, no `name`, its key none of theirs) is ambiguous.
 *
 * @example
 * ```ts
 * import { listMessages } from '@sluice/model';
 *
 * const { messages, clashes } = listMessages({ components: { messages: { PaymentCaptured: { payload: { type: 'string' } } } } });
 * messages[0]?.pointer; // '/components/messages/PaymentCaptured'
 * ```
 */
export function listMessages(doc: Json): MessageListing {
  const byName = new Map<string, ListedMessage>();
  /** The other messages of a taken name already reported, so each is named once. */
  const reported = new Map<string, Json[]>();
  const listing: MessageListing = { messages: [], clashes: [], ambiguous: [] };
  const visit = (map: unknown, base: string) => {
    for (const [key, m] of Object.entries(isObject(map) ? map : {})) {
      if (!isObject(m)) continue;
      const pointer = `${base}/${pointerPart(key)}`;
      const name = messageNameOf(doc, m, key);
      if (name === undefined) {
        // One of several equal components messages, each listed under its own key: not a message of its own.
        listing.ambiguous.push({ pointer, names: keysOf(doc.components?.messages, m) });
        continue;
      }
      const previous = byName.get(name);
      if (previous) {
        const known = [previous.message, ...(reported.get(name) ?? [])];
        if (!known.some((k) => k === m || same(k, m))) {
          listing.clashes.push({ name, first: previous.pointer, second: pointer });
          reported.set(name, [...(reported.get(name) ?? []), m]);
        }
        continue;
      }
      const listed = { name, pointer, message: m };
      byName.set(name, listed);
      listing.messages.push(listed);
    }
  };
  visit(doc.components?.messages, '/components/messages');
  for (const [id, channel] of Object.entries<any>(doc.channels ?? {})) visit(channel?.messages, `/channels/${pointerPart(id)}/messages`);
  return listing;
}

/**
 * Reads every message; two different messages with one name, or with one `eventType` and major
 * version (subscribers and consumers could not tell them apart), are problems naming both.
 */
export function readMessages(d: Derivation): void {
  const { messages, clashes, ambiguous } = listMessages(d.doc);
  for (const { pointer, names } of ambiguous) {
    d.problems.push(
      `#${pointer} is the same as ${names.map((n) => `#/components/messages/${pointerPart(n)}`).join(' and ')} (the same content, no name), and its key is none of theirs: once the document is dereferenced, which one it is cannot be told. Give each of them a name (name: ${names[0]}), or declare it under the key of the one it is`,
    );
  }
  for (const { name, first, second } of clashes) {
    d.problems.push(
      `#${first} and #${second} are two different messages named ${name}: one would be lost. Give one its own name (a new version: name it ${name}V2 and keep the eventType through its headers' eventType const)`,
    );
  }
  for (const listed of messages) checkReservedBinding(d, listed.message.bindings, `#${listed.pointer}/bindings`, 'message');
  for (const [id, server] of Object.entries<any>(isObject(d.doc.servers) ? d.doc.servers : {})) checkReservedBinding(d, server?.bindings, `#/servers/${pointerPart(id)}/bindings`, 'server');
  const byIdentity = new Map<string, ListedMessage>();
  for (const listed of messages) {
    const { name, ...identity } = messageIdentity(listed.message, listed.name);
    d.messages.set(name, identity);
    const key = `${identity.eventType}\u0000${major(identity.schemaVersion)}`;
    const other = byIdentity.get(key);
    if (other) {
      d.problems.push(
        `#${other.pointer} (${other.name}) and #${listed.pointer} (${name}) are both eventType ${identity.eventType} major version ${major(identity.schemaVersion)}: subscribers and consumers could not tell them apart. Give one a new major x-schema-version or its own eventType`,
      );
    } else byIdentity.set(key, listed);
  }
}

/**
 * The message names of an operation, sorted: its `messages` (a list or a map), or, when it has
 * none (AsyncAPI 3: every message of the channel), its channel's.
 *
 * A listed message is a dereferenced copy of one of its channel's: found by content, and named as
 * that channel entry is (its key says which of several equal messages it is). When several of the
 * channel's messages are equal to it and the operation lists fewer of them than there are, which it
 * lists cannot be told: a problem (`where` is the operation's path, `operations.<id>`), as is a
 * listed message that none names.
 */
export function namesOf(doc: Json, operation: Json, where = 'operation', problems: string[] = []): string[] {
  const list = operation.messages ?? operation.channel?.messages;
  const names: string[] = [];
  if (!Array.isArray(list)) {
    for (const [key, m] of Object.entries(isObject(list) ? list : {})) {
      if (!isObject(m)) continue;
      const name = messageNameOf(doc, m, key);
      // A channel message that could be several components messages: reported by listMessages.
      if (name !== undefined) names.push(name);
    }
    return names.sort();
  }
  const channelMessages: Json = isObject(operation.channel?.messages) ? operation.channel.messages : {};
  const taken = new Set<string>();
  for (const [i, m] of list.entries()) {
    if (!isObject(m)) continue;
    const own = messageNameOf(doc, m);
    if (own !== undefined) {
      names.push(own);
      continue;
    }
    const candidates = keysOf(channelMessages, m)
      .map((k) => messageNameOf(doc, channelMessages[k], k))
      .filter((n): n is string => n !== undefined);
    const listedAlike = list.filter((other) => isObject(other) && (other === m || same(other, m))).length;
    const free = candidates.filter((n) => !taken.has(n));
    if (candidates.length === 1) names.push(candidates[0]!);
    else if (candidates.length > 1 && listedAlike === candidates.length && free.length > 0) {
      // Every one of the equal messages is listed: which entry is which does not matter.
      taken.add(free[0]!);
      names.push(free[0]!);
    } else if (candidates.length > 1) {
      problems.push(
        `${where}.messages[${i}] is the same as ${candidates.join(' and ')} (the same content, no name): once the document is dereferenced, which one it lists cannot be told. Give each of them a name (name: ${candidates[0]} under its components.messages entry) and list it by $ref`,
      );
    } else if (keysOf(channelMessages, m).length > 0) {
      // It is one of its channel's messages, one that cannot be named: listMessages reports that one.
    } else {
      problems.push(`${where}.messages[${i}] is none of its channel's messages: list the channel's messages by $ref (#/channels/<channel>/messages/<key>)`);
    }
  }
  return names.sort();
}

/** The binding versions whose message and server binding objects are "reserved for future use", and where what is meant is written instead. */
const RESERVED: Record<'sns' | 'sqs', { name: string; version: string; instead: Record<string, string> }> = {
  sns: {
    name: 'SNS',
    version: '0.1.0',
    instead: {
      messageAttributes: "a message's attributes are its headers: declare them in the message's headers schema",
      region: "the region is the deployment's (the AWS provider's region in sst.config.ts, AWS_REGION locally)",
    },
  },
  sqs: {
    name: 'SQS',
    version: '0.2.0',
    instead: {
      messageGroupId: "a FIFO message's group is the payload field its x-message-group-id names (or the publisher's messageGroupId option)",
      messageDeduplicationId: "a FIFO message's deduplication id is the publisher's messageDeduplicationId option, or the queue's contentBasedDeduplication",
      delaySeconds: "a delay is the queue's deliveryDelay (its bindings.sqs.queue)",
      region: "the region is the deployment's (the AWS provider's region in sst.config.ts, AWS_REGION locally)",
    },
  },
};

/**
 * A message's or a server's `sns` or `sqs` binding: SNS 0.1.0 and SQS 0.2.0 define no field there
 * (the object is reserved for future use), so one written there would be read by nothing and
 * change nothing: refused, saying where what it means is written. `bindingVersion` and
 * extensions (`x-…`) are allowed; an empty object (Springwolf writes `sns: {}`) is nothing.
 */
function checkReservedBinding(d: Derivation, bindings: unknown, at: string, kind: 'message' | 'server'): void {
  if (!isObject(bindings)) return;
  for (const protocol of ['sns', 'sqs'] as const) {
    const binding = bindings[protocol];
    if (!isObject(binding)) continue;
    const { name, version, instead } = RESERVED[protocol];
    for (const key of Object.keys(binding)) {
      if (key === 'bindingVersion' || isExtension(key)) continue;
      const meant = Object.hasOwn(instead, key) ? `: ${instead[key]}` : '';
      d.problems.push(
        `${at}/${protocol}/${pointerPart(key)}: the ${name} binding ${version} defines no ${kind} fields (its ${kind} binding object is reserved for future use), so nothing would read ${key}: remove it${meant}`,
      );
    }
  }
}
