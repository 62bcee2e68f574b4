/**
 * The framework's JSON logger against Powertools Logger, which it replaces in the consumer's
 * bundle: the same calls must write the same lines (the timestamp aside), so that queries and
 * metric filters built on Powertools' lines keep working.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsumerLogger, defineConsumer, type StructuredLogger } from '@sluice/runtime/consumer';

const out: { stream: 'stdout' | 'stderr'; text: string }[] = [];

beforeEach(() => {
  out.length = 0;
  for (const name of ['stdout', 'stderr'] as const) {
    vi.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push({ stream: name, text: String(chunk) });
      return true;
    });
  }
  for (const key of ['AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_DEV', 'POWERTOOLS_LOGGER_SAMPLE_RATE', '_X_AMZN_TRACE_ID', 'AWS_LAMBDA_INITIALIZATION_TYPE']) {
    vi.stubEnv(key, undefined);
  }
  vi.stubEnv('TZ', ':UTC');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const lines = () => out.flatMap((o) => o.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
const withoutTime = (line: Record<string, unknown>) => {
  const { timestamp, ...rest } = line;
  expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/);
  return rest;
};

const lambda = {
  awsRequestId: 'req-1',
  functionName: 'ConsumePayment',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ConsumePayment',
  memoryLimitInMB: '512',
  functionVersion: '$LATEST',
} as Context;

/** Runs the same calls on a Powertools Logger and on ours; returns both outputs, line by line, stream included. */
function both(calls: (logger: StructuredLogger) => void, options: { serviceName?: string; logLevel?: 'DEBUG' | 'INFO' | 'WARN' } = {}) {
  out.length = 0;
  calls(new Logger(options));
  const theirs = out.map((o) => ({ stream: o.stream, line: withoutTime(JSON.parse(o.text) as Record<string, unknown>) }));
  out.length = 0;
  calls(new ConsumerLogger(options));
  const ours = out.map((o) => ({ stream: o.stream, line: withoutTime(JSON.parse(o.text) as Record<string, unknown>) }));
  out.length = 0;
  return { theirs, ours };
}

describe('ConsumerLogger writes the lines Powertools Logger writes', () => {
  it('the same fields in the same order, on the same stream: context, child keys, extras, errors with causes', () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    const failure = Object.assign(new Error('write failed', { cause: new TypeError('socket hang up') }), { code: 'ECONNRESET' });
    const { theirs, ours } = both(
      (logger) => {
        logger.info('before any invocation');
        logger.addContext(lambda);
        logger.info('record processed', { messageId: 'm-1', outcome: 'stored', receiveCount: 1, empty: '', nothing: null, missing: undefined });
        const child = logger.createChild({ persistentKeys: { messageId: 'm-2', snsMessageId: 'sns-2', correlationId: 'checkout-7781' } });
        child.debug('not written at INFO');
        child.warn('handling, warned', { attempt: 2 }, { nested: { a: [1, 2], big: 12n } });
        child.error('record failed', { outcome: 'failed', error: failure });
        logger.error('thrown', failure);
        logger.info({ message: 'an object message', paymentId: 'pay-1' }, 'a string extra');
        logger.addContext({ ...lambda, awsRequestId: 'req-2' });
        logger.info('second invocation');
      },
      { serviceName: 'consumePayment' },
    );
    expect(ours).toEqual(theirs);
    expect(ours.map((o) => Object.keys(o.line))).toEqual(theirs.map((o) => Object.keys(o.line)));
    // What the comparison covers, spelled out.
    expect(ours).toHaveLength(7);
    expect(ours[1]).toEqual({
      stream: 'stdout',
      line: {
        level: 'INFO',
        message: 'record processed',
        service: 'consumePayment',
        cold_start: true,
        function_arn: lambda.invokedFunctionArn,
        function_memory_size: '512',
        function_name: 'ConsumePayment',
        function_request_id: 'req-1',
        sampling_rate: 0,
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        messageId: 'm-1',
        outcome: 'stored',
        receiveCount: 1,
      },
    });
    expect(ours[2]).toMatchObject({ stream: 'stderr', line: { level: 'WARN', messageId: 'm-2', snsMessageId: 'sns-2', correlationId: 'checkout-7781', attempt: 2, nested: { a: [1, 2], big: '12' } } });
    expect(ours[3]!.line.error).toMatchObject({ name: 'Error', message: 'write failed', code: 'ECONNRESET', cause: { name: 'TypeError', message: 'socket hang up' } });
    // The first `(file:line:column)` frame of the stack, as Powertools picks it.
    expect((ours[3]!.line.error as { location: string }).location).toMatch(/^\S+:\d+$/);
    expect(ours[6]!.line).toMatchObject({ cold_start: false, function_request_id: 'req-2' });
  });

  it('leaves a circular reference out, as Powertools does', () => {
    const order: Record<string, unknown> = { orderId: 'o-1' };
    order.self = order;
    const { theirs, ours } = both((logger) => logger.info('circular', { order }));
    expect(ours).toEqual(theirs);
    expect(ours[0]!.line.order).toEqual({ orderId: 'o-1' });
  });

  it('takes the service from POWERTOOLS_SERVICE_NAME, else service_undefined', () => {
    expect(both((logger) => logger.info('x')).ours[0]!.line.service).toBe('service_undefined');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'payments');
    const { theirs, ours } = both((logger) => logger.info('x'));
    expect(ours).toEqual(theirs);
    expect(ours[0]!.line.service).toBe('payments');
  });

  it('reports no cold start outside an on-demand instance (provisioned concurrency, or not in Lambda)', () => {
    for (const type of ['provisioned-concurrency', undefined]) {
      vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', type);
      const { theirs, ours } = both((logger) => {
        logger.addContext(lambda);
        logger.info('first');
      });
      expect(ours).toEqual(theirs);
      expect(ours[0]!.line.cold_start).toBe(false);
    }
  });

  it('writes the timestamp with the offset of the zone TZ names, UTC otherwise', () => {
    vi.useFakeTimers({ now: new Date('2026-03-04T05:06:07.089Z'), toFake: ['Date'] });
    try {
      vi.stubEnv('TZ', 'Asia/Kolkata');
      new ConsumerLogger().info('x');
      vi.stubEnv('TZ', ':UTC');
      new ConsumerLogger().info('y');
      vi.stubEnv('TZ', 'America/New_York');
      new ConsumerLogger().info('z');
      expect(lines().map((l) => l.timestamp)).toEqual(['2026-03-04T10:36:07.089+05:30', '2026-03-04T05:06:07.089Z', '2026-03-04T00:06:07.089-05:00']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ConsumerLogger keeps what Powertools would drop', () => {
  it('keeps a key named like one of its own fields as field_<key>, silently', () => {
    const logger = new ConsumerLogger({ serviceName: 'consumeOrderPlaced' });
    logger.info('received', { orderId: 'o-1', timestamp: '2026-03-04T05:06:07+01:00', level: 'gold', service: 'shop', sampling_rate: 1, message: 'hi' });
    logger.info({ message: 'object form', timestamp: 't' });
    logger.createChild({ persistentKeys: { service: 'billing' } }).info('child');
    const [received, objectForm, child] = lines();
    expect(received).toMatchObject({ level: 'INFO', message: 'received', service: 'consumeOrderPlaced', sampling_rate: 0, orderId: 'o-1', field_timestamp: '2026-03-04T05:06:07+01:00', field_level: 'gold', field_service: 'shop', field_sampling_rate: 1, field_message: 'hi' });
    expect(objectForm).toMatchObject({ message: 'object form', field_timestamp: 't' });
    expect(child).toMatchObject({ service: 'consumeOrderPlaced', field_service: 'billing' });
    expect(lines()).toHaveLength(3);
  });

  it('shares the invocation with its children: a child made in a warm invocation does not claim a cold start', () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const logger = new ConsumerLogger();
    logger.addContext(lambda);
    logger.createChild({ persistentKeys: { messageId: 'm-1' } }).info('first invocation');
    logger.addContext({ ...lambda, awsRequestId: 'req-2' });
    logger.createChild({ persistentKeys: { messageId: 'm-2' } }).info('second invocation');
    expect(lines().map((l) => [l.messageId, l.function_request_id, l.cold_start])).toEqual([
      ['m-1', 'req-1', true],
      ['m-2', 'req-2', false],
    ]);
  });
});

describe('the level', () => {
  const written = (logger: ConsumerLogger) => {
    out.length = 0;
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.critical('c');
    return lines()
      .filter((l) => String(l.message).length === 1)
      .map((l) => l.message)
      .join('');
  };

  it('is INFO by default; POWERTOOLS_LOG_LEVEL, else LOG_LEVEL, sets it, in any case', () => {
    expect(written(new ConsumerLogger())).toBe('iwec');
    vi.stubEnv('LOG_LEVEL', 'error');
    expect(written(new ConsumerLogger())).toBe('ec');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'debug');
    expect(written(new ConsumerLogger())).toBe('diwec');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    expect(written(new ConsumerLogger())).toBe('');
    expect(new ConsumerLogger().getLevelName()).toBe('SILENT');
  });

  it('takes the constructor option over the environment, and a child inherits its parent level', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
    const logger = new ConsumerLogger({ logLevel: 'TRACE' });
    expect(written(logger)).toBe('tdiwec');
    expect(written(logger.createChild({ persistentKeys: { k: 1 } }))).toBe('tdiwec');
  });

  it('lets AWS_LAMBDA_LOG_LEVEL (FATAL = CRITICAL) win, and warns once when it hides what was asked for', () => {
    vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', 'WARN');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const logger = new ConsumerLogger();
    expect(lines()).toEqual([expect.objectContaining({ level: 'WARN', message: 'Current log level (DEBUG) does not match AWS Lambda Advanced Logging Controls minimum log level (WARN). This can lead to data loss, consider adjusting them.' })]);
    expect(written(logger)).toBe('wec');
    logger.setLogLevel('DEBUG');
    expect(written(logger)).toBe('wec');
    vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', 'FATAL');
    expect(written(new ConsumerLogger())).toBe('c');
  });

  it('warns about a value that is no level, naming it, and goes on with the next source', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'VERBOSE');
    vi.stubEnv('LOG_LEVEL', 'WARN');
    const logger = new ConsumerLogger();
    expect(lines()).toEqual([expect.objectContaining({ level: 'WARN', message: expect.stringContaining('POWERTOOLS_LOG_LEVEL="VERBOSE" is not a log level') })]);
    expect(written(logger)).toBe('wec');
    expect(() => logger.setLogLevel('LOUD' as never)).toThrow(/"LOUD" is not a log level/);
  });

  it('turns DEBUG on for the sampled share of instances (POWERTOOLS_LOGGER_SAMPLE_RATE), and says so', () => {
    vi.stubEnv('POWERTOOLS_LOGGER_SAMPLE_RATE', '1');
    const logger = new ConsumerLogger();
    expect(lines()).toEqual([expect.objectContaining({ level: 'DEBUG', message: 'Setting log level to DEBUG due to sampling rate', sampling_rate: 1 })]);
    expect(written(logger)).toBe('diwec');
  });

  it('writes TRACE, DEBUG and INFO to stdout, WARN, ERROR and CRITICAL to stderr', () => {
    written(new ConsumerLogger({ logLevel: 'TRACE' }));
    expect(out.map((o) => `${o.stream}:${(JSON.parse(o.text) as { level: string }).level}`)).toEqual(['stdout:TRACE', 'stdout:DEBUG', 'stdout:INFO', 'stderr:WARN', 'stderr:ERROR', 'stderr:CRITICAL']);
    expect(out.every((o) => o.text.endsWith('}\n') && !o.text.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('writes indented lines through the global console when POWERTOOLS_DEV is set', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const logger = new ConsumerLogger();
    logger.info('pretty');
    logger.error('failed', new Error('boom'));
    expect(String(log.mock.calls[0]![0])).toMatch(/^\{\n {4}"level": "INFO"/);
    expect(JSON.parse(String(error.mock.calls[0]![0])).error.stack).toEqual(expect.arrayContaining(['Error: boom']));
    expect(out).toEqual([]);
  });
});

describe('defineConsumer and its logger', () => {
  it('still takes a Powertools Logger, and gives the handler a child of it', async () => {
    const powertools: StructuredLogger = new Logger({ serviceName: 'configured-elsewhere' });
    const handler = defineConsumer(
      { id: 'consumeNothing', action: 'receive', queue: 'Q', messages: {}, sources: [] } as never,
      () => undefined,
      { logger: powertools, sourceTopicArns: ['arn:aws:sns:eu-west-1:123456789012:T'] },
    );
    await handler({ Records: [{ messageId: 'm-1', body: 'not json', attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:Q' } as never] }, lambda);
    expect(lines().find((l) => l.messageId === 'm-1')).toMatchObject({ level: 'WARN', message: 'record rejected', service: 'configured-elsewhere', function_request_id: 'req-1', outcome: 'invalid' });
  });
});
