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
