/**
 * SNS filter policies on message attributes, evaluated: the framework's one evaluator. The triage
 * function tells with it whether any subscription of a topic admitted a publish; the model's
 * `filterPolicyAdmits` (topology, unrouted queue, contract:diff) is this function. It follows SNS's
 * documented semantics: exact strings, `prefix`, `anything-but` (a string, a list or
 * `{ prefix }`) and `exists`; keys joined by AND, values by OR, `$or` branches by OR. Every
 * operator but `exists: false` needs its key present, and `exists: false` matches only a message
 * with at least one attribute. An empty policy admits everything.
 */

/** A filter policy, as JSON: attribute name → conditions, and an optional `$or` of policies. */
export type TriagePolicy = { readonly [key: string]: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether an SNS filter policy (MessageAttributes scope) admits a message with these string
 * attributes.
 *
 * @param policy - the subscription's filter policy (`{}`: no policy, admits everything)
 * @param attributes - the message's attributes that SNS filters on, by name
 * @example
 * ```ts
 * import { policyAdmits } from '@sluice/runtime/triage';
 *
 * policyAdmits({ eventType: ['OrderPlaced'], schemaVersion: [{ prefix: '1.' }] }, { eventType: 'OrderPlaced', schemaVersion: '1.2.0' }); // true
 * policyAdmits({ eventType: [{ exists: false }] }, {}); // false: no attribute at all matches no policy
 * ```
 */
export function policyAdmits(policy: TriagePolicy, attributes: Readonly<Record<string, string>>): boolean {
  const { $or, ...keys } = policy as { $or?: unknown } & Record<string, unknown>;
  const anyAttribute = Object.keys(attributes).length > 0;
  const condition = (value: string | undefined, c: unknown): boolean => {
    if (typeof c === 'string') return value === c;
    if (!isObject(c)) return false;
    if (typeof c.prefix === 'string') return value !== undefined && value.startsWith(c.prefix);
    if (typeof c.exists === 'boolean') return c.exists ? value !== undefined : value === undefined && anyAttribute;
    if ('anything-but' in c) {
      if (value === undefined) return false;
      const but = c['anything-but'];
      if (typeof but === 'string') return value !== but;
      if (Array.isArray(but)) return !but.includes(value);
      if (isObject(but) && typeof but.prefix === 'string') return !value.startsWith(but.prefix);
    }
    return false;
  };
  for (const [key, conditions] of Object.entries(keys)) {
    const value = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    if (!(Array.isArray(conditions) ? conditions : [conditions]).some((c) => condition(value, c))) return false;
  }
  return $or === undefined || (Array.isArray($or) && $or.some((branch) => isObject(branch) && policyAdmits(branch, attributes)));
}
