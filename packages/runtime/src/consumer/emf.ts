/**
 * A small writer of CloudWatch embedded metric format (EMF) lines: what a consumer needs to count
 * its records, and nothing more (no metadata, no high-resolution metrics, no dimension sets).
 *
 * The lines are the ones Powertools Metrics writes for the same calls, so that dashboards and
 * alarms built on them do not change: one JSON document per line on stdout, `_aws` first, the
 * namespace, one dimension set (`service`, plus `function_name` on the `ColdStart` document),
 * every metric's values by name (a number, or an array when a metric got several values). A
 * metric holds at most {@link MAX_VALUES_PER_METRIC} values per document (CloudWatch's limit):
 * more values are written as several documents.
 *
 * `POWERTOOLS_METRICS_DISABLED=true` (or `POWERTOOLS_DEV=true` when it is unset) turns the output
 * off, as it does for Powertools; `POWERTOOLS_METRICS_FUNCTION_NAME` names the `function_name`
 * dimension of the cold start.
 */

/** The units the consumer's metrics use (CloudWatch's names). */
export const MetricUnit = { Count: 'Count', Milliseconds: 'Milliseconds' } as const;
/** One of {@link MetricUnit}'s values, or any other CloudWatch unit name. */
export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit] | (string & {});

/** CloudWatch reads at most 100 values of one metric in one document. */
export const MAX_VALUES_PER_METRIC = 100;
/** CloudWatch reads at most 100 metrics in one document. */
const MAX_METRICS_PER_DOCUMENT = 100;

/** What `defineConsumer` calls on its metrics: {@link EmfMetrics}, or a Powertools `Metrics` instance. */
export interface ConsumerMetrics {
  /** Stores one value of a metric until the next {@link ConsumerMetrics.publishStoredMetrics}. */
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
  /** Writes `ColdStart` = 1, on the first call only. */
  captureColdStartMetric(functionName?: string): void;
  /** Writes the stored metrics and forgets them. */
  publishStoredMetrics(): void;
}

/** The options of {@link EmfMetrics}. */
export interface EmfMetricsOptions {
  /** The CloudWatch namespace. @default `$POWERTOOLS_METRICS_NAMESPACE`, else `EventContract` */
  namespace?: string;
  /** The `service` dimension. @default `$POWERTOOLS_SERVICE_NAME`, else `service_undefined` */
  serviceName?: string;
  /** Where each line goes. @default `process.stdout.write` */
  write?: (line: string) => void;
  /** The documents' `Timestamp`, ms since the epoch. @default `Date.now` */
  now?: () => number;
}

/** `true`, `1`, `yes`, `on` (any case) → true; anything else, or unset → undefined/false. */
function envFlag(name: string): boolean | undefined {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  return ['true', '1', 'yes', 'on', 'y'].includes(value);
}

/**
 * Metrics written as EMF lines on stdout: `addMetric` stores, `publishStoredMetrics` writes and
 * clears, `captureColdStartMetric` writes a `ColdStart` of 1 the first time only.
 *
 * @example
 * ```ts
 * import { EmfMetrics, MetricUnit } from '@sluice/runtime/consumer';
 *
 * const metrics = new EmfMetrics({ namespace: 'Payments', serviceName: 'consumePaymentCaptured' });
 * metrics.addMetric('BatchSize', MetricUnit.Count, 10);
 * metrics.publishStoredMetrics();
 * // {"_aws":{"Timestamp":…,"CloudWatchMetrics":[{"Namespace":"Payments","Dimensions":[["service"]],
 * //   "Metrics":[{"Name":"BatchSize","Unit":"Count"}]}]},"service":"consumePaymentCaptured","BatchSize":10}
 * ```
 */
export class EmfMetrics implements ConsumerMetrics {
  /** The CloudWatch namespace of every document. */
  readonly namespace: string;
  /** The value of the `service` dimension. */
  readonly serviceName: string;
  /** Whether nothing is written (`POWERTOOLS_METRICS_DISABLED`, else `POWERTOOLS_DEV`). */
  readonly disabled: boolean;
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private readonly stored = new Map<string, { unit: string; values: number[] }>();
  private coldStart = true;

  constructor(options: EmfMetricsOptions = {}) {
    this.namespace = options.namespace || process.env.POWERTOOLS_METRICS_NAMESPACE || 'EventContract';
    this.serviceName = options.serviceName || process.env.POWERTOOLS_SERVICE_NAME || 'service_undefined';
    this.disabled = envFlag('POWERTOOLS_METRICS_DISABLED') ?? envFlag('POWERTOOLS_DEV') ?? false;
    this.write = options.write ?? ((line) => void process.stdout.write(line));
    this.now = options.now ?? Date.now;
  }

  /**
   * Stores one value of a metric (a metric added several times keeps every value, in order).
   *
   * @throws RangeError for a value that is not a finite number, or a metric added again with another unit
   */
  addMetric(name: string, unit: MetricUnitName, value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`metric ${name}: ${String(value)} is not a finite number`);
    const metric = this.stored.get(name);
    if (metric && metric.unit !== unit) throw new RangeError(`metric ${name} was added in ${metric.unit}, not ${unit}`);
    if (metric) metric.values.push(value);
    else this.stored.set(name, { unit, values: [value] });
  }

  /** Writes `ColdStart` = 1 (dimensions `service` and `function_name`) on the first call only. */
  captureColdStartMetric(functionName?: string): void {
    if (!this.coldStart) return;
    this.coldStart = false;
    const name = process.env.POWERTOOLS_METRICS_FUNCTION_NAME?.trim() || functionName?.trim();
    const dimensions: Record<string, string> = { service: this.serviceName, ...(name ? { function_name: name } : {}) };
    this.emit(dimensions, [['ColdStart', { unit: MetricUnit.Count, values: [1] }]]);
  }

  /** Writes what was stored since the last call (nothing when nothing was), then forgets it. */
  publishStoredMetrics(): void {
    const metrics = [...this.stored];
    this.stored.clear();
    // A metric with more values than one document may hold goes on over the next documents.
    for (let start = 0; metrics.length > 0; start += MAX_VALUES_PER_METRIC) {
      const slice = metrics
        .filter(([, m]) => m.values.length > start)
        .map(([name, m]) => [name, { unit: m.unit, values: m.values.slice(start, start + MAX_VALUES_PER_METRIC) }] as const);
      if (slice.length === 0) break;
      for (let i = 0; i < slice.length; i += MAX_METRICS_PER_DOCUMENT) this.emit({ service: this.serviceName }, slice.slice(i, i + MAX_METRICS_PER_DOCUMENT));
    }
  }

  private emit(dimensions: Record<string, string>, metrics: readonly (readonly [string, { unit: string; values: number[] }])[]): void {
    if (this.disabled) return;
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [Object.keys(dimensions)], Metrics: metrics.map(([name, m]) => ({ Name: name, Unit: m.unit })) }],
      },
      ...dimensions,
    };
    for (const [name, m] of metrics) document[name] = m.values.length === 1 ? m.values[0] : m.values;
    this.write(`${JSON.stringify(document)}\n`);
  }
}
