/** One reason a value does not satisfy the contract. */
export interface ValidationIssue {
  /** Dotted path of the offending field (`quantity`), or `(root)` for the value itself. */
  path: string;
  /** The JSON Schema keyword that failed (`minimum`, `required`, `format`, …). */
  keyword: string;
  /** What is wrong, in words: `must be >= 1`. */
  message: string;
}

/** A generated validator: a type guard that leaves ajv's errors on `.errors` when it returns false. */
export interface ContractValidator<T> {
  (data: unknown): data is T;
  errors?: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null;
}

export type CheckResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Thrown by `MessageContract.parse`; `issues` says which fields are wrong and why. */
export declare class ContractViolation extends Error {
  readonly code: 'CONTRACT_VIOLATION';
  readonly messageName: string;
  readonly issues: ValidationIssue[];
  constructor(messageName: string, issues: ValidationIssue[]);
}

/** Everything the contract says about one message, at run time. */
export interface MessageContract<T, H = never> {
  /** Message name (`OrderPlaced`). */
  readonly name: string;
  readonly title: string;
  /** Value of the `eventType` SNS message attribute. */
  readonly eventType: string;
  /** Version producers send in the `schemaVersion` SNS message attribute. */
  readonly schemaVersion: string;
  /** Top-level payload fields the contract knows, in schema order. */
  readonly properties: readonly (keyof T & string)[];
  /** The SNS message attributes a producer sets. */
  readonly attributes: { readonly eventType: string; readonly schemaVersion: string };
  readonly validate: ContractValidator<T>;
  readonly validateHeaders: [H] extends [never] ? undefined : ContractValidator<H>;
  /** Validates without throwing: `{ ok, value }` or `{ ok: false, issues }`. */
  check(data: unknown): CheckResult<T>;
  /** Returns `data` typed, or throws {@link ContractViolation}. */
  parse(data: unknown): T;
  /** Only the contract's own top-level fields of a valid payload (tolerant reader: unknown fields dropped). */
  pick(data: T): T;
}
