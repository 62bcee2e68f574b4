/**
 * Where the deployed resources are: SST links first (`Resource.Orders.name` inside a linked
 * Lambda or `sst dev`/`sst shell`), then plain environment variables (local runs, scripts).
 */
import { Resource } from 'sst/resource';
import { ConfigurationError } from './errors.ts';
import { pipelineSettings } from './settings.ts';

function linked(name: string, field: 'name' | 'arn' | 'url'): string | undefined {
  // `Resource` throws on unknown names when SST links are active; `in` never throws.
  const resources = Resource as unknown as Record<string, Record<string, unknown> | undefined>;
  if (!(name in resources)) return undefined;
  const value = resources[name]?.[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Name of the Orders table: SST link `Orders`, else `$ORDERS_TABLE_NAME`. */
export function resolveTableName(env: NodeJS.ProcessEnv = process.env): string {
  const name = linked(pipelineSettings.table.name, 'name') ?? env[pipelineSettings.env.tableName];
  if (!name) {
    throw new ConfigurationError(
      `Orders table unknown: set ${pipelineSettings.env.tableName} (sst.config.ts sets it for the subscriber, and the local stack for its processes), or run under \`sst shell\` so the "${pipelineSettings.table.name}" link is visible.`,
    );
  }
  return name;
}

/** ARN of the order topic: SST link `OrderTopic`, else `$ORDER_TOPIC_ARN`. */
export function resolveTopicArn(env: NodeJS.ProcessEnv = process.env): string {
  const arn = linked(pipelineSettings.topic.name, 'arn') ?? env[pipelineSettings.env.topicArn];
  if (!arn) {
    throw new ConfigurationError(
      `Order topic unknown: link "${pipelineSettings.topic.name}" in sst.config.ts, or set ${pipelineSettings.env.topicArn} (the local stack prints it).`,
    );
  }
  return arn;
}
