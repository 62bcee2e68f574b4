/**
 * `orders get <orderId>` and `orders list`: read the Orders table.
 */
import { CliError, type CommandSpec } from '@sluice/cli';
import { formatTable, terminalSafe, terminalSafeJson } from '@sluice/cli';
import { targetOptions, withTarget } from '@sluice/ops';
import type { Target } from '@sluice/ops';
import type { OrderStore, StoredOrder } from '../order-store.ts';
import { moduleLoadFailure } from './load-failure.ts';

/**
 * The order store on `target`. The application's store and settings are imported here, when a
 * command reads orders, not when the CLI loads: code of the application that does not compile then
 * fails get and list with one line naming the file and the error ({@link moduleLoadFailure}),
 * while `--help`, status, dlq and publish-message go on working.
 */
async function storeOf(target: Target): Promise<OrderStore> {
  let modules: [typeof import('../order-store.ts'), typeof import('../settings.ts')];
  try {
    modules = await Promise.all([import('../order-store.ts'), import('../settings.ts')]);
  } catch (error) {
    throw moduleLoadFailure(error, 'status, dlq, publish and publish-message');
  }
  const [{ createDocumentClient, OrderStore }, { ORDERS_TABLE }] = modules;
  await target.checkReachable();
  return new OrderStore({ client: createDocumentClient(target.dynamodb), tableName: await target.tableName(ORDERS_TABLE) });
}

/**
 * What the table's reads throw, said with the table: DynamoDB's `Requested resource not found`
 * names none (the table deleted by hand, or a stack of another project on this endpoint).
 */
async function reading<T>(store: OrderStore, target: Target, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    throw new CliError(`the ${target.describe()} has no table ${store.tableName} (deleted, or a stack of another project answers there)`, {
      next: target.mode === 'aws' ? 'Deploy the application (npm run deploy), which makes it.' : 'Restart npm start (it makes the tables of the application), or point --endpoint at its stack.',
      cause: error,
    });
  }
}

/** The contract's fields of a stored order (the ordering key stays internal). */
function withoutVersion({ eventVersion: _version, ...order }: StoredOrder): Omit<StoredOrder, 'eventVersion'> {
  return order;
}

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'print the stored state of one order',
  description: 'Prints the stored (latest) state of one order, as JSON.',
  positionals: [{ name: 'orderId', description: 'the order to print', required: true }],
  options: { ...targetOptions },
  async run({ positionals, values, io }) {
    const [orderId] = positionals as [string];
    return withTarget(values, async (target) => {
      const store = await storeOf(target);
      const order = await reading(store, target, () => store.get(orderId));
      if (!order) throw new CliError(`no order ${terminalSafe(orderId)} in table ${store.tableName} (${target.describe()})`, { next: 'See the stored ids with: npx orders list' });
      io.out(terminalSafeJson(withoutVersion(order), 2));
      return 0;
    });
  },
};

/** Renders orders as the `list` table. */
export function formatOrders(orders: readonly StoredOrder[]): string {
  return formatTable(
    ['orderId', 'status', 'quantity', 'timestamp', 'itemName'],
    orders.map((o) => [o.orderId, o.status, String(o.quantity), o.timestamp, o.itemName]),
  );
}

export const listCommand: CommandSpec = {
  name: 'list',
  summary: 'list stored orders (table, or --json)',
  description: 'Lists every stored order (a full scan: fine locally, costly on a large AWS table).',
  options: { json: { type: 'boolean', description: 'JSON array, for scripts' }, ...targetOptions },
  async run({ values, io }) {
    return withTarget(values, async (target) => {
      const store = await storeOf(target);
      const orders = await reading(store, target, () => store.list());
      if (values.json) {
        io.out(terminalSafeJson(orders.map(withoutVersion), 2));
        return 0;
      }
      io.out(orders.length === 0 ? `No orders in ${store.tableName} yet. Publish one: npx orders publish` : formatOrders(orders));
      if (orders.length > 0) io.out(`\n${orders.length} order(s) in ${store.tableName}`);
      return 0;
    });
  },
};
