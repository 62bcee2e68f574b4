/**
 * Turns ajv errors into readable, stable issues: `amount: must be >= 1`.
 */
import type { ValidationIssue } from './model.ts';

/** The subset of an ajv error object this module reads. */
export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}


function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The path of the value an ajv error is about, as segments: its `instancePath`, and for the
 * keywords that name a property of that object, the property: the one `required` misses, the one
 * `additionalProperties` (or `unevaluatedProperties`) does not allow. `[]` is the value itself.
 * The consumer's headers check reads the header an error is about from it.
 *
 * @example
 * ```ts
 * import { issuePathOf } from './issues.ts';
 *
 * issuePathOf({ instancePath: '/items/0', keyword: 'additionalProperties', params: { additionalProperty: 'extra' } }); // ['items', '0', 'extra']
 * ```
 */
export function issuePathOf(error: AjvError): string[] {
  const segments = pointerToPath(error.instancePath);
  const named = error.keyword === 'required' ? error.params.missingProperty
    : error.keyword === 'additionalProperties' ? error.params.additionalProperty
    : error.keyword === 'unevaluatedProperties' ? error.params.unevaluatedProperty
    : undefined;
  if (named !== undefined) segments.push(String(named));
  return segments;
}

/** The words for a property the schema does not declare where it allows no others. */
const UNDECLARED_PROPERTY = 'is not in the contract (the schema allows no other properties here)';

function describe(error: AjvError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return UNDECLARED_PROPERTY;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be ${p.type === 'integer' ? 'an integer' : p.type === 'object' ? 'an object' : `a ${String(p.type)}`}`;
    case 'format':
      return p.format === 'date-time'
        ? 'must be an RFC 3339 date-time with an offset, e.g. 2026-01-01T09:00:00Z or 2026-01-01T11:00:00+02:00, on a real calendar date, naming an instant in the UTC years 0001 to 9999'
        : `must be a valid ${String(p.format)}`;
    case 'pattern':
      return `must match ${String(p.pattern)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/**
 * Converts ajv errors to issues, one per failing field and keyword, in the order ajv found them.
 * A field with a wrong type or an empty string keeps only that issue (not the pattern or length
 * failures that follow from it).
 *
 * @param errors - a validator's `errors` after it returned false; `null`/`undefined` give `[]`
 * @returns the issues, each with a dotted path (`(root)` for the value itself) and fixed words; a
 *   property the schema does not allow is named in the path: `items.0.extra: is not in the contract (…)`
 *
 * @example
 * ```ts
 * import { toIssues } from '@sluice/runtime/contract';
 *
 * toIssues([{ instancePath: '', keyword: 'required', params: { missingProperty: 'paymentId' } }]);
 * // [{ path: 'paymentId', keyword: 'required', message: 'is required' }]
 * ```
 */
export function toIssues(errors: readonly AjvError[] | null | undefined): ValidationIssue[] {
  if (!errors) return [];
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const segments = issuePathOf(error);
    const path = segments.length === 0 ? '(root)' : segments.join('.');
    const message = describe(error);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, keyword: error.keyword, message });
  }
  // A wrong type or an empty string is the whole story for that field: the pattern or length
  // failures that follow from it would only bury the reason.
  const decisive = new Set(issues.filter((i) => i.keyword === 'type' || (i.keyword === 'minLength' && i.message === 'must not be empty')).map((i) => i.path));
  return issues.filter((i) => !decisive.has(i.path) || i.keyword === 'type' || i.keyword === 'minLength');
}

/**
 * Joins issues into one line, `path: message` separated by `; `, as the errors the framework
 * throws read: `amount: must be >= 1; status: must be one of "PENDING", …`.
 *
 * @example
 * ```ts
 * import { formatIssues } from '@sluice/runtime/contract';
 *
 * formatIssues([{ path: 'amount', keyword: 'minimum', message: 'must be >= 1' }]); // 'amount: must be >= 1'
 * ```
 */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
