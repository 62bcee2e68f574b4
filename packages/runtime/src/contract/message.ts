/**
 * Run-time description of the contract's messages and operations. The generated module
 * (`generated/index.js`) builds its `messages`, `operations` and `topology` with these functions.
 */
import { formatIssues, toIssues, type AjvError } from './issues.ts';
import type { CheckResult, ContractValidator, MessageContract, MessageMap, Operation, ValidationIssue } from './model.ts';

/** Thrown by `parse` when a value does not satisfy the contract; carries the issues. */
export class ContractViolation extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  readonly messageName: string;
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
  name: string;
  title: string;
  eventType: string;
  schemaVersion: string;
  properties: string[];
  headers: string[];
}

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

/** `1.4.0` → `1`. */
export function majorOf(version: string): string {
  const dot = version.indexOf('.');
  return dot === -1 ? version : version.slice(0, dot);
}

/**
 * One message of the contract: its identity on the wire, its validators and a tolerant `pick`.
 *
 * @example
 * // generated/index.js
 * OrderPlaced: defineMessage({ name: 'OrderPlaced', ... }, validateOrderPlaced, validateOrderPlacedAttributes, (d) => ({ ... })),
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
 * An operation with its message contracts, frozen.
 *
 * @example
 * consumeOrderPlaced: defineOperation(topology.operations.consumeOrderPlaced, messages),
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

/** Freezes plain data all the way down (the generated topology manifest). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
