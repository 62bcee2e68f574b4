/**
 * What `sst deploy` would create for a stage, as a reader wants to see it: one entry per AWS
 * resource with the properties that matter (redrive, filter policy, IAM actions and resources,
 * alarms), references shown by the name of what they point at instead of placeholder ARNs.
 */
import type { RecordedResource, RecordedStack } from './recorded-stack.ts';

/** One resource of the plan. */
export interface PlannedResource {
  /** Pulumi type token, e.g. `aws:sqs/queue:Queue`. */
  type: string;
  /** Logical name, e.g. `PaymentQueueQueue`. */
  name: string;
  /** The SST component it belongs to, e.g. `PaymentQueue`. */
  component: string | undefined;
  /** What matters about it, references resolved to names. */
  properties: Record<string, unknown>;
}

export interface Plan {
  stage: string;
  app: RecordedStack['app'];
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** What the deployment warns about: works, but against AWS's guidance, or alerts nobody receives (non-production). */
  warnings: string[];
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * @example
 * const plan = planOf(await synthesize({ stage: 'prod' }));
 * plan.resources.find((r) => r.type === 'aws:sqs/queue:Queue')?.properties.redrive;
 */
export function planOf(stack: RecordedStack): Plan {
  // Every ARN, URL and physical name the mocks made, back to the resource it belongs to.
  const names = new Map<string, string>();
  for (const r of stack.resources) {
    for (const key of ['arn', 'url', 'name', 'qualifiedArn', 'invokeArn']) {
      const value = r.outputs[key];
      if (typeof value === 'string' && r.custom) names.set(value, r.name);
    }
  }
  const arns = [...names.keys()].filter((k) => k.startsWith('arn:')).sort((a, b) => b.length - a.length);
  const nameOf = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const exact = names.get(value);
    if (exact !== undefined) return exact;
    // Something under a resource (`<log group ARN>:log-stream:*`): shown under its name.
    const parent = value.startsWith('arn:') ? arns.find((arn) => value.startsWith(`${arn}:`) || value.startsWith(`${arn}/`)) : undefined;
    return parent ? `${names.get(parent)}${value.slice(parent.length)}` : value;
  };
  const statements = (json: unknown): { sid?: string; effect: string; actions: string[]; resources: unknown[]; principal?: unknown; condition?: unknown }[] =>
    (JSON.parse(String(json)) as { Statement: Statement[] }).Statement.map((s) => ({
      // The statement's name says why it is there (`PublishersOfOtherAccounts`, `OperatorsRedrive`).
      ...(s.Sid ? { sid: s.Sid } : {}),
      effect: s.Effect ?? 'Allow',
      actions: list(s.Action),
      resources: list(s.Resource).map(nameOf),
      ...(s.Principal ? { principal: s.Principal } : {}),
      ...(s.Condition ? { condition: JSON.parse(JSON.stringify(s.Condition), (_k, v) => nameOf(v)) } : {}),
    }));

  const resources = stack.resources
    .filter((r) => r.custom)
    .map((r): PlannedResource => ({ type: r.type, name: r.name, component: r.parent, properties: propertiesOf(r, nameOf, statements, `${stack.app.name}-${stack.app.stage}-`) }))
    .sort((a, b) => (a.component ?? '').localeCompare(b.component ?? '') || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  const outputs = JSON.parse(JSON.stringify(stack.outputs), (_k, v) => nameOf(v)) as Record<string, unknown>;
  return { stage: stack.app.stage, app: stack.app, resources, outputs, warnings: stack.warnings ?? [] };
}

function propertiesOf(
  r: RecordedResource,
  nameOf: (value: unknown) => unknown,
  statements: (json: unknown) => unknown[],
  sstNamePrefix: string,
): Record<string, unknown> {
  const i = r.inputs;
  // The AWS name a binding gives (`OrderQueue`, `OrderQueue-dev`); not SST's own
  // `<app>-<stage>-<name>-<random>`, which differs on every run and would make plans differ.
  const awsName = typeof i.name === 'string' && !i.name.startsWith(sstNamePrefix) ? i.name : undefined;
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (r.type) {
    case 'aws:sqs/queue:Queue': {
      const redrive = i.redrivePolicy ? (JSON.parse(String(i.redrivePolicy)) as { deadLetterTargetArn: string; maxReceiveCount: number }) : undefined;
      return defined({
        awsName,
        fifo: i.fifoQueue,
        deduplicationScope: i.deduplicationScope,
        fifoThroughputLimit: i.fifoThroughputLimit,
        retentionSeconds: i.messageRetentionSeconds,
        visibilityTimeoutSeconds: i.visibilityTimeoutSeconds,
        delaySeconds: i.delaySeconds,
        receiveWaitTimeSeconds: i.receiveWaitTimeSeconds,
        tags: i.tags,
        encryption: i.sqsManagedSseEnabled ? 'SQS-managed' : i.kmsMasterKeyId ? 'KMS' : 'none',
        key: i.kmsMasterKeyId ? nameOf(i.kmsMasterKeyId) : undefined,
        redrive: redrive ? { deadLetterQueue: nameOf(redrive.deadLetterTargetArn), maxReceiveCount: redrive.maxReceiveCount } : undefined,
        redriveAllowPolicy: i.redriveAllowPolicy ? JSON.parse(JSON.stringify(JSON.parse(String(i.redriveAllowPolicy))), (_k, v) => nameOf(v)) : undefined,
      });
    }
    case 'aws:sqs/redriveAllowPolicy:RedriveAllowPolicy':
      return { queue: nameOf(i.queueUrl), policy: JSON.parse(String(i.redriveAllowPolicy), (_k, v) => nameOf(v)) };
    case 'aws:sns/topic:Topic':
      return defined({
        awsName,
        fifo: i.fifoTopic,
        contentBasedDeduplication: i.contentBasedDeduplication,
        encryption: i.kmsMasterKeyId ? 'KMS' : 'none',
        key: i.kmsMasterKeyId ? nameOf(i.kmsMasterKeyId) : undefined,
        tags: i.tags,
      });
    case 'aws:kms/key:Key':
      return defined({ description: i.description, rotation: i.enableKeyRotation, deletionWindowInDays: i.deletionWindowInDays, statements: statements(i.policy) });
    case 'aws:sns/topicSubscription:TopicSubscription':
      return defined({
        topic: nameOf(i.topic),
        protocol: i.protocol,
        endpoint: nameOf(i.endpoint),
        rawMessageDelivery: i.rawMessageDelivery,
        filterPolicy: i.filterPolicy ? JSON.parse(String(i.filterPolicy)) : undefined,
        filterPolicyScope: i.filterPolicyScope,
        redrive: i.redrivePolicy ? { deadLetterQueue: nameOf((JSON.parse(String(i.redrivePolicy)) as { deadLetterTargetArn: string }).deadLetterTargetArn) } : undefined,
      });
    case 'aws:sqs/queuePolicy:QueuePolicy':
      return { queue: nameOf(i.queueUrl), statements: statements(i.policy) };
    case 'aws:sns/topicPolicy:TopicPolicy':
      return { topic: nameOf(i.arn), statements: statements(i.policy) };
    case 'aws:lambda/function:Function': {
      const env = (i.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
      return defined({
        handler: i.handler,
        runtime: i.runtime,
        memoryMB: i.memorySize,
        timeoutSeconds: i.timeout,
        reservedConcurrency: i.reservedConcurrentExecutions,
        role: nameOf(i.role),
        environment: Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SST_')).map(([k, v]) => [k, nameOf(v)])),
        logGroup: (i.loggingConfig as { logGroup?: string } | undefined)?.logGroup ? nameOf((i.loggingConfig as { logGroup: string }).logGroup) : undefined,
      });
    }
    case 'aws:iam/role:Role': {
      const trust = i.assumeRolePolicy as { Statement?: { Principal?: unknown }[] } | string | undefined;
      const trustStatements = typeof trust === 'string' ? (JSON.parse(trust) as { Statement: { Principal?: unknown }[] }).Statement : (trust?.Statement ?? []);
      return defined({
        trusts: trustStatements.map((s) => s.Principal),
        inlinePolicies: ((i.inlinePolicies as { name: string; policy: string }[] | undefined) ?? []).map((p) => ({ name: p.name, statements: statements(p.policy) })),
        managedPolicies: i.managedPolicyArns,
      });
    }
    case 'aws:iam/rolePolicy:RolePolicy':
      return { role: nameOf(i.role), statements: statements(i.policy) };
    case 'aws:lambda/eventSourceMapping:EventSourceMapping':
      return defined({
        queue: nameOf(i.eventSourceArn),
        function: nameOf(i.functionName),
        batchSize: i.batchSize,
        batchWindowSeconds: i.maximumBatchingWindowInSeconds,
        reportBatchItemFailures: (i.functionResponseTypes as string[] | undefined)?.includes('ReportBatchItemFailures') ?? false,
        maximumConcurrency: (i.scalingConfig as { maximumConcurrency?: number } | undefined)?.maximumConcurrency,
        after: r.dependsOn?.length ? r.dependsOn : undefined,
      });
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return defined({
        metric: `${String(i.namespace)} ${String(i.metricName)}`,
        dimensions: JSON.parse(JSON.stringify(i.dimensions ?? {}), (_k, v) => nameOf(v)),
        statistic: i.statistic,
        condition: `${String(i.comparisonOperator)} ${String(i.threshold)} for ${String(i.evaluationPeriods)} × ${String(i.period)} s`,
        actions: list(i.alarmActions as string[] | undefined).map(nameOf),
        okActions: list(i.okActions as string[] | undefined).map(nameOf),
        description: i.alarmDescription,
      });
    case 'aws:dynamodb/table:Table':
      return defined({
        hashKey: i.hashKey,
        rangeKey: i.rangeKey,
        billingMode: i.billingMode,
        pointInTimeRecovery: (i.pointInTimeRecovery as { enabled?: boolean } | undefined)?.enabled,
        deletionProtection: i.deletionProtectionEnabled,
        retainOnDelete: r.retainOnDelete,
      });
    case 'aws:cloudwatch/logGroup:LogGroup':
      return defined({ retentionInDays: i.retentionInDays });
    default:
      return {};
  }
}

/** The plan as text: one block per component, one line per resource with its key properties. */
export function renderPlan(plan: Plan): string {
  const lines = [`Plan for stage ${plan.stage} of ${plan.app.name} (removal: ${plan.app.removal}${plan.app.protect ? ', protected' : ''}): ${plan.resources.length} AWS resources`, ''];
  let component: string | undefined = '\u0000';
  const summary = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  for (const r of plan.resources) {
    if (r.component !== component) {
      component = r.component;
      lines.push(component ? `${component}` : '(stack)');
    }
    lines.push(`  ${r.type.replace(/^aws:/, '').replace(/:[A-Za-z0-9]+$/, '')}  ${r.name}`);
    for (const [key, value] of Object.entries(r.properties)) {
      if (Array.isArray(value) && value.length && typeof value[0] === 'object') {
        lines.push(`      ${key}:`);
        for (const item of value) lines.push(`        - ${summary(item)}`);
      } else lines.push(`      ${key}: ${summary(value)}`);
    }
  }
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  lines.push('', 'Outputs:', ...Object.entries(plan.outputs).filter(([k]) => !k.startsWith('_')).map(([k, v]) => `  ${k}: ${summary(v)}`));
  return lines.join('\n');
}
