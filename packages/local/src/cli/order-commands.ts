/**
 * `orders get <orderId>` and `orders list`: read the Orders table.
 */
import { parseArgs } from 'node:util';
import { OrderStore, type StoredOrder } from '@orders/core';
import { formatTable } from '../format-table.ts';
import { targetFlags, targetFlagsHelp, type CliCommand, type CliContext } from './cli-context.ts';

async function storeOf(context: CliContext): Promise<OrderStore> {
  await context.target.checkReachable();
  return new OrderStore({ client: context.target.documents, tableName: await context.target.tableName() });
}

/** The contract's fields of a stored order (the ordering key stays internal). */
function withoutVersion({ eventVersion: _version, ...order }: StoredOrder): Omit<StoredOrder, 'eventVersion'> {
  return order;
}

const getHelp = `Usage: orders get <orderId> [--json]

Prints the stored (latest) state of one order.

  --json  print only the JSON

${targetFlagsHelp}`;

export const getCommand: CliCommand = {
  name: 'get',
  summary: 'print the stored state of one order',
  help: getHelp,
  async run(args, context) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...targetFlags, json: { type: 'boolean' } } });
    if (values.help) {
      context.out(getHelp);
      return 0;
    }
    const [orderId] = positionals;
    if (!orderId || positionals.length > 1) {
      context.err(`orders get takes one order id.\n\n${getHelp}`);
      return 2;
    }
    const store = await storeOf(context);
    const order = await store.get(orderId);
    if (!order) {
      context.err(`No order ${orderId} in table ${store.tableName} (${context.target.describe()}). See the stored ids with: npm run orders -- list`);
      return 1;
    }
    context.out(JSON.stringify(withoutVersion(order), null, 2));
    return 0;
  },
};

const listHelp = `Usage: orders list [--json]

Lists every stored order as a table (a full scan: fine locally, costly on a large AWS table).

  --json  JSON array, for scripts

${targetFlagsHelp}`;

/** Renders orders as the `list` table. */
export function formatOrders(orders: readonly StoredOrder[]): string {
  return formatTable(
    ['orderId', 'status', 'quantity', 'timestamp', 'itemName'],
    orders.map((o) => [o.orderId, o.status, String(o.quantity), o.timestamp, o.itemName]),
  );
}

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list stored orders (table, or --json)',
  help: listHelp,
  async run(args, context) {
    const { values } = parseArgs({ args, options: { ...targetFlags, json: { type: 'boolean' } } });
    if (values.help) {
      context.out(listHelp);
      return 0;
    }
    const store = await storeOf(context);
    const orders = await store.list();
    if (values.json) {
      context.out(JSON.stringify(orders.map(withoutVersion), null, 2));
      return 0;
    }
    context.out(orders.length === 0 ? `No orders in ${store.tableName} yet. Publish one: npm run orders -- publish` : formatOrders(orders));
    if (orders.length > 0) context.out(`\n${orders.length} order(s) in ${store.tableName}`);
    return 0;
  },
};
