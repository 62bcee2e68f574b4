/// <reference path="../../../../.sst/platform/config.d.ts" />
/**
 * The consumer functions, rendered from the plan: one per receive operation, its handler found by
 * the consumers-folder convention, its environment and permissions as the plan writes them, logs
 * only to its own log group, fed by its queue in batches with partial responses.
 */
import { renderEnvironment, resolveReference, type DeploymentPlan, type FunctionPlan, type ReferenceResolver } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/** The Lambda runtime every consumer is deployed on: the Node.js major the project runs on (.nvmrc). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

/** A function's event source on its queue: SST's queue subscriber (created once the queue's ARN is known). */
export type EventSource = ReturnType<sst.aws.Queue['subscribe']>;

/** What the functions are wired to. */
export interface FunctionResources {
  /** The topics, by name (their ARNs go into `EVENT_SOURCE_TOPIC_ARNS`). */
  topics: Record<string, sst.aws.SnsTopic>;
  /** The queues, by name (each function's event source and SQS permissions). */
  queues: Record<string, sst.aws.Queue>;
  /** The tables, by name (names in the environment, ARNs in the permissions). */
  tables: Record<string, sst.aws.Dynamo>;
}

/** The functions and what each brings along, by operation id. */
export interface DeclaredFunctions {
  /** The functions, by operation id. */
  functions: Record<string, sst.aws.Function>;
  /** Each function's permission to write to its own log group. */
  logsPolicies: Record<string, aws.iam.RolePolicy>;
  /** Each function's event source mapping on its queue (SST's queue subscriber). */
  eventSources: Record<string, EventSource>;
}

/** The plan's references, as the deployed resources' outputs. */
function deployedReferences(resources: FunctionResources, keys: Record<string, aws.kms.Key>): ReferenceResolver<$util.Input<string>> {
  const find = <T>(kind: string, all: Record<string, T>, name: string): T => {
    const found = all[name];
    if (!found) throw new Error(`the plan refers to ${kind} ${name}, which was not declared`);
    return found;
  };
  return {
    topicArn: (topic) => find('topic', resources.topics, topic).arn,
    queueArn: (queue) => find('queue', resources.queues, queue).arn,
    queueUrl: (queue) => find('queue', resources.queues, queue).url,
    tableName: (table) => find('table', resources.tables, table).name,
    tableArn: (table) => find('table', resources.tables, table).arn,
    keyArn: (key) => find('key', keys, key).arn,
  };
}

/**
 * Every consumer function of the plan, with its logs permission and its event source.
 *
 * @example
 * ```ts
 * import { declareFunctions, declareQueues, declareTables, declareTopics, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const scope = {} as Scope;
 * const plan = resolvePlan({ topology, settings, consumersDir: 'consumers' });
 * const { functions } = declareFunctions(scope, plan, { topics: declareTopics(scope, plan), queues: declareQueues(scope, plan), tables: declareTables(scope, plan, { production: false }) }, { dev: false });
 * functions.consumePaymentCaptured?.arn;
 * ```
 */
export function declareFunctions(scope: Scope, plan: DeploymentPlan, resources: FunctionResources, options: { dev: boolean; key?: aws.kms.Key }): DeclaredFunctions {
  const declared: DeclaredFunctions = { functions: {}, logsPolicies: {}, eventSources: {} };
  const references = deployedReferences(resources, options.key ? { [plan.key.name]: options.key } : {});
  for (const fn of plan.functions) {
    const { functionName: name } = fn;
    const encrypted = plan.queues.find((q) => q.name === fn.queue)?.encryption === 'kms';
    const created = declareFunction(scope, fn, references, { dev: options.dev, ...(encrypted && options.key ? { key: options.key } : {}) });
    const logs = declare(scope, 'logsPolicy', `${name}Logs`, logsPolicyArgs(created, name), (n, a, opts) => new aws.iam.RolePolicy(n, a, opts));
    declared.functions[fn.operationId] = created;
    declared.logsPolicies[fn.operationId] = logs;
    const fifo = plan.queues.find((q) => q.name === fn.queue)?.spec.fifo ?? false;
    declared.eventSources[fn.operationId] = subscribe(scope, fn, fifo, resources.queues[fn.queue]!, created, logs);
  }
  return declared;
}

function declareFunction(scope: Scope, fn: FunctionPlan, references: ReferenceResolver<$util.Input<string>>, options: { dev: boolean; key?: aws.kms.Key }): sst.aws.Function {
  // Not `link: [table]`: SST's Dynamo link grants `dynamodb:*`. The handler finds each table
  // through the conventional variable instead, and may do only what the settings list.
  const environment = renderEnvironment(fn.environment, references, (arns) => $util.all(arns).apply((all) => all.join(',')));
  const permissions: sst.aws.FunctionArgs['permissions'] = fn.permissions.map((p) => ({ actions: [...p.actions], resources: [resolveReference(p.resource, references)] }));
  // Its queue is encrypted with the deployment's key: receiving decrypts.
  // The triage function also sends to the topic's unrouted queue, encrypted with the same key.
  if (options.key) permissions.push({ actions: fn.kind === 'triage' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'], resources: [options.key.arn] });
  const args: sst.aws.FunctionArgs = {
    handler: fn.handler,
    runtime: LAMBDA_RUNTIME,
    timeout: `${fn.timeoutSeconds} seconds`,
    memory: `${fn.memoryMB} MB`,
    logging: { format: 'json' },
    // At least the event source's maximum concurrency (checked): the event source is never throttled.
    concurrency: { reserved: fn.reservedConcurrency },
    environment,
    permissions,
    transform: {
      role: (role) => {
        // SST 4.17.1 tests `!dev` on an Output (always false), so every function role also
        // trusts the whole account. Only `sst dev` needs that (the local process assumes it).
        if (!options.dev) role.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({ Service: 'lambda.amazonaws.com' });
        // AWSLambdaBasicExecutionRole lets the function write to any log group in the account;
        // the inline policy of `logsPolicyArgs` allows its own log group only.
        role.managedPolicyArns = $util.output(role.managedPolicyArns ?? []).apply((arns) => arns.filter((arn) => !arn.endsWith(':policy/service-role/AWSLambdaBasicExecutionRole')));
      },
    },
  };
  return declare(scope, 'function', fn.functionName, args, (name, a, opts) => new sst.aws.Function(name, a, opts));
}

/** The function may write to its own log group, and nowhere else. */
function logsPolicyArgs(fn: sst.aws.Function, name: string): aws.iam.RolePolicyArgs {
  return {
    role: fn.nodes.role.name,
    policy: fn.nodes.logGroup.apply((group) => {
      if (!group) throw new Error(`${name} has no log group of its own: keep \`logging\` on`);
      return aws.iam.getPolicyDocumentOutput({
        statements: [{ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [group.arn, $util.interpolate`${group.arn}:log-stream:*`] }],
      }).json;
    }),
  };
}

/**
 * The arguments of a function's event source on its queue (SST's queue subscriber): the plan's
 * batch size, window and maximum concurrency, failures reported per record, and no batch before
 * the function may write its logs (`after`). On a FIFO queue it sets no batching window at all:
 * Lambda supports none there (`MaximumBatchingWindowInSeconds` left unset, where SST would
 * otherwise send 0).
 *
 * @param fn - the function, as the plan renders it
 * @param fifo - whether its queue is a FIFO queue
 * @param after - what must exist before the first batch: the function's logs policy
 * @example
 * ```ts
 * import { eventSourceArgs } from '@sluice/infra';
 * import type { FunctionPlan } from '@sluice/model';
 *
 * declare const fn: FunctionPlan;
 * declare const logs: aws.iam.RolePolicy;
 * eventSourceArgs(fn, true, logs); // { batch: { size: fn.batchSize, partialResponses: true }, transform }: no window on a FIFO queue
 * ```
 */
export function eventSourceArgs(fn: FunctionPlan, fifo: boolean, after: $util.Resource): sst.aws.QueueSubscriberArgs {
  return {
    batch: {
      size: fn.batchSize,
      ...(fifo ? {} : { window: `${fn.batchWindowSeconds} seconds` as const }),
      // Only failed records are retried (and eventually dead-lettered), not the whole batch.
      partialResponses: true,
    },
    transform: {
      eventSourceMapping: (mapping, opts) => {
        mapping.scalingConfig = { maximumConcurrency: fn.maximumConcurrency };
        // "Batching window is not supported for FIFO queues": none at all, not SST's 0.
        if (fifo) delete mapping.maximumBatchingWindowInSeconds;
        // No batch before the function may write its logs.
        opts.dependsOn = [...(Array.isArray(opts.dependsOn) ? opts.dependsOn : opts.dependsOn ? [opts.dependsOn] : []), after] as $util.Resource[];
      },
    },
  };
}

/**
 * Subscribed by ARN: given function args instead, SST would create the function inside the
 * subscriber component and add its own, broader SQS grant (GetQueueUrl, ChangeVisibility).
 */
function subscribe(scope: Scope, fn: FunctionPlan, fifo: boolean, queue: sst.aws.Queue, created: sst.aws.Function, logs: aws.iam.RolePolicy): EventSource {
  return declare(scope, 'eventSource', fn.functionName, eventSourceArgs(fn, fifo, logs), (_name, a, opts) => queue.subscribe(created.arn, a, opts));
}
