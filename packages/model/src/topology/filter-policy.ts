/** SNS filter policies on message attributes: the one the framework derives, and what a policy admits. */
import { policyAdmits, type FilterPolicy, type MessageIdentity } from '@sluice/runtime/contract';
import { isObject, major } from './context.ts';

/**
 * The filter policy that admits exactly `messages` (by event type and major version): one clause
 * per group of event types that share the same majors, joined by `$or` when there are several.
 *
 * @example
 * ```ts
 * import { filterPolicyFor } from '@sluice/model';
 *
 * filterPolicyFor([{ eventType: 'PaymentCaptured', schemaVersion: '1.0.0' }]);
 * // { eventType: ['PaymentCaptured'], schemaVersion: [{ prefix: '1.' }] }
 * ```
 */
export function filterPolicyFor(messages: readonly MessageIdentity[]): FilterPolicy {
  const majorsByType = new Map<string, Set<string>>();
  for (const m of messages) {
    const set = majorsByType.get(m.eventType) ?? new Set<string>();
    set.add(major(m.schemaVersion));
    majorsByType.set(m.eventType, set);
  }
  const typesByMajors = new Map<string, string[]>();
  for (const [type, majors] of majorsByType) {
    const key = [...majors].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)).join(',');
    typesByMajors.set(key, [...(typesByMajors.get(key) ?? []), type]);
  }
  const clauses = [...typesByMajors.entries()]
    .map(([majors, types]) => ({
      eventType: types.sort(),
      schemaVersion: majors.split(',').map((m) => ({ prefix: `${m}.` })),
    }))
    .sort((a, b) => a.eventType[0]!.localeCompare(b.eventType[0]!));
  return clauses.length === 1 ? clauses[0]! : { $or: clauses };
}

/**
 * Whether an SNS filter policy on message attributes admits a message with these attributes, as
 * SNS documents it: exact strings, `prefix`, `anything-but` (a string, a list, or `{ prefix }`)
 * and `exists`, keys joined by AND, values by OR, `$or` branches by OR. Every operator but
 * `exists: false` needs its key present, and `exists: false` itself matches only a message with
 * at least one attribute. An empty policy admits everything.
 *
 * @example
 * ```ts
 * import { filterPolicyAdmits } from '@sluice/model';
 *
 * const policy = { eventType: ['PaymentCaptured'], schemaVersion: [{ prefix: '1.' }] };
 * filterPolicyAdmits(policy, { eventType: 'PaymentCaptured', schemaVersion: '1.4.0' }); // true
 * filterPolicyAdmits(policy, { eventType: 'PaymentCaptured', schemaVersion: '2.0.0' }); // false
 * filterPolicyAdmits({ eventType: [{ exists: false }] }, {}); // false: no attribute at all
 * ```
 */
export function filterPolicyAdmits(policy: FilterPolicy, attributes: Record<string, string>): boolean {
  // The run time's evaluator (the triage function's): one definition of SNS's semantics.
  return policyAdmits(policy, attributes);
}

/**
 * Canonical form, so two policies that say the same thing compare equal.
 *
 * @example
 * ```ts
 * import { canonicalPolicy } from '@sluice/model';
 *
 * canonicalPolicy({ b: ['2', '1'], a: ['x'] }) === canonicalPolicy({ a: ['x'], b: ['1', '2'] }); // true
 * ```
 */
export function canonicalPolicy(policy: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep).map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x));
    if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]));
    return v;
  };
  return JSON.stringify(sortDeep(policy));
}
