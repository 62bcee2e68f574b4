/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The alarms an on-call engineer needs, as the plan lists them (dead letters, old messages in
 * every queue, function errors and throttles), each notifying the alerts topic when it goes off
 * and when it recovers.
 */
import type { AlarmPlan, DeploymentPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/** What the alarms watch. */
export interface AlarmSubjects {
  /** The queues, by name. */
  queues: Record<string, sst.aws.Queue>;
  /** By operation id. */
  functions: Record<string, sst.aws.Function>;
  /** The topic every alarm notifies. */
  alerts: sst.aws.SnsTopic;
  /** The contract's topics, by name (SNS's filtered-out counts). */
  topics?: Record<string, sst.aws.SnsTopic>;
}

/**
 * Every alarm of the plan, by its name (`PaymentDLQDepthAlarm`).
 *
 * @example
 * ```ts
 * import { declareAlarms, type AlarmSubjects, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * declareAlarms({} as Scope, resolvePlan({ topology, settings: {} }), {} as AlarmSubjects);
 * ```
 */
export function declareAlarms(scope: Scope, plan: DeploymentPlan, subjects: AlarmSubjects): Record<string, aws.cloudwatch.MetricAlarm> {
  const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
  for (const alarm of plan.alarms) {
    alarms[alarm.name] = declare(scope, 'alarm', alarm.name, alarmArgs(alarm, subjects), (name, a, opts) => new aws.cloudwatch.MetricAlarm(name, a, opts));
  }
  return alarms;
}

function alarmArgs(alarm: AlarmPlan, subjects: AlarmSubjects): aws.cloudwatch.MetricAlarmArgs {
  const dimensions: Record<string, $util.Input<string>> =
    'queue' in alarm.subject
      ? { QueueName: subjects.queues[alarm.subject.queue]!.nodes.queue.name }
      : 'topic' in alarm.subject
        ? { TopicName: subjects.topics![alarm.subject.topic]!.nodes.topic.name }
        : { FunctionName: subjects.functions[alarm.subject.function]!.name };
  return {
    alarmDescription: alarm.description,
    namespace: alarm.namespace,
    metricName: alarm.metricName,
    dimensions,
    statistic: alarm.statistic,
    period: alarm.period,
    evaluationPeriods: alarm.evaluationPeriods,
    comparisonOperator: alarm.comparisonOperator,
    threshold: alarm.threshold,
    treatMissingData: alarm.treatMissingData,
    // Every alarm pages when it goes off and says so when it recovers.
    alarmActions: [subjects.alerts.arn],
    okActions: [subjects.alerts.arn],
  };
}
