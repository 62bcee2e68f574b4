/**
 * Step 1 of `deriveTopology`: the document's messages by name, with their identity on the wire.
 *
 * A message's name is its `name`, else (the field is optional in AsyncAPI 3) its key under
 * `components.messages`, else its key in its channel's `messages`. Two different messages with one
 * name, or one `eventType` and major version, are a problem naming both: nothing is dropped.
 */
import type { MessageIdentity } from '@sluice/runtime/contract';
import { type Derivation, isObject, type Json, major, same } from './context.ts';

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
  const constType = message.headers?.properties?.eventType?.const;
  return {
    name,
    eventType: typeof constType === 'string' ? constType : name,
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
}

const pointerPart = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The name of a (dereferenced) message: its `name`, else its `components.messages` key, else
 * `key` (its key in a channel's `messages`), else the channel key it appears under.
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
  for (const [k, m] of Object.entries(isObject(doc.components?.messages) ? doc.components.messages : {})) if (m === message || same(m, message)) return k;
  if (key !== undefined) return key;
  for (const channel of Object.values<any>(doc.channels ?? {})) {
    for (const [k, m] of Object.entries(isObject(channel?.messages) ? channel.messages : {})) if (m === message || same(m, message)) return k;
  }
  return undefined;
}

/**
 * Every distinct message of a dereferenced document (`components.messages`, then each channel's
 * `messages`), named by {@link messageNameOf}; the same message declared twice is listed once, two
 * different ones with one name are a clash.
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
  const listing: MessageListing = { messages: [], clashes: [] };
  const visit = (map: unknown, base: string) => {
    for (const [key, m] of Object.entries(isObject(map) ? map : {})) {
      if (!isObject(m)) continue;
      const name = messageNameOf(doc, m, key)!;
      const pointer = `${base}/${pointerPart(key)}`;
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
  const { messages, clashes } = listMessages(d.doc);
  for (const { name, first, second } of clashes) {
    d.problems.push(
      `#${first} and #${second} are two different messages named ${name}: one would be lost. Give one its own name (a new version: name it ${name}V2 and keep the eventType through its headers' eventType const)`,
    );
  }
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
 */
export function namesOf(doc: Json, operation: Json): string[] {
  const list = operation.messages ?? operation.channel?.messages;
  const entries: [string | undefined, unknown][] = Array.isArray(list) ? list.map((m) => [undefined, m]) : Object.entries(isObject(list) ? list : {});
  return entries
    .filter((e): e is [string | undefined, Json] => isObject(e[1]))
    .map(([key, m]) => messageNameOf(doc, m, key) ?? '')
    .filter(Boolean)
    .sort();
}
