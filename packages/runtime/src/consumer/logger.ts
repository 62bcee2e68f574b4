/**
 * The framework's structured logger: one JSON document per line, the lines Powertools Logger
 * writes for the same calls (so that Logs Insights queries, metric filters and dashboards built on
 * them do not change), and nothing a consumer does not use (no log buffering, no custom
 * formatters, no middleware). What a line holds, in this order:
 *
 * `level`, `message`, `timestamp` (ISO 8601, UTC unless `TZ` names another zone), `service`, then,
 * once {@link ConsumerLogger.addContext} was called, `cold_start`, `function_arn`,
 * `function_memory_size`, `function_name`, `function_request_id`, then `sampling_rate`,
 * `xray_trace_id` (the `Root` of `_X_AMZN_TRACE_ID`), `tenant_id`, then the persistent keys
 * (`createChild({ persistentKeys })`, {@link ConsumerLogger.appendPersistentKeys}), the temporary
 * ones ({@link ConsumerLogger.appendKeys}) and the call's own. Empty top-level values (`undefined`,
 * `null`, `''`) are left out. An `Error` anywhere is written as `{ name, location, message, stack,
 * cause, …its own fields }`, a `bigint` as a string, a circular reference is left out.
 *
 * Unlike Powertools, a key named like one of the line's own fields (`level`, `message`,
 * `sampling_rate`, `service`, `timestamp`) is kept as `field_<key>` instead of being dropped:
 * `logger.info('received', order)` keeps the order's `timestamp` as `field_timestamp`.
 *
 * The level, in this order of precedence:
 * 1. `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging controls; `FATAL` = `CRITICAL`): Lambda drops
 *    what is below it anyway, so it wins; a lower level asked for elsewhere is warned about once;
 * 2. the constructor's `logLevel` (a child inherits its parent's);
 * 3. `POWERTOOLS_LOG_LEVEL` (what the plan of `@sluice/model` sets from the settings' `logLevel`,
 *    and `npm start -- --log-level` overrides), else `LOG_LEVEL`;
 * 4. `INFO`.
 * Any case is accepted; a value that is no level is warned about once (its name and value) and
 * ignored. `POWERTOOLS_LOGGER_SAMPLE_RATE` (0 to 1) turns DEBUG on for that share of instances.
 *
 * TRACE, DEBUG and INFO go to stdout, WARN, ERROR and CRITICAL to stderr (Lambda sends both to
 * CloudWatch). `POWERTOOLS_DEV=true` writes through the global `console` instead, indented, with
 * stacks split into lines.
 */
import type { Context } from 'aws-lambda';

/** The levels and their thresholds (Powertools' numbers): a line is written when its level's is at least the logger's. */
export const LOG_LEVEL_THRESHOLDS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
/** A log level's name: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `CRITICAL` or `SILENT` (nothing). */
export type LogLevelName = keyof typeof LOG_LEVEL_THRESHOLDS;

/** A line's message: a string, or an object with `message` whose other keys join the line. */
export type LogMessage = string | ({ message: string } & Record<string, unknown>);
/** What follows the message: objects join the line, an `Error` is its `error`, a string its `extra`. */
export type LogExtra = Record<string, unknown> | Error | string | null | undefined;

/**
 * What a consumer logs through: a {@link ConsumerLogger}, or a Powertools `Logger` (the same
 * methods), to keep a logger configured elsewhere.
 */
export interface StructuredLogger {
  /** Writes a DEBUG line (when the level lets it through). */
  debug(input: LogMessage, ...extra: LogExtra[]): void;
  /** Writes an INFO line (when the level lets it through). */
  info(input: LogMessage, ...extra: LogExtra[]): void;
  /** Writes a WARN line (when the level lets it through). */
  warn(input: LogMessage, ...extra: LogExtra[]): void;
  /** Writes an ERROR line (when the level lets it through). */
  error(input: LogMessage, ...extra: LogExtra[]): void;
  /** Puts the invocation (request id, function, cold start) on every later line. */
  addContext(context: Context): void;
  /** A logger whose lines also carry `persistentKeys`; it shares this one's invocation context. */
  createChild(options?: { persistentKeys?: Record<string, unknown> }): StructuredLogger;
}

/** The options of {@link ConsumerLogger}. */
export interface ConsumerLoggerOptions {
  /** The `service` of every line. @default `$POWERTOOLS_SERVICE_NAME`, else `service_undefined` */
  serviceName?: string;
  /** The level (below `AWS_LAMBDA_LOG_LEVEL`'s, if set). @default `$POWERTOOLS_LOG_LEVEL`, else `$LOG_LEVEL`, else `INFO` */
  logLevel?: LogLevelName | Lowercase<LogLevelName>;
  /** Keys on every line of this logger and its children. */
  persistentKeys?: Record<string, unknown>;
  /** The share of instances (0 to 1) that log at DEBUG. @default `$POWERTOOLS_LOGGER_SAMPLE_RATE`, else 0 */
  sampleRateValue?: number;
}

/** The invocation's fields, as the line writes them. */
interface InvocationFields {
  cold_start: boolean;
  function_arn: string;
  function_memory_size: string | number;
  function_name: string;
  function_request_id: string;
}

/** What a logger and its children share: the invocation, whether the instance's first one was seen, the warnings already given. */
interface SharedState {
  invocation?: InvocationFields;
  tenantId?: string;
  invocations: number;
  warned: Set<string>;
}

/** The keys of the line's own fields, which other keys must not replace. */
const RESERVED_KEYS = new Set(['level', 'message', 'sampling_rate', 'service', 'timestamp']);

function levelOf(value: string | undefined): LogLevelName | undefined {
  const name = value?.trim().toUpperCase();
  if (!name) return undefined;
  const level = name === 'FATAL' ? 'CRITICAL' : name;
  return level in LOG_LEVEL_THRESHOLDS ? (level as LogLevelName) : undefined;
}

function isDevMode(): boolean {
  return ['1', 'y', 'yes', 't', 'true', 'on'].includes(process.env.POWERTOOLS_DEV?.trim().toLowerCase() ?? '');
}

/** The X-Ray trace id of the current invocation (the `Root` of `_X_AMZN_TRACE_ID`). */
function traceId(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } } }).awslambda?.InvokeStore;
  const header = (store?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID ?? '').trim();
  if (header === '') return undefined;
  if (!header.includes('=')) return header;
  for (const field of header.split(';')) {
    const [key, value] = field.split('=');
    if (key === 'Root') return value;
  }
  return undefined;
}

/** ISO 8601 in UTC (`…Z`), or with the offset of the zone `TZ` names (`…+02:00`). */
function timestampOf(date: Date): string {
  const zone = process.env.TZ;
  if (!zone || zone.includes('UTC')) return date.toISOString();
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const abs = Math.abs(offset);
  return `${local}${offset >= 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `file.js:12`: where the stack says the error was thrown. */
function locationOf(stack: string | undefined): string {
  const match = stack ? /\(([^()]*?):(\d+?):(\d+?)\)\\?$/m.exec(stack) : null;
  return match ? `${match[1]}:${Number(match[2])}` : '';
}

function formatError(error: Error, dev: boolean): Record<string, unknown> {
  const { name, message, stack, cause } = error;
  const out: Record<string, unknown> = {
    name,
    location: locationOf(stack),
    message,
    stack: dev && typeof stack === 'string' ? stack.split('\n') : stack,
    cause: cause instanceof Error ? formatError(cause, dev) : cause,
  };
  for (const key of Object.keys(error)) if (!['name', 'message', 'stack', 'cause'].includes(key)) out[key] = (error as unknown as Record<string, unknown>)[key];
  return out;
}

/** `{ timestamp, userId }` → `{ field_timestamp, userId }` into `into`; `message` too unless `keepMessage`. */
function assignKeys(into: Record<string, unknown>, from: Record<string, unknown>, keepMessage = false): void {
  for (const key of Object.keys(from)) {
    if (keepMessage && key === 'message') continue;
    into[RESERVED_KEYS.has(key) ? `field_${key}` : key] = from[key];
  }
}

/**
 * A structured JSON logger (see the module's documentation for its lines and levels); the
 * default logger of `defineConsumer` and of the triage function.
 *
 * @example
 * ```ts
 * import { ConsumerLogger } from '@sluice/runtime/consumer';
 *
 * const logger = new ConsumerLogger({ serviceName: 'consumePaymentCaptured' });
 * logger.info('received', { paymentId: 'pay-1', timestamp: '2026-01-01T10:00:00Z' });
 * // {"level":"INFO","message":"received","timestamp":"…","service":"consumePaymentCaptured",
 * //  "sampling_rate":0,"paymentId":"pay-1","field_timestamp":"2026-01-01T10:00:00Z"}
 * logger.createChild({ persistentKeys: { messageId: 'm-1' } }).warn('slow write');
 * ```
 */
export class ConsumerLogger implements StructuredLogger {
  /** The `service` of every line. */
  readonly serviceName: string;
  /** The `sampling_rate` of every line: the share of instances logging at DEBUG. */
  readonly sampleRate: number;
  private threshold: number;
  private readonly persistent: Record<string, unknown> = {};
  private readonly temporary: Record<string, unknown> = {};
  private readonly shared: SharedState;

  constructor(options: ConsumerLoggerOptions = {}) {
    this.shared = { invocations: 0, warned: new Set() };
    this.serviceName = options.serviceName?.trim() || process.env.POWERTOOLS_SERVICE_NAME?.trim() || 'service_undefined';
    if (options.persistentKeys) assignKeys(this.persistent, options.persistentKeys);
    const alcValue = process.env.AWS_LAMBDA_LOG_LEVEL;
    const alc = levelOf(alcValue);
    const configured = [
      ['logLevel', options.logLevel],
      ['POWERTOOLS_LOG_LEVEL', process.env.POWERTOOLS_LOG_LEVEL],
      ['LOG_LEVEL', process.env.LOG_LEVEL],
    ] as const;
    let level: LogLevelName = 'INFO';
    const problems: string[] = [];
    if (alcValue?.trim() && !alc) problems.push(`AWS_LAMBDA_LOG_LEVEL=${JSON.stringify(alcValue)} is not a log level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL); ignored`);
    for (const [name, value] of configured) {
      if (!value?.trim()) continue;
      const parsed = levelOf(value);
      if (!parsed) {
        problems.push(`${name}=${JSON.stringify(value)} is not a log level (${Object.keys(LOG_LEVEL_THRESHOLDS).join(', ')}); ignored`);
        continue;
      }
      level = parsed;
      break;
    }
    const sampleRate = [options.sampleRateValue, Number(process.env.POWERTOOLS_LOGGER_SAMPLE_RATE?.trim() || 0)].find((r) => typeof r === 'number' && r >= 0 && r <= 1);
    this.sampleRate = sampleRate ?? 0;
    let sampled = false;
    if (this.sampleRate > 0 && LOG_LEVEL_THRESHOLDS[level] > LOG_LEVEL_THRESHOLDS.DEBUG && Math.random() <= this.sampleRate) {
      level = 'DEBUG';
      sampled = true;
    }
    if (alc) {
      if (LOG_LEVEL_THRESHOLDS[alc] > LOG_LEVEL_THRESHOLDS[level]) {
        problems.push(`Current log level (${level}) does not match AWS Lambda Advanced Logging Controls minimum log level (${alc}). This can lead to data loss, consider adjusting them.`);
      }
      level = alc;
    }
    this.threshold = LOG_LEVEL_THRESHOLDS[level];
    for (const problem of problems) this.warnOnce(problem);
    if (sampled) this.debug('Setting log level to DEBUG due to sampling rate');
  }

  /** The current level's threshold (see {@link LOG_LEVEL_THRESHOLDS}), as Powertools' `level`. */
  get level(): number {
    return this.threshold;
  }

  /** The current level's name. */
  getLevelName(): LogLevelName {
    return (Object.keys(LOG_LEVEL_THRESHOLDS) as LogLevelName[]).find((name) => LOG_LEVEL_THRESHOLDS[name] === this.threshold)!;
  }

  /**
   * Puts the invocation on every later line of this logger and its children: `function_request_id`,
   * `function_name`, `function_arn`, `function_memory_size`, `tenant_id` and `cold_start` (true on
   * the first invocation of an on-demand instance, `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand`,
   * as Powertools reports it; false on a provisioned one, or outside Lambda).
   */
  addContext(context: Context): void {
    const first = this.shared.invocations++ === 0;
    this.shared.invocation = {
      cold_start: first && process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand',
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    this.shared.tenantId = (context as { tenantId?: string }).tenantId;
  }

  /**
   * A logger with this one's service, level and keys, plus `persistentKeys`; it shares this one's
   * invocation context (the current and the later ones).
   */
  createChild(options: { persistentKeys?: Record<string, unknown> } = {}): ConsumerLogger {
    const child = Object.create(ConsumerLogger.prototype) as ConsumerLogger;
    Object.assign(child, {
      serviceName: this.serviceName,
      sampleRate: this.sampleRate,
      threshold: this.threshold,
      persistent: { ...this.persistent },
      temporary: { ...this.temporary },
      shared: this.shared,
    });
    if (options.persistentKeys) assignKeys(child.persistent, options.persistentKeys);
    return child;
  }

  /** Adds keys to every later line of this logger (and of the children it makes from now on). */
  appendPersistentKeys(keys: Record<string, unknown>): void {
    assignKeys(this.persistent, keys);
  }

  /** Adds keys to every later line until {@link ConsumerLogger.resetKeys}. */
  appendKeys(keys: Record<string, unknown>): void {
    assignKeys(this.temporary, keys);
  }

  /** Forgets the keys {@link ConsumerLogger.appendKeys} added. */
  resetKeys(): void {
    for (const key of Object.keys(this.temporary)) delete this.temporary[key];
  }

  /** Sets the level, unless `AWS_LAMBDA_LOG_LEVEL` is set (Lambda would drop what is below it anyway). */
  setLogLevel(level: LogLevelName): void {
    if (levelOf(process.env.AWS_LAMBDA_LOG_LEVEL)) return;
    const parsed = levelOf(level);
    if (!parsed) throw new RangeError(`${JSON.stringify(level)} is not a log level (${Object.keys(LOG_LEVEL_THRESHOLDS).join(', ')})`);
    this.threshold = LOG_LEVEL_THRESHOLDS[parsed];
  }

  /** Writes a TRACE line on stdout, when the level is TRACE or lower. */
  trace(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('TRACE', input, extra);
  }
  /** Writes a DEBUG line on stdout, when the level is DEBUG or lower. */
  debug(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('DEBUG', input, extra);
  }
  /** Writes a INFO line on stdout, when the level is INFO or lower. */
  info(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('INFO', input, extra);
  }
  /** Writes a WARN line on stderr, when the level is WARN or lower. */
  warn(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('WARN', input, extra);
  }
  /** Writes a ERROR line on stderr, when the level is ERROR or lower. */
  error(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('ERROR', input, extra);
  }
  /** Writes a CRITICAL line on stderr, when the level is CRITICAL or lower. */
  critical(input: LogMessage, ...extra: LogExtra[]): void {
    this.log('CRITICAL', input, extra);
  }

  private warnOnce(message: string): void {
    if (this.shared.warned.has(message)) return;
    this.shared.warned.add(message);
    this.log('WARN', message, []);
  }

  private log(level: Exclude<LogLevelName, 'SILENT'>, input: LogMessage, extra: readonly LogExtra[]): void {
    if (LOG_LEVEL_THRESHOLDS[level] < this.threshold) return;
    const line: Record<string, unknown> = {
      level,
      message: typeof input === 'string' ? input : input?.message,
      timestamp: timestampOf(new Date()),
      service: this.serviceName,
      ...this.shared.invocation,
      sampling_rate: this.sampleRate,
      xray_trace_id: traceId(),
      tenant_id: this.shared.tenantId,
    };
    assignKeys(line, this.persistent);
    assignKeys(line, this.temporary);
    if (typeof input === 'object' && input !== null) assignKeys(line, input, true);
    for (const item of extra) {
      if (item === null || item === undefined) continue;
      if (item instanceof Error) line.error = item;
      else if (typeof item === 'string') line.extra = item;
      else assignKeys(line, item);
    }
    for (const key of Object.keys(line)) if (line[key] === undefined || line[key] === null || line[key] === '') delete line[key];
    const dev = isDevMode();
    const text = JSON.stringify(line, replacer(dev), dev ? 4 : 0);
    const toStderr = LOG_LEVEL_THRESHOLDS[level] >= LOG_LEVEL_THRESHOLDS.WARN;
    if (dev) (toStderr ? console.error : console.log)(text);
    else (toStderr ? process.stderr : process.stdout).write(`${text}\n`);
  }
}

/** Errors as objects, bigints as strings, circular references left out. */
function replacer(dev: boolean): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown) {
    const out = value instanceof Error ? formatError(value, dev) : value;
    if (typeof out === 'bigint') return out.toString();
    if (typeof out === 'object' && out !== null) {
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(out)) return undefined;
      ancestors.push(out);
    }
    return out;
  };
}
