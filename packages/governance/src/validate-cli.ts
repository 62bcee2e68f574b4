/**
 * `npm run contract:validate -- <files or folders>`: contract tests for sample payloads a producer
 * team hands over. Each file is a payload, an SNS notification envelope, an SQS record or a Lambda
 * SQS event; each is checked with the generated validators, as a consumer would check it: one line
 * per payload (valid, or which field and why), exit 1 when any fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEntry, jsonParseProblem, main, shownPath, terminalSafe, terminalSafeJson, UsageError, versionOf, type ProgramSpec } from '@sluice/cli';
import { staleGeneratedReason } from '@sluice/codegen/freshness';
import { loadProject } from '@sluice/model';
import { createDecoder, DecodeErrorCode, FRAMEWORK_HEADERS, type DecodeResult } from '@sluice/runtime/consumer';
import { formatIssues, type MessageContract, type MessageMap, type ReceiveOperation, toIssues, type ValidationIssue } from '@sluice/runtime/contract';
import { couldNotRun, exitCodesHelp, failuresExitTwo } from './exit-codes.ts';

/** One payload's verdict. */
export interface Verdict {
  /** `file` or `file#Records[2]`. */
  source: string;
  /** Whether the payload satisfies the contract. */
  ok: boolean;
  /** The message it is (or was checked as), by name. */
  message?: string;
  /** The version the message says it is: its `schemaVersion` attribute, as its producer sent it. Absent for a bare payload. */
  schemaVersion?: string;
  /** The version of the contract's message it was checked against (its `x-schema-version`). */
  checkedAgainst?: string;
  /** Why not, in one line. */
  reason?: string;
}

/**
 * A verdict as `contract:validate` prints it, one line: the file; valid, the message by its own
 * version (its `schemaVersion` attribute), then the contract's version it was checked against; or
 * INVALID and why. Every value is terminal-safe: the payload files are a producer's, and what they
 * hold (a version, an attribute a reason quotes, a file's name) must not drive the terminal.
 */
function describeVerdict(v: Verdict): string {
  const [source, message] = [terminalSafe(v.source), terminalSafe(String(v.message))];
  if (!v.ok) return `${source}: INVALID ${terminalSafe(String(v.reason))}`;
  if (v.checkedAgainst === undefined) return `${source}: valid ${message}`;
  const own = v.schemaVersion !== undefined ? ` schemaVersion ${terminalSafe(v.schemaVersion)}` : ' (no schemaVersion attribute)';
  return `${source}: valid ${message}${own}, checked against the contract's ${message} ${terminalSafe(v.checkedAgainst)}`;
}

/** The JSON files under `target` (an existing file, or a folder searched recursively), sorted. */
function jsonFiles(target: string): string[] {
  if (statSync(target).isFile()) return [target];
  return readdirSync(target, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && !e.name.startsWith('.'))
    .flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(target, e.name)) : e.name.endsWith('.json') ? [path.join(target, e.name)] : []))
    .sort();
}

/**
 * Checks payload documents against the contract's messages, as a consumer would decode them: a
 * bare payload, an SNS envelope, or an SQS event (each record gets its own verdict).
 *
 * @param messages - the contract's messages (the generated `messages`)
 * @param documents - each document's name (for the verdict) and its JSON text
 * @param options - `message`: check every document as that message instead of finding it by its
 *   `eventType` attribute
 * @returns one verdict per payload, in order
 *
 * @example
 * ```ts
 * import { validateDocuments } from '@sluice/governance';
 * import type { MessageMap } from '@sluice/runtime/contract';
 *
 * declare const messages: MessageMap;
 * const verdicts = validateDocuments(messages, [{ source: 'payment.json', text: '{"paymentId":"p-1"}' }], { message: 'PaymentCaptured' });
 * const failed = verdicts.filter((v) => !v.ok).map((v) => `${v.source}: ${v.reason}`);
 * ```
 */
export function validateDocuments(
  messages: MessageMap,
  documents: readonly { source: string; text: string }[],
  options: { message?: string } = {},
): Verdict[] {
  const chosen: MessageMap = options.message ? { [options.message]: messages[options.message]! } : messages;
  // Every message as one "operation": the consumer's decoder identifies which by the attributes.
  const decode = createDecoder({ id: 'contract:validate', action: 'receive', messages: chosen } as unknown as ReceiveOperation);
  // `sent`: the schemaVersion attribute the message carries; a bare payload has none (it is checked as each message's own).
  const verdictOf = (source: string, result: DecodeResult, sent?: string): Verdict => {
    const own = sent !== undefined ? { schemaVersion: sent } : {};
    return result.ok
      ? { source, ok: true, message: result.name, ...own, checkedAgainst: result.contract.schemaVersion }
      : {
          source,
          ok: false,
          ...(Object.keys(chosen).length === 1 ? { message: Object.keys(chosen)[0]! } : {}),
          ...own,
          reason: `${result.error.code}: ${result.error.issues.length ? formatIssues(result.error.issues) : result.error.message}`,
        };
  };

  /**
   * A payload without an eventType attribute (a bare one, or an SQS record's): the message that
   * accepts it, or the nearest miss, each judged with the attributes the file does carry (its
   * schemaVersion, its headers: they were dropped, so a bad correlationId went unsaid), and every
   * problem of the one chosen said, as for a message named by its eventType.
   */
  const asAnyMessage = (source: string, body: string, messageAttributes: Record<string, { stringValue?: string }> | undefined, sent: Record<string, string>): Verdict => {
    const results = Object.values(chosen).map((contract) => {
      const attributes = { ...messageAttributes, eventType: { stringValue: contract.eventType }, schemaVersion: messageAttributes?.schemaVersion ?? { stringValue: contract.schemaVersion } };
      return { contract, result: decode({ body, messageAttributes: attributes }) };
    });
    const accepted = results.filter((r) => r.result.ok);
    if (accepted.length === 1) return withEveryProblem(source, body, accepted[0]!.result, accepted[0]!.contract, sent, verdictOf(source, accepted[0]!.result, sent.schemaVersion));
    // The framework's headers (correlationId, traceparent) are the same for every message: judged as the first's.
    if (accepted.length > 1) return withEveryProblem(source, body, accepted[0]!.result, accepted[0]!.contract, sent, { source, ok: true, message: accepted.map((r) => r.contract.name).join(' or ') });
    const nearest = [...results].sort((a, b) => issuesOf(a.result) - issuesOf(b.result))[0]!;
    const verdict = verdictOf(source, nearest.result, sent.schemaVersion);
    return withEveryProblem(source, body, nearest.result, nearest.contract, sent, { ...verdict, message: nearest.contract.name, reason: `not any message of the contract; as ${nearest.contract.name}: ${verdict.reason}` });
  };
  const issuesOf = (r: DecodeResult) => (r.ok ? 0 : Math.max(1, r.error.issues.length));

  const verdicts: Verdict[] = [];
  for (const { source, text } of documents) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // An editor's signature, invisible where the parser's message shows it ("Unexpected token '', "{"orderId"…"), named;
      // any other invisible character the parser quotes (a no-break space pasted from a page) shown as an escape.
      const problem = jsonParseProblem(text, error);
      verdicts.push({ source, ok: false, reason: `${DecodeErrorCode.BODY_NOT_JSON}: ${text.startsWith('\uFEFF') ? problem : `not JSON (${problem})`}` });
      continue;
    }
    const object = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    if (object && Array.isArray(object.Records)) {
      object.Records.forEach((record: { body?: unknown; messageAttributes?: never }, i: number) => {
        const where = `${source}#Records[${i}]`;
        if (typeof record?.body !== 'string') verdicts.push({ source: where, ok: false, reason: 'an SQS record without a string body' });
        else verdicts.push(checkBody(where, record.body, record.messageAttributes));
      });
      continue;
    }
    if (object && typeof object.body === 'string' && typeof object.messageId === 'string') {
      verdicts.push(checkBody(source, object.body, object.messageAttributes as never));
      continue;
    }
    verdicts.push(checkBody(source, text, undefined));
  }
  return verdicts;

  function checkBody(source: string, body: string, messageAttributes: Record<string, { stringValue?: string }> | undefined): Verdict {
    // What a consumer lets through, a producer's message may still not reach it, or lose a header on the way.
    const sent = sentAttributes(body, messageAttributes);
    const missing = sent.throughTopic ? IDENTITY.filter((name) => sent.values[name] === undefined) : [];
    if (missing.length > 0) {
      return {
        source,
        ok: false,
        reason: `FILTERED_OUT: no ${missing.join(' or ')} attribute: the subscriptions admit only messages that carry eventType and schemaVersion (the major a consumer declares), so no consumer gets it; the topic's unrouted queue keeps it. Publish it with both (the framework's publisher sets them)`,
      };
    }
    const result = decode({ body, ...(messageAttributes ? { messageAttributes } : {}) });
    if (!result.ok && result.error.code === DecodeErrorCode.MISSING_EVENT_TYPE) return asAnyMessage(source, body, messageAttributes, sent.values);
    // The decoder stops at the first problem of a message it identified (its required headers, then
    // its payload); a producer is told every one, in the one report: the payload's, the headers'
    // the contract requires, and the framework's headers a consumer drops.
    const contract = result.ok ? result.contract : IDENTIFIED.has(result.error.code) ? identifiedAs(result.attributes) : undefined;
    if (contract === undefined) return verdictOf(source, result, sent.values.schemaVersion);
    return withEveryProblem(source, body, result, contract, sent.values, verdictOf(source, result, sent.values.schemaVersion));
  }

  /**
   * `verdict`, the decoder's of a message it took for `contract`, with every other problem of it:
   * the decoder stops at the first (its required headers, then its payload).
   */
  function withEveryProblem(source: string, body: string, result: DecodeResult, contract: MessageContract, sent: Record<string, string>, verdict: Verdict): Verdict {
    const reasons: string[] = [];
    if (!result.ok) {
      reasons.push(verdict.reason!);
      const payload = result.error.code === DecodeErrorCode.MESSAGE_HEADERS_INVALID ? payloadIssues(contract, body) : [];
      if (payload.length > 0) reasons.push(`${DecodeErrorCode.PAYLOAD_INVALID}: ${formatIssues(payload)}`);
    }
    const refused = frameworkHeaderIssues(contract, sent);
    if (refused.length > 0) {
      reasons.push(
        `HEADERS_INVALID: ${formatIssues(refused)}: a consumer drops ${refused.length === 1 ? 'that header' : 'those headers'} and processes the message without ${refused.length === 1 ? 'it' : 'them'} (no correlation in its logs); send valid values, or leave ${refused.length === 1 ? 'it' : 'them'} out for the framework's publisher to set`,
      );
    }
    if (reasons.length <= (result.ok ? 0 : 1)) return verdict;
    return { ...verdict, ok: false, message: verdict.message ?? contract.name, reason: reasons.join('; and ') };
  }

  /** The message of `chosen` a record refused for its headers or payload was identified as, by its attributes, as the decoder identified it. */
  function identifiedAs(attributes: Readonly<Record<string, string>>): MessageContract | undefined {
    const candidates = Object.values(chosen).filter((c) => attributes.eventType === undefined || c.eventType === attributes.eventType);
    if (candidates.length === 1) return candidates[0];
    const version = attributes.schemaVersion;
    return version === undefined ? undefined : candidates.find((c) => version.split('.')[0] === c.major);
  }
}

/** The decoder's refusals of a message it identified: it stopped at one of them, and the other may be there too. */
const IDENTIFIED: ReadonlySet<string> = new Set([DecodeErrorCode.PAYLOAD_INVALID, DecodeErrorCode.MESSAGE_HEADERS_INVALID]);

/** The payload's violations of `contract`: the body's, or the SNS envelope's `Message`'s. */
function payloadIssues(contract: MessageContract, body: string): ValidationIssue[] {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
    if (payload && typeof payload === 'object' && (payload as { Type?: unknown }).Type === 'Notification') payload = JSON.parse(String((payload as { Message?: unknown }).Message));
  } catch {
    return [];
  }
  return contract.validate(payload) ? [] : toIssues(contract.validate.errors);
}

/** The attributes that name which message a message is: every subscription filters on both. */
const IDENTITY = ['eventType', 'schemaVersion'] as const;

/**
 * The string attributes a message was sent with: an SNS envelope's own (its `MessageAttributes`,
 * `throughTopic`: a subscription's filter policy read them), else the SQS record's.
 */
function sentAttributes(body: string, sqs: Record<string, { stringValue?: string }> | undefined): { values: Record<string, string>; throughTopic: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  const envelope = value && typeof value === 'object' && (value as { Type?: unknown }).Type === 'Notification' ? (value as { MessageAttributes?: Record<string, { Type?: string; Value?: unknown }> }) : undefined;
  const values: Record<string, string> = {};
  if (envelope) {
    for (const [name, a] of Object.entries(envelope.MessageAttributes ?? {})) if (a?.Type !== 'Binary' && typeof a?.Value === 'string') values[name] = a.Value;
    return { values, throughTopic: true };
  }
  for (const [name, a] of Object.entries(sqs ?? {})) if (typeof a?.stringValue === 'string') values[name] = a.stringValue;
  return { values, throughTopic: false };
}

/** The framework's optional headers (correlationId, traceparent) a message carries that break its headers schema. */
function frameworkHeaderIssues(contract: MessageContract, attributes: Record<string, string>): ValidationIssue[] {
  const validate = contract.validateHeaders as (((data: unknown) => boolean) & { errors?: Parameters<typeof toIssues>[0] }) | undefined;
  if (!validate || FRAMEWORK_HEADERS.every((h) => attributes[h] === undefined) || validate(attributes)) return [];
  return toIssues(validate.errors).filter((issue) => FRAMEWORK_HEADERS.includes(issue.path) && attributes[issue.path] !== undefined);
}

/** The `contract:validate` command: checks sample payloads or SNS/SQS bodies with {@link validateDocuments}. */
export const validateProgram: ProgramSpec = {
  name: 'contract:validate',
  invocation: 'npm run contract:validate --',
  version: versionOf(new URL('../package.json', import.meta.url)),
  summary: 'check sample payloads (or SNS/SQS bodies) against the contract',
  description: `Checks payload files a producer hands over against the contract, as a consumer would
check them: a bare payload, an SNS notification envelope, an SQS record or a Lambda SQS event
(every record). The eventType and schemaVersion attributes, where the file has them, say which
message it is; a bare payload is checked against --message, else against every message. Prints one
line per payload: valid (the message, the schemaVersion it carries, and the version of the
contract's message it was checked against), or which field is wrong and why. Exit 1 when any is
invalid.
Uses the generated validators: run \`npm run codegen\` after changing the contract.`,
  epilog: exitCodesHelp({
    ok: 'every payload is valid',
    failed: 'a payload is invalid (not JSON, or not what the contract says)',
    couldNotRun: 'a usage error (a path that does not exist, no .json file there, a --message the contract does not have), a file that cannot be read, the generated validators missing',
  }),
  positionals: [{ name: 'paths', description: 'JSON files, or folders searched for *.json', required: true, variadic: true, path: true }],
  options: {
    message: { type: 'string', valueName: 'name', description: 'check bare payloads as this message' },
    json: { type: 'boolean', description: 'JSON verdicts, for scripts' },
  },
  examples: ['npm run contract:validate -- samples/', 'npm run contract:validate -- payment.json --message PaymentCaptured'],
  run: failuresExitTwo(async ({ positionals, values, io, typedIn }) => {
    // A file as the user can type it again: from the folder the command was typed in (npm runs it in the project's root).
    const shown = (file: string) => path.relative(typedIn, file) || file;
    // Every path that does not exist, in one line (it named the first only).
    const missing = positionals.filter((target) => !existsSync(target));
    if (missing.length > 0) {
      const named = missing.map((target) => (path.isAbsolute(target) ? shownPath(target, typedIn) : target));
      throw new UsageError(`${named.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist: give existing JSON files, or folders that hold some`);
    }
    const project = loadProject();
    let messages: Record<string, MessageContract>;
    try {
      ({ messages } = (await import(pathToFileURL(path.join(project.generated, 'index.js')).href)) as { messages: Record<string, MessageContract> });
    } catch (error) {
      throw couldNotRun(`cannot load the generated validators from ${path.relative(process.cwd(), project.generated)}/ (${(error as Error).message})`, 'Run `npm run codegen` first.');
    }
    // A contract edited since the last codegen: the verdicts below are the previous contract's. Said, not left to be guessed.
    const stale = staleGeneratedReason(project);
    if (stale) io.err(`warning: ${stale} Until then these verdicts are the contract generated/ holds (the previous one).`);
    const name = values.message as string | undefined;
    if (name !== undefined && !messages[name]) throw new UsageError(`--message ${JSON.stringify(name)} is not a message of the contract: ${Object.keys(messages).join(', ')}`);
    const files = positionals.flatMap(jsonFiles);
    if (files.length === 0) throw new UsageError(`no .json file under ${positionals.map(shown).join(', ')}`);
    const verdicts = validateDocuments(
      messages,
      files.map((file) => ({ source: shown(file), text: readFileSync(file, 'utf8') })),
      name ? { message: name } : {},
    );
    const failed = verdicts.filter((v) => !v.ok);
    // The same JSON value as JSON.stringify's, with the characters it leaves raw written as \u escapes.
    if (values.json) io.out(terminalSafeJson(verdicts, 2));
    else {
      for (const v of verdicts) io.out(describeVerdict(v));
      io.out(`\n${verdicts.length - failed.length} valid, ${failed.length} invalid (${files.length} file(s)).`);
    }
    return failed.length > 0 ? 1 : 0;
  }),
};

if (isEntry(import.meta)) await main(validateProgram);
