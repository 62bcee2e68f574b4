/**
 * What a message is about (an order id, a payment id), read from the contract: the subject column
 * of `dlq list` and of the local console's dead letters and records. One function, so that both
 * say the same of the same message.
 */
/** The longest value taken for a subject: an id, not a text (a longer one is not shown). */
const MAX_SUBJECT_LENGTH = 64;

/** The value of `field` in `payload` as a subject: a string of at most 64 characters, or a number. */
function subjectValue(payload: Record<string, unknown>, field: string | undefined): string | undefined {
  const value = field !== undefined && Object.hasOwn(payload, field) ? payload[field] : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_SUBJECT_LENGTH ? value : undefined;
}

/**
 * How the framework names what a message is about, for `dlq list`'s subject column and the local
 * console's: the value of its message's first field (a string of at most 64 characters, or a
 * number). For a payload the consumer rejected (its message not known: `messageName` undefined),
 * the first field of the first of `messages` whose first field it has: a rejected order still
 * shows its order id. A body that has none (`{"hello":2}`) has no subject. `dlq` uses it unless
 * the application gives its own `describe`.
 *
 * @param messages - the messages a payload may be, by name: a consumer's (its operation's `messages`), else the contract's
 * @returns a `describe` for `DeadLetterQueue` and `dlqCommand`: `(payload, messageName) => subject`
 * @example
 * ```ts
 * import { subjectFromContract } from '@sluice/ops';
 * import type { MessageContract } from '@sluice/runtime/contract';
 *
 * declare const orderPlaced: MessageContract; // its first field: orderId
 * const subjectOf = subjectFromContract({ OrderPlaced: orderPlaced });
 * subjectOf({ orderId: 'ord-1', quantity: 2 }, 'OrderPlaced'); // 'ord-1'
 * subjectOf({ orderId: 'ord-2', quantity: 'two' }, undefined); // 'ord-2' (rejected: the payload is read as it is)
 * subjectOf({ hello: 2 }, undefined); // undefined
 * ```
 */
export function subjectFromContract(messages: Readonly<Record<string, { readonly properties: readonly string[] }>>): (payload: unknown, messageName: string | undefined) => string | undefined {
  return (payload, messageName) => {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    const fields = payload as Record<string, unknown>;
    if (messageName !== undefined) return Object.hasOwn(messages, messageName) ? subjectValue(fields, messages[messageName]!.properties[0]) : undefined;
    for (const message of Object.values(messages)) {
      const subject = subjectValue(fields, message.properties[0]);
      if (subject !== undefined) return subject;
    }
    return undefined;
  };
}
