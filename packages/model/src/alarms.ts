/**
 * The alarm shape every "it happened at all" alarm of the plan shares: the metric's Sum over five
 * minutes above zero, a quiet metric being healthy. Lambda Errors/Throttles of consumers and
 * triage functions, SNS FilteredOut of topics.
 */
import type { AlarmPlan } from './plan-types.ts';

/** An alarm that goes off when the metric counts anything in a 5-minute period. */
export function anyOccurrenceAlarm(alarm: Pick<AlarmPlan, 'name' | 'description' | 'subject' | 'namespace' | 'metricName'>): AlarmPlan {
  return {
    ...alarm,
    statistic: 'Sum',
    period: 300,
    evaluationPeriods: 1,
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
    treatMissingData: 'notBreaching',
  };
}

/**
 * A function's Lambda `Errors` or `Throttles` alarm, named `<FunctionName><Metric>Alarm`, watching
 * the function of `operationId`.
 */
export function functionAlarm(functionName: string, operationId: string, metricName: 'Errors' | 'Throttles', description: string): AlarmPlan {
  return anyOccurrenceAlarm({ name: `${functionName}${metricName}Alarm`, description, subject: { function: operationId }, namespace: 'AWS/Lambda', metricName });
}

/** How long a dead letter surely has before SQS deletes it, and the age at which its alarm goes off. */
export interface DeadLetterAge {
  /** The age (s) of the oldest dead letter past which the alarm goes off: half of `leftSeconds`. */
  readonly thresholdSeconds: number;
  /** The shortest time (s) a message has left once it arrives in the dead-letter queue. */
  readonly leftSeconds: number;
  /** What the alarm's description says the threshold is (after "for over N s, "). */
  readonly why: string;
}

/**
 * The age alarm of a dead-letter queue: `ApproximateAgeOfOldestMessage` counts from when the
 * message moved to the dead-letter queue, but on a standard queue SQS deletes it by its ORIGINAL
 * enqueue time (SQS developer guide, "dead-letter queue retention": "For standard queues, the
 * expiration of a message is always based on its original enqueue timestamp"). A message that
 * waited in its source queue up to the source's retention has only the difference left: the
 * alarm goes off at half of that. A FIFO dead-letter queue resets the enqueue timestamp, so a
 * dead letter has the whole retention: half of it. What SNS dead-letters for a subscription is
 * enqueued fresh and has more time, never less.
 *
 * @param dlq - the dead-letter queue
 * @param sources - the queues whose failures it receives (`deadLetterFor`), with their retention
 */
export function deadLetterAge(dlq: { readonly fifo: boolean; readonly retentionSeconds: number }, sources: readonly { readonly name: string; readonly retentionSeconds: number }[]): DeadLetterAge {
  const longest = sources.reduce<{ name: string; retentionSeconds: number } | undefined>((a, b) => (a && a.retentionSeconds >= b.retentionSeconds ? a : b), undefined);
  if (dlq.fifo || !longest) {
    return {
      thresholdSeconds: Math.floor(dlq.retentionSeconds / 2),
      leftSeconds: dlq.retentionSeconds,
      why: `half its retention (${dlq.retentionSeconds} s${dlq.fifo ? ', counted from when the message moved there: a FIFO dead-letter queue resets the enqueue time' : ''})`,
    };
  }
  const left = Math.max(0, dlq.retentionSeconds - longest.retentionSeconds);
  if (left === 0) {
    return {
      thresholdSeconds: 0,
      leftSeconds: 0,
      why: `so at once: it keeps messages no longer than ${longest.name} (${dlq.retentionSeconds} s), and SQS deletes a dead letter by the time it was first sent there (a standard queue keeps the original enqueue time), so one may expire as it arrives; give the dead-letter queue a longer messageRetentionPeriod`,
    };
  }
  return {
    thresholdSeconds: Math.floor(left / 2),
    leftSeconds: left,
    why: `half the ${left} s a dead letter surely has left there: SQS deletes it ${dlq.retentionSeconds} s after it was first sent to ${longest.name} (a standard queue keeps the original enqueue time), and it may have waited there up to ${longest.retentionSeconds} s; this age counts from when it moved`,
  };
}
