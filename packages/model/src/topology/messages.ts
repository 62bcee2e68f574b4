/** Step 1 of `deriveTopology`: the document's messages by name, with their identity on the wire. */
import type { MessageIdentity } from '@sluice/runtime/contract';
import { type Derivation, isObject, type Json } from './context.ts';

/**
 * `eventType` (the `eventType` header's `const`, else the message name) and `x-schema-version`.
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
    schemaVersion: typeof message['x-schema-version'] === 'string' ? message['x-schema-version'] : '0.0.0',
  };
}

/** Reads every message of the channels, then of `components.messages`; the first of a name wins. */
export function readMessages(d: Derivation): void {
  const visitMessages = (map: unknown) => {
    for (const [key, m] of Object.entries(isObject(map) ? map : {})) {
      if (!isObject(m)) continue;
      const { name, ...identity } = messageIdentity(m, key);
      if (!d.messages.has(name)) d.messages.set(name, identity);
    }
  };
  for (const channel of Object.values<any>(d.doc.channels ?? {})) visitMessages(channel?.messages);
  visitMessages(d.doc.components?.messages);
}

/** The message names of an operation's `messages` (a list or a map), sorted. */
export function namesOf(list: unknown): string[] {
  return (Array.isArray(list) ? list : Object.entries(isObject(list) ? list : {}).map(([k, m]) => ({ ...m, name: m?.name ?? k })))
    .filter(isObject)
    .map((m: Json) => messageIdentity(m, '').name)
    .filter(Boolean)
    .sort();
}
