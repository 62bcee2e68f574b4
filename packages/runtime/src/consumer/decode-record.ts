/**
 * Decoding an SQS record into a validated message of a receive operation.
 *
 * The body is either the SNS notification envelope (raw message delivery off) or, with raw
 * delivery on, the published message itself. The `eventType` and `schemaVersion` attributes say
 * which of the operation's messages it is; the payload then goes through that message's generated
 * validator, and fields from a newer producer that this contract does not know are dropped.
 *
 * The attributes go through that message's headers validator where the contract can forbid
 * something (see {@link createDecoder}): a header the schema requires missing, a value outside its
 * pattern, a header it does not allow, a header it declares sent as a Binary attribute is
 * `MESSAGE_HEADERS_INVALID`, like a payload that breaks it.
 *
 * Given the ARNs of the topics the queue is subscribed to, the decoder also checks where the record
 * came from, so that a principal allowed to send to the queue cannot pass for the topic: an
 * envelope must name one of those topics, and a raw body is accepted only when a subscription
 * delivers raw bodies (which carry no topic to check: the queue policy is then the only guard).
 */
import type { MessageContract, MessageMap, ReceiveOperation, ValidationIssue } from '../contract/model.ts';
import { formatIssues, issuePathOf, toIssues, type AjvError } from '../contract/issues.ts';
import { decodeError, DecodeErrorCode, type DecodeError } from './errors.ts';
import { unparsableReason } from './json-syntax.ts';

/** The parts of an SQS record (Lambda event shape) the decoder reads. */
export interface RecordInput {
  /** The message body: an SNS notification envelope, or the published message with raw delivery. */
  body: string;
  /**
   * SQS message attributes: where SNS attributes land with raw delivery on. A `Binary` one (its
   * `dataType`) is no string header: one the contract's headers schema declares or requires is
   * `MESSAGE_HEADERS_INVALID`, said as such (not as missing); an `eventType` or `schemaVersion`
   * sent as Binary is `WRONG_EVENT_TYPE` or `UNSUPPORTED_SCHEMA_VERSION`, said as such (not as absent).
   */
  messageAttributes?: Record<string, { stringValue?: string | undefined; dataType?: string } | undefined>;
}

/** What the SNS notification envelope told us, when the body was one. */
export interface SnsEnvelopeInfo {
  /** The envelope's `MessageId`: SNS's id of the publish. */
  messageId: string;
  /** The envelope's `TopicArn`: the topic the message was published to. */
  topicArn: string;
  /** The envelope's `Timestamp` (ISO-8601): when SNS accepted the publish. */
  timestamp?: string | undefined;
}

/** A decoded record: which message, its payload (valid, only the contract's fields) and its attributes (within what its headers schema requires). */
export interface DecodedMessage<M extends MessageMap = MessageMap> {
  /** Which of the operation's messages it is, by its name in the contract. */
  readonly name: keyof M & string;
  /** That message's contract (event type, version, validator). */
  readonly contract: MessageContract;
  /** The validated payload, with only the fields this contract knows. */
  readonly payload: unknown;
  /** String message attributes (SNS or SQS), e.g. `correlationId`. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Absent when the body was raw (raw message delivery). */
  readonly envelope: SnsEnvelopeInfo | undefined;
  /**
   * The framework's optional headers (`correlationId`, `traceparent`) that arrived as Binary
   * message attributes: not among `attributes` (a Binary correlationId is no correlation id), and
   * not the message's fault unless the contract requires them; the consumer reports them refused
   * (`headersRefused`). Empty (most records) when there are none.
   */
  readonly binaryFrameworkHeaders?: readonly string[];
}

/** How {@link createDecoder} checks where a record came from. */
export interface DecoderOptions {
  /**
   * The ARNs of the topics the operation's queue is subscribed to (in the order of
   * `operation.sources`). Given, envelopes from any other topic are rejected
   * (`TOPIC_NOT_SUBSCRIBED`) and raw bodies are rejected unless a subscription delivers raw
   * (`RAW_BODY_UNEXPECTED`). Omitted, the source is not checked: for tools that explain records.
   */
  sourceTopicArns?: readonly string[];
}

/** Quotes a value from a record in a reason, cut short: reasons are logged, records are not. */
function quoted(value: unknown, max = 64): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * What decoding one record gives: the decoded message (`ok: true`), or why the record was
 * rejected (`ok: false`), with whatever envelope and attributes could be read.
 */
export type DecodeResult<M extends MessageMap = MessageMap> =
  | ({ ok: true } & DecodedMessage<M>)
  | { ok: false; error: DecodeError; envelope?: SnsEnvelopeInfo; attributes: Readonly<Record<string, string>> };

const ENVELOPE_FIELDS = ['MessageId', 'TopicArn', 'Message'] as const;
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether one attribute (either form) is binary: SQS `dataType` `Binary` (or `Binary.<label>`),
 * or an SNS envelope's `Type` `Binary` (whose `Value` is the bytes in base64, not a string value).
 */
function isBinaryAttribute(a: Record<string, unknown>): boolean {
  const type = a.dataType ?? a.Type;
  return typeof type === 'string' && type.startsWith('Binary');
}

/**
 * String attributes from SNS envelope (`{Type, Value}`) or SQS (`{stringValue}`) form. Binary
 * ones are not: SQS gives them no `stringValue`, and an envelope's base64 `Value` is no string the
 * publisher set.
 */
function stringAttributes(attrs: unknown): Readonly<Record<string, string>> {
  if (!isPlainObject(attrs)) return NO_ATTRIBUTES;
  let out: Record<string, string> | undefined;
  for (const name in attrs) {
    const a = attrs[name];
    if (!isPlainObject(a)) continue;
    const v = a.Value ?? a.stringValue;
    if (typeof v === 'string' && !isBinaryAttribute(a)) (out ??= {})[name] = v;
  }
  return out ?? NO_ATTRIBUTES;
}

/** The names of the binary attributes (either form) besides the identity; `undefined` when there are none (most records). */
function binaryAttributeNames(attrs: unknown): string[] | undefined {
  if (!isPlainObject(attrs)) return undefined;
  let out: string[] | undefined;
  for (const name in attrs) {
    const a = attrs[name];
    if (isPlainObject(a) && isBinaryAttribute(a) && !IDENTITY_HEADERS.includes(name)) (out ??= []).push(name);
  }
  return out;
}

/**
 * What a binary attribute is to a headers validator: a value that is no string, so that the
 * schema's own words judge it (a declared header's `type: string`, `additionalProperties: false`),
 * and a required header sent as Binary is not taken for a missing one.
 */
const BINARY_VALUE: Readonly<Record<string, string>> = Object.freeze({ dataType: 'Binary' });

/** Why a header sent as a Binary attribute is refused: the contract's headers are strings (the consumer's `headersRefused` says it too). */
export const BINARY_HEADER_REASON = "arrived as a Binary message attribute, but the contract's headers are strings: publish it as a String attribute (DataType String, or Number)";

/**
 * One String attribute of either form, read in place (no object built on the hot path). A Binary
 * one is none: an envelope's base64 `Value` is not the string the publisher set (see
 * {@link isBinaryAttributeNamed}).
 */
function attributeValue(attrs: unknown, name: string): string | undefined {
  if (attrs === null || typeof attrs !== 'object') return undefined;
  const a = (attrs as Record<string, unknown>)[name];
  if (a === null || typeof a !== 'object') return undefined;
  const v = (a as { Value?: unknown }).Value ?? (a as { stringValue?: unknown }).stringValue;
  if (typeof v !== 'string') return undefined;
  // `String…` or `Number…` (charCode of `B`: no `startsWith` on the hot path unless it may be Binary).
  const type = (a as { dataType?: unknown }).dataType ?? (a as { Type?: unknown }).Type;
  return typeof type === 'string' && type.charCodeAt(0) === 0x42 && type.startsWith('Binary') ? undefined : v;
}

/** Whether the attribute `name` (either form) is there as a Binary one: a header present, only not as a string. */
function isBinaryAttributeNamed(attrs: unknown, name: string): boolean {
  if (!isPlainObject(attrs)) return false;
  const a = attrs[name];
  return isPlainObject(a) && isBinaryAttribute(a);
}

/**
 * Why a record whose `eventType` or `schemaVersion` arrived as a Binary attribute is rejected: the
 * framework picks the message by their strings, and a Binary one is neither absent nor a value.
 */
function binaryIdentityReason(name: 'eventType' | 'schemaVersion'): string {
  return `${name} arrived as a Binary message attribute, but the framework picks the message by its ${name} string: publish ${name} as a String attribute (DataType String)`;
}

/**
 * A decoded record. `attributes` is built on first use: most handlers never read it, and building
 * it for every record costs as much as the attribute checks themselves.
 */
class Decoded<M extends MessageMap> implements DecodedMessage<M> {
  readonly ok = true as const;
  private cached: Readonly<Record<string, string>> | undefined;
  readonly name: keyof M & string;
  readonly contract: MessageContract;
  readonly payload: unknown;
  private readonly rawAttributes: unknown;
  readonly envelope: SnsEnvelopeInfo | undefined;
  constructor(
    name: keyof M & string,
    contract: MessageContract,
    payload: unknown,
    rawAttributes: unknown,
    envelope: SnsEnvelopeInfo | undefined,
    built?: Readonly<Record<string, string>>,
  ) {
    this.name = name;
    this.contract = contract;
    this.payload = payload;
    this.rawAttributes = rawAttributes;
    this.envelope = envelope;
    this.cached = built;
  }
  get attributes(): Readonly<Record<string, string>> {
    return (this.cached ??= stringAttributes(this.rawAttributes));
  }
  get binaryFrameworkHeaders(): readonly string[] {
    // Two lookups, no array unless one is there (most records).
    const correlationId = isBinaryAttributeNamed(this.rawAttributes, 'correlationId');
    const traceparent = isBinaryAttributeNamed(this.rawAttributes, 'traceparent');
    if (!correlationId && !traceparent) return NO_HEADERS;
    return correlationId && traceparent ? FRAMEWORK_HEADERS : [correlationId ? 'correlationId' : 'traceparent'];
  }
}

const NO_HEADERS: readonly string[] = Object.freeze([]);

/**
 * The headers every message carries besides the ones an application declares: the identity, which
 * picks the message (judged by the decoder's own codes, tolerantly: a minor or patch version is
 * fine), and the framework's optional headers, whose out-of-bounds values the consumer refuses
 * (drops and logs) without refusing the message, unless the contract requires them.
 */
export const IDENTITY_HEADERS: readonly string[] = Object.freeze(['eventType', 'schemaVersion']);
/** The framework's optional headers: set by the publisher, logged and propagated by consumers. */
export const FRAMEWORK_HEADERS: readonly string[] = Object.freeze(['correlationId', 'traceparent']);

type HeadersValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

/** What a message's headers schema can forbid, found once by asking its validator. */
interface HeaderRule {
  readonly validate: HeadersValidator;
  /** The schema requires a header beyond the identity: every record is checked. */
  readonly always: boolean;
  /** The schema says something of other headers (declares one, or forbids undeclared ones): a record carrying one is checked. */
  readonly others: boolean;
  /** The headers the schema requires (its top-level `required`). */
  readonly required: ReadonlySet<string>;
}

/** A name no contract declares, to ask a validator what it says of a header it does not declare. */
const UNDECLARED_PROBE = 'sluice-undeclared-header-probe';

function isIdentityOrFrameworkHeader(name: string): boolean {
  return name === 'eventType' || name === 'schemaVersion' || name === 'correlationId' || name === 'traceparent';
}

/** The header an ajv error of a headers validator is about; `undefined` for the attributes as a whole. */
function headerOf(error: AjvError): string | undefined {
  return issuePathOf(error)[0];
}

/**
 * What a message's headers schema can forbid, asked of its validator once: with only the message's
 * identity, whatever fails besides the identity is a required header (every record must be
 * checked); with a header it does not declare, a failure means it allows no others.
 */
function headerRuleOf(contract: MessageContract): HeaderRule | undefined {
  const validate = contract.validateHeaders as HeadersValidator | undefined;
  if (!validate) return undefined;
  const identity = { eventType: contract.eventType, schemaVersion: contract.schemaVersion };
  const required = new Set<string>();
  let always = false;
  if (!validate(identity)) {
    for (const error of validate.errors ?? []) {
      const header = headerOf(error);
      if (error.keyword === 'required' && error.instancePath === '' && header !== undefined) required.add(header);
      if (header === undefined || !IDENTITY_HEADERS.includes(header)) always = true;
    }
  }
  const declaresOthers = contract.headers.some((h) => !isIdentityOrFrameworkHeader(h));
  const forbidsOthers = !always && !validate({ ...identity, [UNDECLARED_PROBE]: 'x' }) && (validate.errors ?? []).some((e) => headerOf(e) !== undefined && !IDENTITY_HEADERS.includes(headerOf(e)!));
  if (!always && !declaresOthers && !forbidsOthers) return undefined;
  return { validate, always, others: declaresOthers || forbidsOthers, required };
}

/** Whether attributes (either form) carry a header besides the identity and the framework's. */
function carriesOtherHeaders(attrs: unknown): boolean {
  if (attrs === null || typeof attrs !== 'object') return false;
  for (const name in attrs) if (!isIdentityOrFrameworkHeader(name)) return true;
  return false;
}

/**
 * The headers' violations of the contract in `errors`, as issues whose path is the header: the
 * identity left out (the decoder judged it), and a framework header's value left out unless the
 * contract requires that header (the consumer refuses it, not the message).
 */
function headerViolations(contract: MessageContract, rule: HeaderRule, errors: readonly AjvError[] | null | undefined, binary?: readonly string[]): ValidationIssue[] {
  const relevant: AjvError[] = [];
  const binaryIssues = new Map<string, ValidationIssue>();
  for (const error of errors ?? []) {
    const header = headerOf(error);
    if (header !== undefined && IDENTITY_HEADERS.includes(header)) continue;
    if (header !== undefined && FRAMEWORK_HEADERS.includes(header) && error.keyword !== 'required' && !rule.required.has(header)) continue;
    if (header !== undefined && binary?.includes(header)) {
      // A header sent as Binary: said once, as what it is (not `must be a string`, nor every keyword its value fails).
      const undeclared = error.keyword === 'additionalProperties' ? `; besides, it is not a header ${contract.name} declares, and its headers schema allows no others` : '';
      const said = binaryIssues.get(header);
      if (said === undefined) binaryIssues.set(header, { path: header, keyword: 'type', message: `${BINARY_HEADER_REASON}${undeclared}` });
      else if (undeclared && !said.message.endsWith(undeclared)) said.message += undeclared;
    } else relevant.push(error);
  }
  // toIssues names the header an undeclared one is (`source: …`); said here as a header.
  const issues = toIssues(relevant).map((i) => (i.keyword === 'additionalProperties' ? { ...i, message: `is not a header ${contract.name} declares, and its headers schema allows no others` } : i));
  for (const issue of binaryIssues.values()) issues.push(issue);
  return issues;
}

/**
 * Whether `version`'s major part (everything before its first dot) is `major`, a major without a
 * dot: `majorOf(version) === major` without the string `slice` allocates.
 */
function hasMajor(version: string, major: string): boolean {
  const n = major.length;
  return version.length === n ? version === major : version.charCodeAt(n) === 0x2e /* . */ && version.startsWith(major);
}

/**
 * A decoder for one receive operation: its messages indexed by event type and major version once,
 * so that decoding a record is lookups, one parse per JSON layer and one validation.
 *
 * The record's string attributes (SQS `stringValue`, or the envelope's `MessageAttributes`
 * `Value`) go through the message's headers validator where its schema can forbid something, which
 * the decoder asks the validator once, here: a message whose schema requires a header beyond the
 * identity (a `tenantId`) has every record checked; one whose schema declares other headers, or
 * allows no undeclared ones (`additionalProperties: false`), has the records checked that carry a
 * header besides `eventType`, `schemaVersion`, `correlationId` and `traceparent`; the rest (the
 * framework's headers only) are not checked here, at no cost. A violation is
 * `MESSAGE_HEADERS_INVALID`, its issues naming each header (`tenantId: is required`, `tenantId:
 * must match ^[a-z]+$`, `source: is not a header … declares`). A header sent as a Binary attribute
 * (SQS `dataType` `Binary`, an envelope's `Type` `Binary`) is there but is no string: where the
 * schema declares or requires it, the issue says so (`tenantId: arrived as a Binary message
 * attribute, but the contract's headers are strings: publish it as a String attribute …`), never
 * `is required`; it is never among the decoded `attributes`. An `eventType` or `schemaVersion` sent
 * as Binary is neither absent nor its base64 text: `WRONG_EVENT_TYPE` or `UNSUPPORTED_SCHEMA_VERSION`,
 * the reason saying it arrived as Binary and to publish it as a String attribute. Left to the other codes, tolerantly:
 * the identity (a minor or patch `schemaVersion` is fine, as is none when the event type has one
 * major); left to the consumer: the framework's optional headers out of bounds (refused, not the
 * message), unless the schema requires them.
 *
 * @param operation - the generated receive operation
 * @param options - the subscribed topics' ARNs, to check where each record came from
 * @returns a function that decodes one record and never throws: a bad record is `{ ok: false, error }`
 * @example
 * ```ts
 * import type { SQSRecord } from 'aws-lambda';
 * import type { MessageContract, ReceiveOperation } from '@sluice/runtime/contract';
 * import { createDecoder } from '@sluice/runtime/consumer';
 *
 * declare const consumePaymentCaptured: ReceiveOperation<'consumePaymentCaptured', { PaymentCaptured: MessageContract<{ paymentId: string }> }>;
 * declare const record: SQSRecord;
 * const decode = createDecoder(consumePaymentCaptured, { sourceTopicArns: ['arn:aws:sns:us-east-1:123456789012:PaymentTopic'] });
 * const result = decode(record);
 * if (result.ok) console.log(result.name, result.payload);
 * else console.log(result.error.code, result.error.message); // PAYLOAD_INVALID amount: must be >= 1
 * ```
 */
export function createDecoder<Op extends ReceiveOperation>(operation: Op, options: DecoderOptions = {}): (record: RecordInput) => DecodeResult<Op['messages']> {
  const contracts = Object.values(operation.messages) as MessageContract[];
  const topics = options.sourceTopicArns === undefined ? undefined : new Set(options.sourceTopicArns);
  const topicNames = (operation.sources ?? []).map((s) => s.topic).join(', ') || 'no topic';
  // A point-to-point queue (no topic feeds it) receives what is sent to it: bare bodies.
  const rawAccepted = topics === undefined || (operation.sources ?? []).length === 0 || (operation.sources ?? []).some((s) => s.rawMessageDelivery);
  const byType = new Map<string, MessageContract[]>();
  for (const c of contracts) byType.set(c.eventType, [...(byType.get(c.eventType) ?? []), c]);
  const only = contracts.length === 1 ? contracts[0] : undefined;
  const declared = contracts.map((c) => `${c.eventType} ${c.major}.x`).join(', ');
  // What each message's headers schema can forbid, asked of its validator once, here.
  const rules = new Map(contracts.map((c) => [c, headerRuleOf(c)] as const));
  const onlyRule = only === undefined ? undefined : rules.get(only);

  /** Which of the operation's messages the attributes (SNS or SQS form) name. */
  function identify(attributes: unknown): MessageContract | DecodeError {
    const eventType = attributeValue(attributes, 'eventType');
    const version = attributeValue(attributes, 'schemaVersion');
    // The common case of a one-message operation, without the map lookup (what the general path below decides too).
    if (only !== undefined && eventType === only.eventType && version !== undefined && hasMajor(version, only.major)) return only;
    let candidates: MessageContract[] | undefined;
    if (eventType === undefined) {
      // Binary is not absent: it was taken for no eventType (the one message, or MISSING_EVENT_TYPE, which is false).
      if (isBinaryAttributeNamed(attributes, 'eventType')) {
        return decodeError(DecodeErrorCode.WRONG_EVENT_TYPE, `${binaryIdentityReason('eventType')}; ${operation.id} handles ${[...byType.keys()].map((t) => `"${t}"`).join(', ')}`);
      }
      if (!only) {
        return decodeError(DecodeErrorCode.MISSING_EVENT_TYPE, `no eventType attribute; ${operation.id} handles several messages (${declared}) and cannot tell which this is`);
      }
      candidates = contracts;
    } else {
      candidates = byType.get(eventType);
      if (!candidates) {
        return decodeError(DecodeErrorCode.WRONG_EVENT_TYPE, `eventType attribute is ${quoted(eventType)}; ${operation.id} handles ${[...byType.keys()].map((t) => `"${t}"`).join(', ')}`);
      }
    }
    if (version === undefined) {
      // Binary is not absent: with one major, it was taken for none and the message accepted.
      if (isBinaryAttributeNamed(attributes, 'schemaVersion')) {
        return decodeError(DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION, `${binaryIdentityReason('schemaVersion')}; ${operation.id} understands ${candidates.map((c) => `${c.major}.x`).join(', ')} of ${candidates[0]!.eventType}`);
      }
      if (candidates.length === 1) return candidates[0]!;
      return decodeError(DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION, `no schemaVersion attribute; ${operation.id} handles ${declared} and cannot tell which major this is`);
    }
    for (const c of candidates) if (hasMajor(version, c.major)) return c;
    return decodeError(
      DecodeErrorCode.UNSUPPORTED_SCHEMA_VERSION,
      `schemaVersion attribute is ${quoted(version)}; ${operation.id} understands ${candidates.map((c) => `${c.major}.x`).join(', ')} of ${candidates[0]!.eventType} (publish a new major version side by side)`,
    );
  }

  function checkPayload(contract: MessageContract, payload: unknown, attributes: unknown, envelope: SnsEnvelopeInfo | undefined): DecodeResult<Op['messages']> {
    // The headers first, where the contract can forbid something of them (most records: nothing to check).
    const rule = contract === only ? onlyRule : rules.get(contract);
    let strings: Readonly<Record<string, string>> | undefined;
    if (rule !== undefined && (rule.always || (rule.others && carriesOtherHeaders(attributes)))) {
      strings = stringAttributes(attributes);
      // A header sent as a Binary attribute is there, only not as a string: the validator is shown a
      // value that is no string (a required tenantId sent as Binary was reported missing).
      const binary = binaryAttributeNames(attributes);
      let checked: Readonly<Record<string, unknown>> = strings;
      if (binary !== undefined) {
        const withBinary: Record<string, unknown> = { ...strings };
        for (const name of binary) withBinary[name] = BINARY_VALUE;
        checked = withBinary;
      }
      if (!rule.validate(checked)) {
        const issues = headerViolations(contract, rule, rule.validate.errors, binary);
        if (issues.length > 0) {
          return {
            ok: false,
            error: decodeError(DecodeErrorCode.MESSAGE_HEADERS_INVALID, `${contract.name} headers (message attributes) are invalid: ${formatIssues(issues)}`, issues),
            attributes: strings,
            ...(envelope ? { envelope } : {}),
          };
        }
      }
    }
    // The type guard directly (not `check`): no result object on the hot path.
    if (!contract.validate(payload)) {
      const issues = toIssues(contract.validate.errors);
      return { ok: false, error: decodeError(DecodeErrorCode.PAYLOAD_INVALID, `${contract.name} payload is invalid: ${formatIssues(issues)}`, issues), attributes: stringAttributes(attributes), ...(envelope ? { envelope } : {}) };
    }
    // Tolerant reader: keep only the fields this version of the contract knows.
    return new Decoded<Op['messages']>(contract.name, contract, contract.pick(payload), attributes, envelope, strings);
  }

  return function decode(record: RecordInput): DecodeResult<Op['messages']> {
    // `JSON.parse` directly, not `parseJson`: no result object per layer on the hot path; a failure gets the same reason.
    let value: unknown;
    try {
      value = JSON.parse(record.body);
    } catch (error) {
      return { ok: false, error: decodeError(DecodeErrorCode.BODY_NOT_JSON, `SQS body is not JSON (${unparsableReason(record.body, error)})`), attributes: stringAttributes(record.messageAttributes) };
    }

    // An SNS envelope, or a payload of a queue that takes raw bodies whose own field is named Type
    // (`{"Type":"premium",…}`: it was refused as NOT_AN_ENVELOPE, so such a message could be sent
    // but never consumed). Where raw bodies are taken, only what looks like SNS's is an envelope.
    if (isPlainObject(value) && 'Type' in value && (!rawAccepted || value.Type === 'Notification' || typeof value.TopicArn === 'string' || typeof value.MessageId === 'string')) {
      if (value.Type !== 'Notification') {
        return { ok: false, error: decodeError(DecodeErrorCode.NOT_AN_ENVELOPE, `SNS message Type is ${quoted(value.Type)}, expected "Notification"`), attributes: NO_ATTRIBUTES };
      }
      // Checked field by field: the array-and-closure form costs more than the check itself on the hot path.
      if (typeof value.MessageId !== 'string' || typeof value.TopicArn !== 'string' || typeof value.Message !== 'string') {
        const missing = ENVELOPE_FIELDS.filter((k) => typeof value[k] !== 'string');
        return { ok: false, error: decodeError(DecodeErrorCode.NOT_AN_ENVELOPE, `SNS notification envelope lacks string ${missing.join(', ')}`), attributes: NO_ATTRIBUTES };
      }
      const envelope: SnsEnvelopeInfo = { messageId: value.MessageId, topicArn: value.TopicArn, timestamp: typeof value.Timestamp === 'string' ? value.Timestamp : undefined };
      const attributes = value.MessageAttributes;
      if (topics !== undefined && !topics.has(value.TopicArn)) {
        return {
          ok: false,
          error: decodeError(
            DecodeErrorCode.TOPIC_NOT_SUBSCRIBED,
            (operation.sources ?? []).length === 0
              ? `SNS envelope names topic ${quoted(value.TopicArn, 256)}, but no topic feeds ${operation.queue} (a point-to-point queue): the envelope was sent to it directly`
              : `SNS envelope names topic ${quoted(value.TopicArn, 256)}, but ${operation.queue} is subscribed only to ${topicNames}: it was not delivered by a subscription`,
          ),
          envelope,
          attributes: stringAttributes(attributes),
        };
      }
      const contract = identify(attributes);
      if (!('validate' in contract)) return { ok: false, error: contract, envelope, attributes: stringAttributes(attributes) };
      let payload: unknown;
      try {
        payload = JSON.parse(value.Message);
      } catch (error) {
        return { ok: false, error: decodeError(DecodeErrorCode.MESSAGE_NOT_JSON, `SNS Message is not JSON (${unparsableReason(value.Message, error)})`), envelope, attributes: stringAttributes(attributes) };
      }
      return checkPayload(contract, payload, attributes, envelope);
    }

    // Raw message delivery: the body is the payload, the attributes are SQS message attributes.
    const attributes = record.messageAttributes;
    if (!rawAccepted) {
      return {
        ok: false,
        error: decodeError(DecodeErrorCode.RAW_BODY_UNEXPECTED, `body is not an SNS envelope, but every subscription feeding ${operation.queue} delivers envelopes (raw delivery off): it was sent to the queue directly, not published to ${topicNames}`),
        attributes: stringAttributes(attributes),
      };
    }
    const contract = identify(attributes);
    if (!('validate' in contract)) return { ok: false, error: contract, attributes: stringAttributes(attributes) };
    return checkPayload(contract, value, attributes, undefined);
  };
}
