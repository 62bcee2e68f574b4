/**
 * The AsyncAPI parser's errors as lines a contract's author can act on: each with its path and
 * line, and, where the parser's words do not say it, what to change. The parser checks bindings
 * against their official schemas (SNS 0.1.0, SQS 0.2.0); its messages say what the schema wants
 * ("type must be string"), not what the framework does with the field, nor that the umbrella line
 * of a binding ("must match \"then\" schema") is only the sum of the lines under it.
 */
import type { ContractDiagnostic } from './parse-contract.ts';

const pathOf = (d: ContractDiagnostic) => d.path.join('.');

/** What to change for one parser error, or undefined when its words say it (or nothing more is known). */
function hintOf(d: ContractDiagnostic, all: readonly ContractDiagnostic[]): string | undefined {
  const at = pathOf(d);
  const last = String(d.path[d.path.length - 1] ?? '');
  if (/must match "then" schema/.test(d.message) && all.some((o) => o !== d && pathOf(o).startsWith(`${at}.`))) return 'the binding as a whole; the lines under it say what';
  const filter = /^(.*\.consumers\.\d+\.filterPolicy)(\.|$)/.exec(at);
  if (filter) {
    // Said once per filter policy: its first line.
    const first = all.find((o) => pathOf(o) === filter[1] || pathOf(o).startsWith(`${filter[1]}.`));
    if (first !== d) return undefined;
    return "the framework writes each subscription's filter policy itself, from the messages (eventType, schemaVersion) its receive operation declares, and filters on nothing else: leave filterPolicy out; to receive fewer messages, declare a message of their own for them, or filter in the handler";
  }
  if (last === 'bindingVersion' && /allowed values/.test(d.message)) return 'the framework reads SNS bindings 0.1.0 and SQS bindings 0.2.0, the versions this AsyncAPI parser knows: write that version, or leave bindingVersion out';
  if (last === 'principal' && /type must be string/.test(d.message)) {
    return 'the SNS 0.1.0 and SQS 0.2.0 schemas take a principal as a string or a list of strings: write "*", or the account ids, IAM ARNs and services (sns.amazonaws.com) as a list; the framework deploys them in IAM\'s { AWS: […], Service: […] } spelling';
  }
  if (/is not expected to be here/.test(d.message)) return 'remove it, or correct its spelling (a note for people or tools can be an x-… extension)';
  const required = /must have required property "([^"]+)"/.exec(d.message);
  if (required) return `add ${required[1]}`;
  return undefined;
}

/**
 * The parser's errors, one line each: `  - <path> (line <n>): <message>[ — <what to change>]`.
 *
 * @param errors - the errors of a refused document, as `parseContract` returns them
 * @returns one line per error, in the parser's order
 *
 * @example
 * ```ts
 * import { parseContract, parserErrorLines } from '@sluice/codegen';
 *
 * const parsed = await parseContract('asyncapi.yaml');
 * if (!parsed.document) console.error(parserErrorLines(parsed.errors).join('\n'));
 * ```
 */
export function parserErrorLines(errors: readonly ContractDiagnostic[]): string[] {
  return errors.map((d) => {
    const where = d.path.length ? pathOf(d) : '(document)';
    const line = d.line !== undefined ? ` (line ${d.line})` : '';
    const hint = hintOf(d, errors);
    return `  - ${where}${line}: ${d.message}${hint ? ` — ${hint}` : ''}`;
  });
}
