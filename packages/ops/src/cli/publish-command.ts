/**
 * `publish <operation>`: publishes JSON payloads for any send operation of the contract, through
 * the runtime publisher (the same code a producer runs), after validating every payload against
 * its message's contract: nothing is sent when one of them is invalid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, jsonParseProblem, UsageError, visibleText, type CommandSpec } from '@sluice/cli';
import { loadProject, type ProjectConfig, unroutedOf, unroutedReason } from '@sluice/model';
import type { MessageContract, Operation, SendOperation, Topology } from '@sluice/runtime/contract';
import { createPublisher, createQueuePublisher, fifoFieldsOf, publishProblems } from '@sluice/runtime/publisher';
import { parse as parseYaml } from 'yaml';
import { applicationHeadersOf, checkApplicationHeaders, documentedHeadersOf, type HeaderDocs, type HeaderWording } from '../application-headers.ts';
import { contractModule, targetFlags, targetOptions, withTarget } from './target-options.ts';
import { appliedBy, liveRoutingOf } from './live-routing.ts';
import type { LiveRouting } from '../unrouted.ts';

/** The options of {@link publishMessageCommand}. */
export interface PublishMessageCommandOptions {
  /** What the user types to reach it (an application may already have its own `publish`). @default 'publish' */
  name?: string;
  /** The project whose generated contract (`<generated>/index.js`) it reads. @default loadProject() of the working directory */
  project?: ProjectConfig;
  /**
   * What the user types before the command's name (the program's `invocation`, `npx orders`), so
   * that the help's examples are whole command lines. @default the project's operator command
   * (`eventContract.operatorCommand`), else `npx sluice-ops`
   */
  invocation?: string;
}

interface Values {
  message?: string;
  payload?: string;
  file?: string;
  'correlation-id'?: string;
  traceparent?: string;
  header?: string[];
  'message-group-id'?: string;
  'deduplication-id'?: string;
  endpoint?: string;
  aws?: boolean;
}

const sendOperations = (operations: Record<string, Operation>) => Object.values(operations).filter((o): o is SendOperation => o.action === 'send');

function describeSendOperations(operations: Record<string, Operation>): string {
  const sends = sendOperations(operations);
  return sends.length ? sends.map((o) => `${o.id} (${Object.keys(o.messages).join(', ')})`).join(', ') : '(the contract declares no send operation)';
}

/**
 * The help's examples for command `name`, whole command lines (`npx orders publish-message …`: the
 * `invocation` given, else the project's operator command, else `npx sluice-ops`), from the
 * project's contract as generated (its topology manifest, read when the help is shown): its first
 * send operation, or `<operationId>` when there is no generated contract to read.
 */
function examplesFor(name: string, project: ProjectConfig | undefined, invocation: string | undefined): string[] {
  let sends: { id: string; messages: string[]; topic?: string; queue?: string }[] = [];
  let command = `${invocation ?? 'npx sluice-ops'} ${name}`;
  try {
    const config = project ?? loadProject();
    command = `${invocation ?? config.operatorCommand ?? 'npx sluice-ops'} ${name}`;
    const manifest = path.join(config.generated, 'topology.json');
    const { operations } = JSON.parse(readFileSync(manifest, 'utf8')) as { operations: Record<string, { id: string; action: string; messages: string[] }> };
    sends = Object.values(operations).filter((o) => o.action === 'send') as typeof sends;
  } catch {
    // No project here, or not generated yet: the examples name no operation.
  }
  const [op] = sends;
  if (!op) {
    return [
      `${command} <operationId> --file payload.json`,
      `${command} <operationId> --payload '{"field":"value"}' --correlation-id try-1 --aws`,
      `${command} <operationId> --file payload.json --header <name>=<value> --header <name>=<value>`,
      `${command} <operationId> --file payload.json --message-group-id <group> --deduplication-id <id>`,
    ];
  }
  const message = op.messages.length > 1 ? ` --message ${op.messages[0]}` : '';
  const file = `${(op.messages[0] ?? 'payload').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.json`;
  return [
    `${command} ${op.id}${message} --file ${file}`,
    `${command} ${op.id}${message} --file ${file} --correlation-id try-1 --aws`,
    `${command} ${op.id}${message} --file ${file} --header <name>=<value> --header <name>=<value>`,
    ...fifoExamples(command, sends),
  ];
}

/**
 * The help's FIFO example, when the contract sends to a FIFO topic or queue (its name ends in
 * `.fifo`): its first such send operation with `--message-group-id` and `--deduplication-id`.
 */
function fifoExamples(command: string, sends: readonly { id: string; messages: string[]; topic?: string; queue?: string }[]): string[] {
  const op = sends.find((o) => (o.topic ?? o.queue ?? '').endsWith('.fifo'));
  if (!op) return [];
  const message = op.messages.length > 1 ? ` --message ${op.messages[0]}` : '';
  const file = `${(op.messages[0] ?? 'payload').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.json`;
  return [`${command} ${op.id}${message} --file ${file} --message-group-id acc-1 --deduplication-id retry-2`];
}

/** A `--payload` to type for `contract`: its fields with placeholders, `'{"orderId":…,"carrier":…}'`. */
function payloadExample(contract: MessageContract): string {
  return `'{${contract.properties.map((p) => `${JSON.stringify(p)}:…`).join(',')}}'`;
}

/**
 * The payloads of `--payload` or `--file`: one JSON value, or an array of them. A `--payload`
 * that is not JSON is a usage error (the command line is wrong: exit 2), as is a `--file` that does
 * not exist (checked by the kit); a file that is there but holds no JSON, or cannot be read, is a
 * failed run (exit 1), as a payload the contract refuses is.
 */
function readPayloads(values: Values, contract: MessageContract): unknown[] {
  if ((values.payload === undefined) === (values.file === undefined)) throw new UsageError('give the payload as --payload <json> or --file <path> (one of them)');
  if (values.payload !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.payload);
    } catch (error) {
      const echoed = values.payload.length > 60 ? `${values.payload.slice(0, 57)}...` : values.payload;
      throw new UsageError(
        `--payload ${visibleText(JSON.stringify(echoed))} is not JSON (${jsonParseProblem(values.payload, error, 'type the payload again: the mark is unseen, before its first character')}): give one JSON object (or an array of them) in single quotes, e.g. --payload ${payloadExample(contract)}`,
      );
    }
    // An empty array published nothing, and said so only by not saying "published".
    if (Array.isArray(parsed) && parsed.length === 0) throw new UsageError(`--payload [] holds no payload, so there is nothing to publish: give one JSON object (or an array of at least one), e.g. --payload ${payloadExample(contract)}`);
    return asList(parsed);
  }
  let text: string;
  try {
    text = readFileSync(values.file!, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { next: 'Check the path given to --file.' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${values.file} is not JSON: ${jsonParseProblem(text, error)}`, { next: 'Give one JSON payload, or an array of them.' });
  }
  if (Array.isArray(parsed) && parsed.length === 0) throw new CliError(`nothing published: ${values.file} holds an empty array, no payload`, { next: 'Put at least one payload in it (one JSON object, or an array of them).' });
  return asList(parsed);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** How the command asks for headers: `--header name=value`, and the option that sets each framework header. */
const HEADER_WORDING: HeaderWording = {
  give: (header, value) => `--header ${header}=${value ?? '<value>'}`,
  frameworkSetters: {
    eventType: '--message (the message\'s identity in the contract)',
    schemaVersion: '--message (the message\'s identity in the contract)',
    correlationId: '--correlation-id <id>',
    traceparent: '--traceparent <traceparent>',
  },
};

/**
 * The `--header name=value` options, checked against `contract`'s headers schema with the
 * framework values given, for a message sent `via` SNS or SQS: every problem (each naming the
 * header and what to write, with what the contract documents of it: `documented`), the application
 * headers to publish when there is none, the notes to say, and the headers as given (to check each
 * payload's size with them).
 */
function readHeaders(
  values: Values,
  contract: MessageContract,
  via: 'SNS' | 'SQS',
  documented: Readonly<Record<string, HeaderDocs>>,
): { attributes: Record<string, string>; notes: string[]; given: Record<string, string>; problems: string[] } {
  // By name, as typed: a Map, so that constructor or __proto__ is a name like any other.
  const given = new Map<string, { value: string; option: string }>();
  const problems: string[] = [];
  const sample = applicationHeadersOf(contract)[0]?.name ?? 'name';
  for (const option of values.header ?? []) {
    const at = option.indexOf('=');
    const name = at < 0 ? option : option.slice(0, at).trim();
    const before = given.get(name);
    if (at <= 0 || name === '') {
      problems.push(`--header ${JSON.stringify(option)}: give it as --header name=value (e.g. --header ${sample}=<value>)`);
    } else if (before) {
      problems.push(`${name}: given twice (--header ${before.option} and --header ${option}): give it once`);
    } else {
      given.set(name, { value: option.slice(at + 1), option });
    }
  }
  const byName = Object.fromEntries([...given].map(([name, { value }]) => [name, value]));
  const check = checkApplicationHeaders(contract, byName, HEADER_WORDING, frameworkValues(values), { via }, documented);
  problems.push(...check.problems.map((p) => `${p.header}: ${p.message}`));
  return { ...check, given: byName, problems };
}

/**
 * What the project's AsyncAPI document says of `message`'s application headers (their
 * descriptions, example values: {@link documentedHeadersOf}), for the fixes a problem suggests;
 * nothing when the document cannot be read (the checks stand without it).
 */
function documentedHeaders(project: ProjectConfig, message: string): Record<string, HeaderDocs> {
  try {
    const text = readFileSync(project.spec, 'utf8');
    return documentedHeadersOf(project.spec.endsWith('.json') ? JSON.parse(text) : parseYaml(text), message);
  } catch {
    return {};
  }
}

const frameworkValues = (values: Values) => ({ correlationId: values['correlation-id'], traceparent: values.traceparent });

/**
 * Each payload's message group and deduplication id when `op` sends to a FIFO topic or queue (the
 * runtime publisher's rule, `fifoFieldsOf`, with `--message-group-id` and `--deduplication-id`),
 * all computed before anything is sent; `undefined` for a standard target. A missing group is a
 * failed run naming `--message-group-id`; the FIFO options on a standard target, or one
 * `--deduplication-id` for several payloads, are usage errors.
 */
function fifoFieldsFor(op: SendOperation, messageName: string, payloads: readonly unknown[], values: Values): { MessageGroupId?: string; MessageDeduplicationId?: string }[] | undefined {
  const name = op.queue ?? op.topic!;
  const kind = op.queue !== undefined ? 'queue' : 'topic';
  // A manifest older than the fifo field: a FIFO name without content-based deduplication (as the publisher reads it).
  const fifo = op.fifo ?? (name.endsWith('.fifo') ? { contentBasedDeduplication: false, messageGroupIdFields: {} } : undefined);
  const group = values['message-group-id'];
  const dedup = values['deduplication-id'];
  if (!fifo) {
    const given = [group !== undefined ? '--message-group-id' : undefined, dedup !== undefined ? '--deduplication-id' : undefined].filter(Boolean);
    if (given.length > 0) throw new UsageError(`${given.join(' and ')}: ${op.id} sends to the standard ${kind} ${name}; message groups and deduplication ids are for a FIFO topic or queue (a name ending in .fifo)`);
    return undefined;
  }
  if (group === '') throw new UsageError('--message-group-id is empty: give the message group, e.g. --message-group-id acc-1');
  if (dedup === '') throw new UsageError('--deduplication-id is empty: give an id, e.g. --deduplication-id retry-2');
  if (dedup !== undefined && payloads.length > 1) {
    throw new UsageError(`--deduplication-id ${dedup} for ${payloads.length} payloads: the ${kind} would keep the first and drop the others as its duplicates; publish one payload per --deduplication-id, or leave it out (each payload then gets its own)`);
  }
  return payloads.map((payload, index) => {
    try {
      return fifoFieldsOf(fifo, messageName, payload, JSON.stringify(payload), { ...(group !== undefined ? { messageGroupId: group } : {}), ...(dedup !== undefined ? { messageDeduplicationId: dedup } : {}) });
    } catch (error) {
      const field = fifo.messageGroupIdFields[messageName];
      throw new CliError(
        `nothing published: ${messageName} goes to the FIFO ${kind} ${name} and needs a message group id${field ? `: ${payloads.length > 1 ? `payload #${index + 1} of ${payloads.length}'s` : "the payload's"} ${field} is empty` : ''}`,
        { next: `Give it with --message-group-id <id> (e.g. --message-group-id acc-1)${field ? '' : ", or name a payload field with x-message-group-id on the message in the contract"}.`, cause: error },
      );
    }
  });
}

/** What a FIFO publish's output line adds: its group, its deduplication id and what a repeat does. */
function fifoNote(fields: { MessageGroupId?: string; MessageDeduplicationId?: string }, given: boolean): string {
  const dedup = fields.MessageDeduplicationId;
  const how = dedup === undefined ? 'deduplicated by content (the same body)' : `deduplication id ${dedup}${given ? '' : ' (SHA-256 of the group and the body)'}`;
  return `, message group ${fields.MessageGroupId}, ${how}: another publish with the same ${dedup === undefined ? 'body' : 'deduplication id'} within 5 minutes is accepted but dropped as a duplicate; to send it again give --deduplication-id <another id>`;
}

/**
 * What `publish` says when no subscription of the running topic admits the message it just
 * published to `topic` (read from the target: `live`; the contract alone when they could not be
 * read): where it went (the topic's unrouted queue, when it has one), why, and what to do, as
 * command lines of `dlq` (`dlq`: `npx orders dlq`, `flags`: the target's). Undefined when a
 * subscription admits it.
 */
function unroutedPublishWarning(
  topology: Topology,
  topic: string,
  messageName: string,
  attributes: Readonly<Record<string, string>>,
  live: LiveRouting | undefined,
  applied: Pick<LiveRouting, 'where' | 'apply'>,
  dlq: string,
  flags: string,
): string | undefined {
  const reason = unroutedReason(topology, topic, attributes);
  if (live ? live.admits(attributes) : reason === undefined) return undefined;
  const whose = live ? live.where : 'the contract';
  const why = reason === undefined ? ` yet, though the contract routes it` : ` (${reason})`;
  // A consumer declared anew needs generated/ and its handler before npm start or a deploy takes the contract (both refuse a stale generated/ or a missing handler).
  const apply = reason === undefined ? applied.apply : `declare a consumer of it in the contract, run npm run codegen and write its handler, then ${applied.apply}`;
  const queue = unroutedOf(topology).find((u) => u.topic === topic)?.queue;
  if (!queue) return `warning: no subscription of ${whose} admits ${messageName}${why}: no queue got it, and no consumer will. ${capitalized(apply)}, then publish it again.`;
  return `warning: no subscription of ${whose} admits ${messageName}${why}: it went to ${queue}, where no consumer gets it. ${capitalized(apply)}, then redrive it: ${dlq} redrive${flags} --queue ${queue} (see it with ${dlq} list${flags} --queue ${queue}).`;
}

const capitalized = (text: string) => text.replace(/^./, (c) => c.toUpperCase());

/**
 * The generic `publish` command: `publish <operationId> --payload '<json>'` (or `--file`) publishes
 * to the operation's topic (`createPublisher`), or, for a point-to-point send operation (an SQS
 * channel), sends to its queue (`createQueuePublisher`), with the local stack or AWS as target
 * (`--endpoint`/`--aws`: the topic's ARN or the queue's URL found as the other operator commands
 * find them). Every
 * payload is validated against its message's contract first and nothing is sent if one fails (exit
 * 1, each wrong field named). `--message` picks the message of an operation that sends several.
 * Add it to a program's `commands`; `name` renames it when the program has a `publish` of its own.
 *
 * @example
 * ```ts
 * import { versionOf, type ProgramSpec } from '@sluice/cli';
 * import { dlqCommand, publishMessageCommand, statusCommand } from '@sluice/ops';
 *
 * export const paymentsProgram: ProgramSpec = {
 *   name: 'payments',
 *   invocation: 'npx payments',
 *   version: versionOf(new URL('../package.json', import.meta.url)),
 *   summary: 'publish payments and repair their consumers',
 *   commands: [publishMessageCommand(), dlqCommand(), statusCommand],
 * };
 * // npx payments publish publishPaymentCaptured --payload '{"paymentId":"pay-1","amountCents":1299}'
 * ```
 */
export function publishMessageCommand(options: PublishMessageCommandOptions = {}): CommandSpec<Values> {
  const name = options.name ?? 'publish';
  return {
    name,
    summary: 'publish JSON payloads for any send operation of the contract, validated first',
    description: `Publishes each payload (one JSON value, or an array of them) with the runtime publisher, to
the topic of the send operation named, or to its queue when it is point-to-point (a send
operation on an SQS channel). Every payload is validated against its message's
contract before anything is sent: an invalid one stops the command and names each wrong field.
The publisher sets the identity headers (eventType, schemaVersion), a correlationId (--correlation-id,
else a new one) and a traceparent (--traceparent, else a new trace). The message's own application
headers (a tenantId its headers schema requires, say) are given with --header name=value, once per
header: they are checked against the message's headers schema in the contract first (required ones
present, values as the schema says, no header it does not declare unless it allows others). The
name is trimmed and the value sent exactly as typed, spaces and all (--header "tenantId= a" sends
" a"). A name is what SNS and SQS take for a message attribute: letters A-Z a-z, digits, _, - and
., at most 256 characters, no period first, last or twice in a row, not beginning with AWS. or
Amazon.; and a message, its body and every attribute's name, type and value, is at most 256 KiB
through SNS (a topic), 1 MiB through SQS (a point-to-point queue). Nothing is sent while anything
is wrong, and every problem is in one report: the headers' (and --correlation-id's and
--traceparent's: a W3C traceparent, not all-zero ids, not version ff) with the payloads'.
A FIFO topic or queue (its name ends in .fifo) takes each message in a message group:
--message-group-id <id> gives it, else the payload field the message names with x-message-group-id
in the contract (one of them is needed: nothing is sent without). It drops a message whose
deduplication id it saw in the last 5 minutes, saying nothing: the id is the SHA-256 of the group
and the body unless --deduplication-id <id> gives one (or the topic deduplicates by content),
so publishing the same payload again within 5 minutes is dropped. The output says the
deduplication id of each message; --deduplication-id <another id> sends the same payload again
(one payload at a time: a single id for several would drop all but the first).
Exit 2 when the command line is wrong (an option, a --header, --correlation-id or --traceparent,
a --payload that is not JSON), the payloads' problems said with it; exit 1 when only the payloads
are wrong, the message is too large, or the target fails.`,
    positionals: [{ name: 'operation', description: 'the send operation id (its messages and its topic or queue come from the contract)', required: true }],
    options: {
      message: { type: 'string', valueName: 'name', description: 'which message, when the operation sends several' },
      payload: { type: 'string', valueName: 'json', description: 'the payload: a JSON object, or an array of them' },
      file: { type: 'string', valueName: 'path', description: 'a file holding the payload (or an array of payloads)', existing: true },
      'correlation-id': { type: 'string', valueName: 'id', description: 'correlation id, to follow the message through the logs' },
      traceparent: { type: 'string', valueName: 'traceparent', description: 'W3C traceparent to continue a trace (00-<trace id>-<span id>-<flags>)', defaultText: 'a new trace' },
      header: { type: 'string', multiple: true, valueName: 'name=value', description: "an application header the message's headers schema declares (repeat for each)" },
      'message-group-id': {
        type: 'string',
        valueName: 'id',
        description: 'FIFO topic or queue: the message group (its messages are delivered in order)',
        defaultText: "the payload field the message's x-message-group-id names",
      },
      'deduplication-id': {
        type: 'string',
        valueName: 'id',
        description: 'FIFO topic or queue: the deduplication id (the same one within 5 minutes is dropped); one payload only',
        defaultText: 'SHA-256 of the group and the body, or content-based when the topic deduplicates by content',
      },
      ...targetOptions,
    },
    // Read when the help is shown: the operations are the contract's, not a sample's.
    get examples() {
      return examplesFor(name, options.project, options.invocation);
    },
    async run({ values, positionals, io, invocation }) {
      const project = options.project ?? loadProject();
      const { operations, messages, topology } = await contractModule(project, { warn: (line) => io.err(line) });
      const id = positionals[0]!;
      const op = operations[id];
      if (!op || op.action !== 'send') {
        throw new UsageError(`${JSON.stringify(id)} is not a send operation of the contract: try ${describeSendOperations(operations)}`);
      }
      const names = Object.keys(op.messages);
      const messageName = values.message ?? (names.length === 1 ? names[0]! : undefined);
      if (messageName === undefined) throw new UsageError(`${id} publishes ${names.join(', ')}: say which with --message <name>`);
      const contract: MessageContract | undefined = op.messages[messageName];
      if (!contract) throw new UsageError(`${id} does not publish ${JSON.stringify(messageName)}: try --message ${names.join(', --message ')}`);

      const via = op.queue !== undefined ? 'SQS' : 'SNS';
      const headers = readHeaders(values, contract, via, documentedHeaders(project, messageName));
      const headerReport = `the headers do not satisfy the headers schema of ${messageName}`;
      let payloads: unknown[];
      try {
        payloads = readPayloads(values, contract);
      } catch (error) {
        // The payload cannot be read: said with the headers' problems, when there are any.
        if (headers.problems.length === 0) throw error;
        throw new UsageError(`nothing published: ${headerReport}, and the payload cannot be read:\n${headers.problems.map((p) => `  ${p}`).join('\n')}\nthe payload: ${(error as Error).message}`);
      }
      // Validate everything before sending anything: the headers and every payload (its schema and
      // the fields the contract does not declare, which the publisher refuses), in one report.
      const checked = payloads.map((payload) => contract.check(payload));
      const invalid = payloads.flatMap((payload, index) => {
        const issues = publishProblems(contract, payload);
        return issues.length === 0 ? [] : [{ index, issues }];
      });
      const lines = invalid.flatMap((p) => [payloads.length > 1 ? `payload #${p.index + 1} of ${payloads.length}:` : 'the payload:', ...p.issues.map((i) => `  ${i.path || '(payload)'}: ${i.message}`)]);
      if (headers.problems.length > 0) {
        // The command line must change (a usage error, exit 2), whatever else is wrong: one report.
        const payloadReport = invalid.length === 0 ? '' : invalid.length === 1 && payloads.length === 1 ? ', and the payload violates its contract' : `, and ${invalid.length} payload(s) violate its contract`;
        throw new UsageError(`nothing published: ${headerReport}${payloadReport}:\n${[...headers.problems.map((p) => `  ${p}`), ...lines].join('\n')}`);
      }
      if (invalid.length > 0) {
        throw new CliError(`nothing published: ${invalid.length} payload(s) violate the ${messageName} contract.\n${lines.join('\n')}`, { next: 'Fix the fields above and run the command again.' });
      }
      // Each message as it will be sent, its body with its attributes: no larger than SNS or SQS takes.
      const tooLarge = checked.flatMap((result, index) => {
        const body = JSON.stringify((result as { value: unknown }).value);
        const check = checkApplicationHeaders(contract, headers.given, HEADER_WORDING, frameworkValues(values), { via, body });
        return check.problems.map((p) => `${payloads.length > 1 ? `payload #${index + 1} of ${payloads.length}` : 'the payload'}: ${p.message}`);
      });
      if (tooLarge.length > 0) throw new CliError(`nothing published: ${tooLarge.join('\n')}`, { next: 'Make the payload or the headers smaller and run the command again.' });
      const fifo = fifoFieldsFor(op, messageName, checked.map((result) => (result as { value: unknown }).value), values);
      return withTarget(values, async (target) => {
        await target.checkReachable();
        for (const note of headers.notes) io.err(`note: ${note}`);
        const { 'correlation-id': correlationId, traceparent } = values;
        const publishOptions = { message: messageName, attributes: headers.attributes, ...(correlationId ? { correlationId } : {}), ...(traceparent ? { traceparent } : {}) };
        // Point-to-point (an SQS channel): straight to its queue; else to its topic.
        const send =
          op.queue !== undefined
            ? { to: `queue ${op.queue}`, as: 'SQS', publisher: createQueuePublisher(op, { client: target.sqs, queueUrl: await target.queueUrl(op.queue) }) }
            : { to: op.topic, as: 'SNS', publisher: createPublisher(op, { client: target.sns, topicArn: await target.topicArn(op.topic) }) };
        for (const [index, result] of checked.entries()) {
          // A FIFO target's group and deduplication id, as computed (and said) here: the publisher sends exactly these.
          const fields = fifo?.[index];
          const options = { ...publishOptions, ...(fields?.MessageGroupId ? { messageGroupId: fields.MessageGroupId } : {}), ...(fields?.MessageDeduplicationId ? { messageDeduplicationId: fields.MessageDeduplicationId } : {}) };
          const { messageId } = await send.publisher.publish((result as { value: unknown }).value as never, options as never);
          io.out(`published ${messageName} (${id}) to ${send.to} as ${send.as} message ${messageId}${fields ? fifoNote(fields, values['deduplication-id'] !== undefined) : ''}`);
        }
        // A message no running subscription admits (the contract's new message before a restart or
        // a deploy, or one no consumer declares) reaches no consumer: said, with where it went and what to do.
        if (op.topic !== undefined) {
          const program = invocation.replace(/ \S+$/, '');
          const live = await liveRoutingOf(target, topology, op.topic, (line) => io.err(`${program}: ${line}`));
          const warning = unroutedPublishWarning(topology, op.topic, messageName, messages[messageName]?.attributes ?? {}, live, appliedBy(target), `${program} dlq`, targetFlags(values));
          if (warning) io.err(`${program}: ${warning}`);
        }
        io.out(`next: ${invocation.replace(/ \S+$/, '')} status${targetFlags(values)}`);
        return 0;
      });
    },
  };
}
