/**
 * Run-time description of the contract's messages and operations. The generated module
 * (`generated/index.js`) builds its `messages`, `operations` and `topology` with these functions.
 */
import { formatIssues, toIssues, type AjvError } from './issues.ts';
import type { CheckResult, ContractValidator, MessageContract, MessageMap, Operation, ValidationIssue } from './model.ts';

/** Thrown by `parse` when a value does not satisfy the contract; carries the issues. */
export class ContractViolation extends Error {
  /** Always `'CONTRACT_VIOLATION'`. */
  readonly code = 'CONTRACT_VIOLATION';
  /** The message whose contract the value breaks (`PaymentCaptured`). */
  readonly messageName: string;
  /** Every reason the value is invalid; the error's message lists them too. */
  readonly issues: ValidationIssue[];
  constructor(messageName: string, issues: ValidationIssue[]) {
    super(`Invalid ${messageName}: ${formatIssues(issues)}`);
    this.name = 'ContractViolation';
    this.messageName = messageName;
    this.issues = issues;
  }
}

/** What the generator knows of a message besides its validators. */
export interface MessageMeta {
  /** The message name, its key in the contract's `components.messages`. */
  name: string;
  /** The message's `title`, or its name when it has none. */
  title: string;
  /** The `eventType` attribute publishers set and subscriptions filter on. */
  eventType: string;
  /** The message's `x-schema-version` (`1.4.0`). */
  schemaVersion: string;
  /** The payload's top-level field names, in schema order. */
  properties: string[];
  /** The optional headers the message declares besides its identity. */
  headers: string[];
}

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

/**
 * The major part of a version: everything before the first dot.
 *
 * @example
 * ```ts
 * import { majorOf } from '@sluice/runtime/contract';
 *
 * majorOf('1.4.0'); // '1'
 * majorOf('2'); // '2'
 * ```
 */
export function majorOf(version: string): string {
  const dot = version.indexOf('.');
  return dot === -1 ? version : version.slice(0, dot);
}

/**
 * One message of the contract: its identity on the wire, its validators and a tolerant `pick`.
 * The generated module calls it once per message; applications use what it returns.
 *
 * @param meta - what the contract says of the message
 * @param validate - the payload's validator (ajv: a boolean function leaving `errors`)
 * @param validateHeaders - the headers' validator, when the message declares headers
 * @param pick - returns only the contract's top-level fields of a valid payload
 * @returns the frozen message contract; its `parse` throws {@link ContractViolation}
 *
 * @example
 * ```ts
 * import { defineMessage } from '@sluice/runtime/contract';
 *
 * declare const validatePaymentCaptured: (data: unknown) => boolean;
 * const PaymentCaptured = defineMessage(
 *   { name: 'PaymentCaptured', title: 'Payment captured', eventType: 'PaymentCaptured', schemaVersion: '1.0.0', properties: ['paymentId'], headers: [] },
 *   validatePaymentCaptured,
 *   undefined,
 *   (d) => ({ paymentId: d.paymentId }),
 * );
 * const result = PaymentCaptured.check({ paymentId: 'p-1' }); // { ok: true, value } or { ok: false, issues }
 * ```
 */
export function defineMessage(
  meta: MessageMeta,
  validate: Validator,
  validateHeaders: Validator | undefined,
  pick: (data: Record<string, unknown>) => Record<string, unknown>,
): MessageContract {
  const check = (data: unknown): CheckResult<unknown> =>
    validate(data) ? { ok: true, value: data } : { ok: false, issues: toIssues(validate.errors) };
  return Object.freeze({
    ...meta,
    major: majorOf(meta.schemaVersion),
    properties: Object.freeze([...meta.properties]) as readonly never[],
    headers: Object.freeze([...meta.headers]),
    attributes: Object.freeze({ eventType: meta.eventType, schemaVersion: meta.schemaVersion }),
    validate: validate as ContractValidator<unknown>,
    validateHeaders: validateHeaders as ContractValidator<unknown> | undefined,
    check,
    parse(data: unknown) {
      const result = check(data);
      if (!result.ok) throw new ContractViolation(meta.name, result.issues);
      return result.value;
    },
    /** Generated per message: the contract's fields of a valid payload, nothing else. */
    pick: pick as (data: unknown) => unknown,
  });
}

/**
 * An operation with its message contracts, frozen: `spec` (from the topology manifest) with its
 * message names replaced by the contracts in `all`.
 *
 * @throws Error when `spec` names a message that `all` does not hold
 *
 * @example
 * ```ts
 * import { defineOperation, type MessageMap, type Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declare const messages: MessageMap;
 * const consume = defineOperation({ ...topology.operations['consumePaymentCaptured']!, messages: ['PaymentCaptured'] }, messages);
 * ```
 */
export function defineOperation(spec: { id: string; action: 'send' | 'receive'; messages: readonly string[] } & Record<string, unknown>, all: MessageMap): Operation {
  const picked: Record<string, MessageContract> = {};
  for (const name of spec.messages) {
    const message = all[name];
    if (!message) throw new Error(`operation ${spec.id} names message ${name}, which the contract does not define`);
    picked[name] = message;
  }
  return Object.freeze({ ...spec, messages: Object.freeze(picked) }) as unknown as Operation;
}

/**
 * Freezes plain data all the way down (the generated topology manifest) and returns it.
 *
 * @example
 * ```ts
 * import { deepFreeze } from '@sluice/runtime/contract';
 *
 * const topology = deepFreeze({ topics: { payments: { fifo: false } } });
 * Object.isFrozen(topology.topics.payments); // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
