/**
 * `orders publish`: one order from flags or a JSON file, or `--count N` generated orders.
 * Every order is validated against the contract before anything is sent.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { messages, type OrderPlaced } from '@orders/contract';
import { OrderPublisher } from '@orders/core';
import { ProgressBar } from '../progress-bar.ts';
import { targetFlags, targetFlagsHelp, type CliCommand, type CliContext } from './cli-context.ts';

const contract = messages.OrderPlaced;

const help = `Usage: orders publish [order flags] | --file <order.json> | --count <n>

Publishes OrderPlaced to the order topic. Orders are validated against the contract first; an
invalid order is not sent, and the error names each wrong field.

Order (flags not given get a sample value):
  --order-id <id>     default: ord-local-<random>
  --user-id <id>      default: usr-local
  --item-name <name>  default: Sample item
  --quantity <n>      default: 1
  --status <status>   default: PENDING (${contractStatuses()})
  --timestamp <t>     RFC 3339 with offset; default: now
Or:
  --file <path>       a JSON order, or an array of orders
  --count <n>         n generated orders (PublishBatch, with a progress bar)

${targetFlagsHelp}

Examples:
  npm run orders -- publish --order-id ord-1 --item-name "Desk lamp" --quantity 2
  npm run orders -- publish --file order.json
  npm run orders -- publish --count 500`;

function contractStatuses(): string {
  return 'PENDING, CONFIRMED, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED';
}

/** Numbers from flags stay strings when they are not numbers, so the validator names the field. */
const numberOrText = (value: string): number | string => (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);

function generatedOrder(index: number, runId: string): OrderPlaced {
  return {
    orderId: `ord-gen-${runId}-${String(index).padStart(6, '0')}`,
    userId: `usr-gen-${index % 97}`,
    itemName: `Generated item ${index % 13}`,
    quantity: 1 + (index % 5),
    status: 'PENDING',
    timestamp: new Date().toISOString(),
  };
}

function readOrders(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [value];
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`);
  }
}

async function publishCount(count: number, publisher: OrderPublisher, context: CliContext): Promise<number> {
  const runId = Date.now().toString(36);
  const bar = new ProgressBar(count, 'publishing', context.progress);
  let published = 0;
  const failures: string[] = [];
  for (let start = 0; start < count; start += 10) {
    const chunk = Array.from({ length: Math.min(10, count - start) }, (_, i) => generatedOrder(start + i, runId));
    const result = await publisher.publishOrderPlacedBatch(chunk);
    published += result.successful.length;
    failures.push(...result.failed.map((f) => `${f.orderId}: ${f.code} ${f.message}`));
    bar.update(start + chunk.length);
  }
  bar.finish(`published ${published}/${count} orders (ids ord-gen-${runId}-*)`);
  if (failures.length > 0) {
    context.err(`SNS refused ${failures.length} order(s); publish them again:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

export const publishCommand: CliCommand = {
  name: 'publish',
  summary: 'publish an order (flags or JSON file), or --count N generated orders',
  help,
  async run(args, context) {
    const { values } = parseArgs({
      args,
      options: {
        ...targetFlags,
        'order-id': { type: 'string' },
        'user-id': { type: 'string' },
        'item-name': { type: 'string' },
        quantity: { type: 'string' },
        status: { type: 'string' },
        timestamp: { type: 'string' },
        file: { type: 'string' },
        count: { type: 'string' },
      },
    });
    if (values.help) {
      context.out(help);
      return 0;
    }
    let orders: unknown[];
    if (values.count !== undefined) {
      const count = Number(values.count);
      if (!Number.isInteger(count) || count < 1) {
        context.err(`--count must be a whole number >= 1, got ${JSON.stringify(values.count)}`);
        return 2;
      }
      await context.target.checkReachable();
      const publisher = new OrderPublisher({ client: context.target.sns, topicArn: await context.target.topicArn() });
      return publishCount(count, publisher, context);
    }
    if (values.file !== undefined) {
      orders = readOrders(values.file);
    } else {
      orders = [
        {
          orderId: values['order-id'] ?? `ord-local-${randomUUID().slice(0, 8)}`,
          userId: values['user-id'] ?? 'usr-local',
          itemName: values['item-name'] ?? 'Sample item',
          quantity: values.quantity !== undefined ? numberOrText(values.quantity) : 1,
          status: values.status ?? 'PENDING',
          timestamp: values.timestamp ?? new Date().toISOString(),
        },
      ];
    }
    // Validate everything before sending anything.
    const problems = orders
      .map((order, index) => ({ index, result: contract.check(order) }))
      .filter((p) => !p.result.ok);
    if (problems.length > 0) {
      const lines = problems.flatMap((p) => [
        orders.length > 1 ? `order #${p.index}:` : 'the order:',
        ...(p.result.ok ? [] : p.result.issues.map((i) => `  ${i.path}: ${i.message}`)),
      ]);
      context.err(`Nothing published: ${problems.length} order(s) violate the OrderPlaced contract.\n${lines.join('\n')}\nFix the fields above and run the command again.`);
      return 1;
    }
    await context.target.checkReachable();
    const publisher = new OrderPublisher({ client: context.target.sns, topicArn: await context.target.topicArn() });
    for (const order of orders as OrderPlaced[]) {
      const { messageId } = await publisher.publishOrderPlaced(order);
      context.out(`published ${order.orderId} (${order.status}, ${order.timestamp}) as SNS message ${messageId}`);
    }
    context.out(`next: npm run orders -- get ${(orders[orders.length - 1] as OrderPlaced).orderId}${context.target.mode === 'aws' ? ' --aws' : ''}`);
    return 0;
  },
};
