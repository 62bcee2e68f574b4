/**
 * What SNS and SQS take as a message attribute's name: the one rule the code generator (a header
 * the contract declares) and the publishers (`publish-message --header`, the local console) check
 * names against, so a name is refused before deploy or before a publish, never by AWS at run time.
 */

/** The characters SNS and SQS take in a message attribute's name: ASCII letters, digits, `_`, `-` and `.`. */
const NAME_CHARACTER = /[A-Za-z0-9_.-]/;
/** The longest name SNS and SQS take for a message attribute. */
export const MAX_ATTRIBUTE_NAME_LENGTH = 256;
/** Names beginning so are AWS's (`AWS.`, `Amazon.`, in any case). */
const RESERVED_PREFIX = /^(?:aws|amazon)\./i;

/** Why SNS or SQS would refuse a message attribute's name, and a name they would take instead when one can be made from it. */
export interface AttributeNameProblem {
  /** The rule broken, in words (`SNS and SQS take no name with two periods in a row`). */
  rule: string;
  /** A name made from it that SNS and SQS take (`tenant_id` for `tenant id`), when there is one. */
  suggestion?: string;
}

/**
 * Why SNS and SQS would not take `name` as a message attribute's name, or `undefined` when they
 * would. Their rules: letters A-Z a-z, digits, `_`, `-`, `.`; 1 to 256 characters; not beginning
 * with `AWS.` or `Amazon.` (in any case); not beginning or ending with a period; no two periods in
 * a row.
 *
 * @example
 * ```ts
 * import { attributeNameProblem } from '@sluice/model';
 *
 * attributeNameProblem('tenantId'); // undefined
 * attributeNameProblem('a..b'); // { rule: 'SNS and SQS take no name with two periods in a row', suggestion: 'a.b' }
 * attributeNameProblem('AWS.trace'); // { rule: 'SNS and SQS reserve names beginning with AWS. or Amazon. (in any case) for AWS', suggestion: 'trace' }
 * ```
 */
export function attributeNameProblem(name: string): AttributeNameProblem | undefined {
  const made = (suggestion: string): AttributeNameProblem['suggestion'] => (suggestion !== '' && suggestion !== name && attributeNameProblem(suggestion) === undefined ? suggestion : undefined);
  const problem = (rule: string, suggestion?: string): AttributeNameProblem => {
    const instead = suggestion === undefined ? undefined : made(suggestion);
    return instead === undefined ? { rule } : { rule, suggestion: instead };
  };
  if (name === '') return { rule: 'SNS and SQS take no empty name' };
  const wrong = [...new Set([...name].filter((c) => !NAME_CHARACTER.test(c)))];
  if (wrong.length > 0) return problem(`not a name SNS and SQS take for a message attribute: only letters A-Z a-z, digits 0-9, _, - and . (not ${wrong.map((c) => JSON.stringify(c)).join(', ')})`, tidy(name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '')));
  if (name.length > MAX_ATTRIBUTE_NAME_LENGTH) return { rule: `${name.length} characters: SNS and SQS take a name of at most ${MAX_ATTRIBUTE_NAME_LENGTH}` };
  if (RESERVED_PREFIX.test(name)) return problem('SNS and SQS reserve names beginning with AWS. or Amazon. (in any case) for AWS', tidy(name));
  if (name.startsWith('.') || name.endsWith('.')) return problem('SNS and SQS take no name that begins or ends with a period', tidy(name));
  if (name.includes('..')) return problem('SNS and SQS take no name with two periods in a row', tidy(name));
  return undefined;
}

/** `name` without what SNS and SQS refuse around its periods and at its start: a name to suggest. */
function tidy(name: string): string {
  let tidied = name.replace(/\.{2,}/g, '.');
  while (RESERVED_PREFIX.test(tidied)) tidied = tidied.replace(RESERVED_PREFIX, '');
  return tidied.replace(/^\.+|\.+$/g, '');
}
