/// <reference path="../../../../.sst/platform/config.d.ts" />
/** The application's tables, keyed as its settings declare, on demand. */
import type { DeploymentPlan } from '@sluice/model';
import { declare, type Scope } from './transform.ts';

/**
 * One DynamoDB table per table of the plan, by name. Production keeps its data: point-in-time
 * recovery and deletion protection are worth paying for only where the data matters.
 *
 * @example
 * ```ts
 * import { declareTables, type Scope } from '@sluice/infra';
 * import { resolvePlan } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 * import type { AppSettings } from '@sluice/runtime/settings';
 *
 * declare const topology: Topology;
 * declare const settings: AppSettings;
 * const tables = declareTables({} as Scope, resolvePlan({ topology, settings }), { production: false });
 * tables.Payments?.name;
 * ```
 */
export function declareTables(scope: Scope, plan: DeploymentPlan, options: { production: boolean }): Record<string, sst.aws.Dynamo> {
  const tables: Record<string, sst.aws.Dynamo> = {};
  for (const table of plan.tables) {
    const args: sst.aws.DynamoArgs = {
      fields: { [table.partitionKey]: 'string', ...(table.sortKey ? { [table.sortKey]: 'string' } : {}) },
      primaryIndex: { hashKey: table.partitionKey, ...(table.sortKey ? { rangeKey: table.sortKey } : {}) },
      // Dynamo is on-demand (PAY_PER_REQUEST) already.
      deletionProtection: options.production,
      transform: { table: { pointInTimeRecovery: { enabled: options.production } } },
    };
    tables[table.name] = declare(scope, 'table', table.name, args, (name, a, opts) => new sst.aws.Dynamo(name, a, opts));
  }
  return tables;
}
