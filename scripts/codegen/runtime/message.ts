/** Run-time description of one message of the contract, bundled into the generated module. */
import { formatIssues, toIssues, type AjvError, type ValidationIssue } from './issues.ts';

type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

interface Meta {
  name: string;
  title: string;
  eventType: string;
  schemaVersion: string;
  properties: string[];
}

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

export function defineMessage(
  meta: Meta,
  validate: Validator,
  validateHeaders: Validator | undefined,
  pick: (data: Record<string, unknown>) => Record<string, unknown>,
) {
  const properties = Object.freeze([...meta.properties]);
  const check = (data: unknown) =>
    validate(data)
      ? { ok: true as const, value: data }
      : { ok: false as const, issues: toIssues(validate.errors) };
  return Object.freeze({
    ...meta,
    properties,
    attributes: Object.freeze({ eventType: meta.eventType, schemaVersion: meta.schemaVersion }),
    validate,
    validateHeaders,
    check,
    parse(data: unknown) {
      const result = check(data);
      if (!result.ok) throw new ContractViolation(meta.name, result.issues);
      return result.value;
    },
    /** Generated per message: the contract's fields of a valid payload, nothing else. */
    pick,
  });
}
