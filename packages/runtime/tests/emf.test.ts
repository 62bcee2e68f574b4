import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics, MAX_VALUES_PER_METRIC, MetricUnit } from '@sluice/runtime/consumer';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function capture(options: { namespace?: string; serviceName?: string } = {}) {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ ...options, write: (line) => lines.push(line), now: () => 1_767_258_000_000 });
  const docs = () => lines.map((l) => JSON.parse(l) as EmfDocument);
  return { metrics, lines, docs };
}

afterEach(() => vi.unstubAllEnvs());

describe('EmfMetrics: the embedded metric format lines a consumer writes', () => {
  it('writes one line per publish, in the shape Powertools Metrics writes: _aws first, namespace, the service dimension, values by name', () => {
    const { metrics, lines, docs } = capture({ namespace: 'Payments', serviceName: 'consumePaymentCaptured' });
    metrics.addMetric('MessageAgeMs', MetricUnit.Milliseconds, 12);
    metrics.addMetric('MessageAgeMs', MetricUnit.Milliseconds, 40);
    metrics.addMetric('BatchSize', MetricUnit.Count, 2);
    metrics.addMetric('RecordsInvalid', MetricUnit.Count, 0);
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('{"_aws"')).toBe(true);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain('\n');
    expect(docs()[0]).toEqual({
      _aws: {
        Timestamp: 1_767_258_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'Payments',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'MessageAgeMs', Unit: 'Milliseconds' },
              { Name: 'BatchSize', Unit: 'Count' },
              { Name: 'RecordsInvalid', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'consumePaymentCaptured',
      MessageAgeMs: [12, 40],
      BatchSize: 2,
      RecordsInvalid: 0,
    });
    // Published metrics are forgotten: nothing is written twice, nothing when nothing was stored.
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(1);
  });

  it('writes ColdStart once, with the function_name dimension', () => {
    const { metrics, docs } = capture({ namespace: 'Payments', serviceName: 'consumePaymentCaptured' });
    metrics.captureColdStartMetric('payments-dev-consumePaymentCaptured');
    metrics.captureColdStartMetric('payments-dev-consumePaymentCaptured');
    expect(docs()).toHaveLength(1);
    expect(docs()[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Payments', Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] }] },
      service: 'consumePaymentCaptured',
      function_name: 'payments-dev-consumePaymentCaptured',
      ColdStart: 1,
    });
  });

  it('names the cold start after POWERTOOLS_METRICS_FUNCTION_NAME when set, and leaves the dimension out without a name', () => {
    vi.stubEnv('POWERTOOLS_METRICS_FUNCTION_NAME', 'from-env');
    const named = capture({ serviceName: 's' });
    named.metrics.captureColdStartMetric('from-context');
    expect(named.docs()[0]!.function_name).toBe('from-env');
    vi.stubEnv('POWERTOOLS_METRICS_FUNCTION_NAME', '');
    const unnamed = capture({ serviceName: 's' });
    unnamed.metrics.captureColdStartMetric();
    expect(unnamed.docs()[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(unnamed.docs()[0]).not.toHaveProperty('function_name');
  });

  it(`splits a metric of more than ${MAX_VALUES_PER_METRIC} values over several documents (CloudWatch reads 100 per document), losing none`, () => {
    const { metrics, docs } = capture({ serviceName: 's' });
    for (let i = 0; i < 250; i++) metrics.addMetric('MessageAgeMs', MetricUnit.Milliseconds, i);
    metrics.addMetric('BatchSize', MetricUnit.Count, 250);
    metrics.publishStoredMetrics();
    const written = docs();
    expect(written).toHaveLength(3);
    expect(written.map((d) => (d.MessageAgeMs as number[]).length)).toEqual([100, 100, 50]);
    expect(written.flatMap((d) => d.MessageAgeMs as number[])).toEqual(Array.from({ length: 250 }, (_, i) => i));
    // BatchSize once, in the first document; each document declares exactly the metrics it holds.
    expect(written.map((d) => d.BatchSize)).toEqual([250, undefined, undefined]);
    for (const d of written) expect(d._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort()).toEqual(Object.keys(d).filter((k) => k !== '_aws' && k !== 'service').sort());
  });

  it('defaults the namespace and service from the environment Powertools reads', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Shop');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'consumeX');
    const { metrics, docs } = capture();
    metrics.addMetric('BatchSize', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    expect(docs()[0]).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'Shop' }] }, service: 'consumeX' });
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is true, or POWERTOOLS_DEV is and the former is unset', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const off = capture({ serviceName: 's' });
    off.metrics.captureColdStartMetric('f');
    off.metrics.addMetric('BatchSize', MetricUnit.Count, 1);
    off.metrics.publishStoredMetrics();
    expect(off.lines).toEqual([]);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const on = capture({ serviceName: 's' });
    on.metrics.captureColdStartMetric('f');
    expect(on.lines).toHaveLength(1);
  });

  it('refuses a value that is not a finite number, and a metric added again in another unit', () => {
    const { metrics } = capture({ serviceName: 's' });
    expect(() => metrics.addMetric('BatchSize', MetricUnit.Count, Number.NaN)).toThrow(/BatchSize: NaN is not a finite number/);
    metrics.addMetric('BatchSize', MetricUnit.Count, 1);
    expect(() => metrics.addMetric('BatchSize', MetricUnit.Milliseconds, 1)).toThrow(/BatchSize was added in Count, not Milliseconds/);
  });

  it('writes to stdout by default, one write per document (the local runtime reads each write as one line)', () => {
    const writes: unknown[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (writes.push(chunk), true));
    try {
      const metrics = new EmfMetrics({ serviceName: 's' });
      metrics.addMetric('BatchSize', MetricUnit.Count, 3);
      metrics.publishStoredMetrics();
    } finally {
      spy.mockRestore();
    }
    expect(writes).toHaveLength(1);
    expect(JSON.parse(String(writes[0]))).toMatchObject({ service: 's', BatchSize: 3 });
  });
});
