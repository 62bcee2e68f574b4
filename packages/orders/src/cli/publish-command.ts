/**
 * `orders publish`: one order from flags or a JSON file, or `--count N` generated orders.
 * Every order is validated against the contract before anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliError, ExitCode, integerOption, jsonParseProblem, onShutdownSignals, shellWord, UsageError, type CliIO, type CommandSpec } from '@sluice/cli';
import type { OrderPlaced, operations } from '@orders/contract';
import { ProgressBar } from '@sluice/cli';
import { contractModule, targetFlags, targetOptions, withTarget } from '@sluice/ops';
import { createPublisher, publishProblems, type Publisher } from '@sluice/runtime/publisher';

type OrderPublisher = Publisher<typeof operations.publishOrderPlaced>;

/** The status values the contract allows, from the payload schema itself: `--status` takes only these (exit 2 otherwise). */
function contractStatuses(): string[] {
  const schema = JSON.parse(readFileSync(new URL('../../../../schemas/order-placed.v1.json', import.meta.url), 'utf8')) as { properties: { status: { enum: string[] } } };
  return schema.properties.status.enum;
}

/**
 * `--quantity` as a number. Text that is not a number at all is a usage error (exit 2); a number
 * the contract refuses (0, 1.5, 5000) is left to the contract's check, which names the field (exit 1).
 */
function quantityOption(raw: string): number {
  if (!/^\s*-?\d+(\.\d+)?\s*$/.test(raw)) throw new UsageError(`--quantity must be a number, got ${JSON.stringify(raw)}: e.g. --quantity 2`);
  return Number(raw);
}

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
  let value: unknown;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { next: 'Check the path given to --file.' });
  }
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${jsonParseProblem(text, error)}`, { next: 'An order file holds one JSON order, or an array of them.' });
  }
  if (Array.isArray(value) && value.length === 0) throw new CliError(`${path} holds an empty array: no order to publish`, { next: 'An order file holds one JSON order, or an array of them.' });
  return Array.isArray(value) ? value : [value];
}

/**
 * The most orders one `--count` run publishes unless `--no-count-limit` is given. A run of that
 * many is minutes against AWS (one PublishBatch of 10 at a time) and well under a dollar; a slip of the
 * finger (`--count 1000000000`) would be days of publishing into a real account, each order
 * stored and handled downstream. Refused, nothing sent, saying how to publish more.
 */
export const MAX_COUNT = 100_000;

/**
 * `--count n` as it must be typed for `n` more orders: with `--no-count-limit` when `n` is over
 * the limit (what is left of a run that had it).
 */
function countFlags(n: number): string {
  return `--count ${n}${n > MAX_COUNT ? ' --no-count-limit' : ''}`;
}

/** `--count` as a number: a whole number from 1, at most {@link MAX_COUNT} unless `unlimited`. */
function countOption(raw: string | undefined, unlimited: boolean): number | undefined {
  const count = integerOption('count', raw, { min: 1 });
  if (count === undefined || count <= MAX_COUNT || unlimited) return count;
  throw new UsageError(
    `--count ${JSON.stringify(raw)} is over ${MAX_COUNT}, the most one run publishes (a typo would publish for hours or days): ` +
      `publish ${MAX_COUNT} at a time, or add --no-count-limit to publish ${count} in one run`,
  );
}

async function publishCount(count: number, publisher: OrderPublisher, io: CliIO, correlationId: string | undefined, where: string): Promise<number> {
  const runId = Date.now().toString(36);
  const bar = new ProgressBar(count, 'publishing', io.progress);
  let published = 0;
  const failures: string[] = [];
  // Ctrl-C (or SIGTERM) ends the run after the batch in flight, saying how many went out; a second one exits at once.
  let interrupted = false;
  const removeSignals = onShutdownSignals({ stop: () => void (interrupted = true), forceMessage: 'Second Ctrl-C: exiting now; the orders published so far are on the topic.' });
  // The bar moves as batches complete; a batch SNS is slow to answer (throttled, retried: up to
  // the client's 15 s a try) left a log without a line that long or longer. Asked between batches
  // too, the bar prints the same count again once PROGRESS_LINE_EVERY_MS passed without a line.
  let sent = 0;
  const heartbeat = setInterval(() => bar.update(sent), 250);
  heartbeat.unref();
  try {
    for (let start = 0; start < count; start += 10) {
      if (interrupted) {
        bar.finish(`interrupted at ${start}/${count}`);
        // Those SNS refused before the interruption, with why, and what was never sent: each said.
        const refused = failures.length > 0 ? `; SNS refused ${failures.length}:\n  ${failures.join('\n  ')}\n` : '; ';
        throw new CliError(`interrupted: published ${published} of ${count} orders (ids ord-gen-${runId}-*)${refused}the other ${count - start} were not sent`, {
          next: `Publish them with npx orders publish ${countFlags(count - published)}${correlationId ? ` --correlation-id ${shellWord(correlationId)}` : ''}${where}.`,
          exitCode: ExitCode.INTERRUPTED,
        });
      }
      const chunk = Array.from({ length: Math.min(10, count - start) }, (_, i) => generatedOrder(start + i, runId));
      let result: Awaited<ReturnType<OrderPublisher['publishBatch']>>;
      try {
        result = await publisher.publishBatch(chunk, correlationId ? { correlationId } : {});
      } catch (error) {
        // What was sent is said with the failure: the user knows which orders exist, and what is left.
        bar.finish(`stopped at ${start}/${count}`);
        throw new CliError(`published ${published} of ${count} orders (ids ord-gen-${runId}-*), then a publish failed: ${(error as Error).message}`, {
          next: `Check that the stack still answers (npx orders status${where}), then publish the ${count - published} left: npx orders publish ${countFlags(count - published)}${where}.`,
          cause: error,
        });
      }
      published += result.successful.length;
      failures.push(...result.failed.map((f) => `${chunk[f.index]!.orderId}: ${f.code} ${f.message}`));
      sent = start + chunk.length;
      bar.update(sent);
    }
  } finally {
    clearInterval(heartbeat);
    removeSignals();
  }
  bar.finish(`published ${published}/${count} orders (ids ord-gen-${runId}-*)`);
  if (failures.length > 0) throw new CliError(`SNS refused ${failures.length} order(s):\n  ${failures.join('\n  ')}`, { next: 'Publish them again.' });
  return 0;
}

export const publishCommand: CommandSpec = {
  name: 'publish',
  summary: 'publish an order (flags or JSON file), or --count N generated orders',
  description: `Publishes OrderPlaced to its topic (operation publishOrderPlaced). Orders are validated
against the contract first: an invalid order is not sent, and the error names each wrong field.
Flags not given get a sample value.`,
  options: {
    'order-id': { type: 'string', valueName: 'id', description: 'order id', defaultText: 'ord-local-<random>' },
    'user-id': { type: 'string', valueName: 'id', description: 'user id', defaultText: 'usr-local' },
    'item-name': { type: 'string', valueName: 'name', description: 'item name', defaultText: 'Sample item' },
    quantity: { type: 'string', valueName: 'n', description: 'quantity', defaultText: '1' },
    status: { type: 'string', valueName: 'status', description: 'status', choices: contractStatuses(), defaultText: 'PENDING' },
    timestamp: { type: 'string', valueName: 't', description: 'RFC 3339 with an offset', defaultText: 'now' },
    file: { type: 'string', valueName: 'path', description: 'a JSON order, or an array of orders', existing: true },
    count: { type: 'string', valueName: 'n', description: `n generated orders (PublishBatch, with a progress bar), at most ${MAX_COUNT}` },
    'no-count-limit': { type: 'boolean', description: `let --count go over ${MAX_COUNT} (Ctrl-C stops it, saying how many went out)` },
    'correlation-id': { type: 'string', valueName: 'id', description: 'correlation id attribute, to follow the order through the logs' },
    ...targetOptions,
  },
  examples: ['npx orders publish --order-id ord-1 --item-name "Desk lamp" --quantity 2', 'npx orders publish --file order.json', 'npx orders publish --count 500'],
  async run({ values, io }) {
    const v = values as Record<string, string | undefined>;
    const count = countOption(v.count, values['no-count-limit'] === true);
    if (values['no-count-limit'] === true && count === undefined) throw new UsageError('--no-count-limit lifts the limit of --count: give --count <n> with it, or drop it');
    if (count !== undefined) {
      const conflicting = ['file', 'order-id', 'user-id', 'item-name', 'quantity', 'status', 'timestamp'].filter((k) => v[k] !== undefined);
      if (conflicting.length) throw new UsageError(`--count generates its orders: drop --${conflicting.join(', --')}`);
    }
    if (v.file !== undefined) {
      // The file holds the orders whole: a flag beside it would be dropped without a word.
      const ignored = ['order-id', 'user-id', 'item-name', 'quantity', 'status', 'timestamp'].filter((k) => v[k] !== undefined);
      if (ignored.length) throw new UsageError(`--file holds the orders whole: drop --${ignored.join(', --')} (or edit the file)`);
    }
    const orders: unknown[] =
      count !== undefined
        ? []
        : v.file !== undefined
          ? readOrders(v.file)
          : [
              {
                orderId: v['order-id'] ?? `ord-local-${randomUUID().slice(0, 8)}`,
                userId: v['user-id'] ?? 'usr-local',
                itemName: v['item-name'] ?? 'Sample item',
                quantity: v.quantity !== undefined ? quantityOption(v.quantity) : 1,
                status: v.status ?? 'PENDING',
                timestamp: v.timestamp ?? new Date().toISOString(),
              },
            ];
    // The generated contract, read when a command runs (not when the CLI loads: without generated/,
    // --help and the other commands work, and this one says to run codegen).
    const { messages, operations: generated } = (await contractModule(undefined, { warn: (line) => io.err(line) })) as unknown as { messages: { OrderPlaced: Parameters<typeof publishProblems>[0] }; operations: typeof operations };
    const contract = messages.OrderPlaced;
    // Validate everything before sending anything: the schema and the fields the contract does not declare.
    const problems = orders.map((order, index) => ({ index, issues: publishProblems(contract, order) })).filter((p) => p.issues.length > 0);
    if (problems.length > 0) {
      const lines = problems.flatMap((p) => [orders.length > 1 ? `order #${p.index + 1} of ${orders.length}:` : 'the order:', ...p.issues.map((i) => `  ${i.path}: ${i.message}`)]);
      throw new CliError(`nothing published: ${problems.length} order(s) violate the OrderPlaced contract.\n${lines.join('\n')}`, { next: 'Fix the fields above and run the command again.' });
    }
    return withTarget(values, async (target) => {
      await target.checkReachable();
      const publisher = createPublisher(generated.publishOrderPlaced, { client: target.sns, topicArn: await target.topicArn(generated.publishOrderPlaced.topic) });
      if (count !== undefined) return publishCount(count, publisher, io, v['correlation-id'], targetFlags(values));
      for (const order of orders as OrderPlaced[]) {
        const { messageId } = await publisher.publish(order, v['correlation-id'] ? { correlationId: v['correlation-id'] } : {});
        io.out(`published ${order.orderId} (${order.status}, ${order.timestamp}) as SNS message ${messageId}`);
      }
      // The next command as it must be typed to reach the same system.
      io.out(`next: npx orders get ${(orders[orders.length - 1] as OrderPlaced).orderId}${targetFlags(values)}`);
      return 0;
    });
  },
};
