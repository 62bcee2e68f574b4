/**
 * Identifiers derived from the names a contract uses (message names, component keys, schema
 * titles, operation ids), deterministically: `user-signed-up`, `userSignedUp`,
 * `io.github.springwolf.UserSignedUp` all become TypeScript type names, and an operation id or a
 * message name that is not a JavaScript identifier becomes a quoted property key. The code
 * generator reports two names that would become one identifier; it never merges them.
 */
import { FormatHelpers } from '@asyncapi/modelina';

/**
 * A PascalCase TypeScript type name from any name: words split at every character that is not an
 * ASCII letter or digit, each capitalised and joined, then put in the form the type generator
 * (Modelina) gives model names, so the name declared and the name referenced agree. A leading
 * digit gets an `N` in front; a name with no letters or digits becomes `Unnamed`.
 *
 * @example
 * ```ts
 * import { typeIdentifier } from '@sluice/codegen';
 *
 * typeIdentifier('user-signed-up'); // 'UserSignedUp'
 * typeIdentifier('lightMeasured'); // 'LightMeasured'
 * typeIdentifier('io.github.springwolf.dtos.ExamplePayloadDto'); // 'IoGithubSpringwolfDtosExamplePayloadDto'
 * ```
 */
export function typeIdentifier(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return 'Unnamed';
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const pascal = FormatHelpers.toPascalCase(/^[0-9]/.test(joined) ? `N${joined}` : joined);
  return /^[A-Za-z][A-Za-z0-9]*$/.test(pascal) ? pascal : joined.replace(/^([0-9])/, 'N$1');
}

/** Words JavaScript does not allow as a bare binding name; as property keys they are fine. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * An object key for generated JavaScript or TypeScript: the name itself when it is an
 * identifier, else quoted (`"on-user-signed-up"`), so a hyphenated operation id or a dotted
 * message name is never a syntax error.
 *
 * @example
 * ```ts
 * import { propertyKey } from '@sluice/codegen';
 *
 * propertyKey('publishPayment'); // 'publishPayment'
 * propertyKey('on-user-signed-up'); // '"on-user-signed-up"'
 * ```
 */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * A member access for generated code: `.name`, or `["name"]` when the name is not an identifier.
 *
 * @example
 * ```ts
 * import { memberAccess } from '@sluice/codegen';
 *
 * memberAccess('PaymentCaptured'); // '.PaymentCaptured'
 * memberAccess('io.github.Payment'); // '["io.github.Payment"]'
 * ```
 */
export function memberAccess(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
