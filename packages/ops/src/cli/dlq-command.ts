/**
 * `dlq list | redrive | purge`: what failed, why, and putting it back, for every dead-letter queue
 * of the topology (or the one `--queue` names).
 */
import { CliError, UsageError, type CommandSpec } from '@sluice/cli';
import { createDecoder } from '@sluice/runtime/consumer';
import type { ReceiveOperation } from '@sluice/runtime/contract';
import { DeadLetterQueue, type DeadLetter } from '../dead-letter-queue.ts';
import type { Target } from '../target.ts';
import { formatTable, terminalSafe, terminalSafeJson } from '@sluice/cli';
import { ProgressBar } from '@sluice/cli';
import { contractModule, targetOptions, withTarget } from './target-options.ts';

/** The options of {@link dlqCommand}: how the application names what a message is about. */
export interface DlqCommandOptions {
  /** Names what a dead-lettered message is about (e.g. `ord-1`), shown in the listing. */
  describe?: (payload: unknown, messageName: string | undefined) => string | undefined;
  /** Column title for `describe`'s result. @default 'subject' */
  subjectTitle?: string;
}

/** A dead-letter queue of the topology, its source queue and the source's consumer. */
interface DlqRef {
  name: string;
  source: string;
  consumer: ReceiveOperation | undefined;
}

async function deadLetterQueues(queue: string | undefined): Promise<DlqRef[]> {
  const { topology, operations } = await contractModule();
  const all: DlqRef[] = Object.values(topology.queues)
    .filter((q) => q.deadLetter)
    .map((q) => ({
      name: q.deadLetter!.queue,
      source: q.name,
      consumer: Object.values(operations).find((o): o is ReceiveOperation => o.action === 'receive' && o.queue === q.name),
    }));
  if (!queue) return all;
  const picked = all.filter((d) => d.name === queue || d.source === queue);
  if (picked.length === 0) {
    throw new UsageError(`--queue ${JSON.stringify(queue)} is neither a dead-letter queue nor a queue with one: try ${all.map((d) => d.name).join(', ') || '(the contract declares none)'}`);
  }
  return picked;
}

/**
 * The ARNs of the topics feeding `consumer`'s queue, so that the listing explains a message sent
 * to the queue by someone else as the consumer did; undefined (no source check) when a topic
 * cannot be located.
 */
async function sourceTopicArns(target: Target, consumer: ReceiveOperation): Promise<string[] | undefined> {
  try {
    return await Promise.all((consumer.sources ?? []).map((s) => target.topicArn(s.topic)));
  } catch {
    return undefined;
  }
}

async function open(target: Target, ref: DlqRef, options: DlqCommandOptions): Promise<DeadLetterQueue> {
  const arns = ref.consumer ? await sourceTopicArns(target, ref.consumer) : undefined;
  return new DeadLetterQueue({
    sqs: target.sqs,
    deadLetterQueueUrl: await target.queueUrl(ref.name),
    sourceQueueUrl: await target.queueUrl(ref.source),
    ...(ref.consumer ? { decode: createDecoder(ref.consumer, arns ? { sourceTopicArns: arns } : {}) } : {}),
    ...(options.describe ? { describe: options.describe } : {}),
  });
}

/**
 * Renders dead letters as a table with the reason each failed (its decode error, or that it
 * decodes and so failed in the handler), then a count; `empty.` when there are none.
 *
 * @param subjectTitle - the title of the column {@link DlqCommandOptions.describe} fills
 *
 * @example
 * ```ts
 * import { formatDeadLetters, type DeadLetter } from '@sluice/ops';
 *
 * declare const letters: DeadLetter[];
 * console.log(formatDeadLetters(letters, 'paymentId'));
 * ```
 */
export function formatDeadLetters(letters: readonly DeadLetter[], subjectTitle = 'subject'): string {
  if (letters.length === 0) return 'empty.';
  const table = formatTable(
    ['messageId', 'receives', subjectTitle, 'why it failed'],
    letters.map((l) => [
      l.messageId,
      String(l.receiveCount),
      l.subject ?? '-',
      l.reason ? `${l.reason.code}: ${l.reason.message}` : 'decodes as a valid message: it failed while being handled (see the consumer log for this messageId); redrive it once fixed',
    ]),
  );
  return `${table}\n\n${letters.length} message(s). "receives" is SQS's ApproximateReceiveCount (receives in the source queue, plus any since in the DLQ).`;
}

const queueOption = { type: 'string' as const, valueName: 'name', description: 'one dead-letter queue (or its source queue)', defaultText: 'every dead-letter queue of the contract' };

/**
 * The `dlq` command group: `list` (each message with why it failed), `redrive` (back to the
 * source queue, all or `--id`) and `purge`, for every dead-letter queue of the topology or the one
 * `--queue` names.
 *
 * @example
 * ```ts
 * import { main, versionOf, type ProgramSpec } from '@sluice/cli';
 * import { dlqCommand, statusCommand } from '@sluice/ops';
 *
 * const program: ProgramSpec = {
 *   name: 'payments',
 *   invocation: 'npx payments',
 *   version: versionOf(new URL('../package.json', import.meta.url)),
 *   summary: 'operate the payment pipeline',
 *   commands: [dlqCommand({ describe: (p) => (p as { paymentId?: string }).paymentId, subjectTitle: 'paymentId' }), statusCommand],
 * };
 * await main(program);
 * ```
 */
export function dlqCommand(options: DlqCommandOptions = {}): CommandSpec {
  const title = options.subjectTitle ?? 'subject';
  return {
    name: 'dlq',
    summary: 'dead-letter queues: list (and why each failed), redrive, purge',
    commands: [
      {
        name: 'list',
        summary: 'show dead-lettered messages and why they failed',
        description: 'Each dead-lettered message with its receive count and why it failed: the body is decoded again with the generated validator, as the consumer does. Messages stay in the DLQ.',
        options: { queue: queueOption, json: { type: 'boolean', description: 'JSON, with bodies and full reasons' }, ...targetOptions },
        async run({ values, io }) {
          const refs = await deadLetterQueues(values.queue as string | undefined);
          return withTarget(values, async (target) => {
            await target.checkReachable();
            const all: Record<string, Omit<DeadLetter, 'message'>[]> = {};
            for (const ref of refs) {
              const letters = await (await open(target, ref, options)).list();
              if (values.json) all[ref.name] = letters.map(({ message: _m, ...l }) => l);
              else io.out(`${ref.name} (dead letters of ${ref.source}): ${formatDeadLetters(letters, title)}`);
            }
            if (values.json) io.out(terminalSafeJson(refs.length === 1 && values.queue ? all[refs[0]!.name] : all, 2));
            return 0;
          });
        },
      },
      {
        name: 'redrive',
        summary: 'move dead-lettered messages back to their queue (all, or --id)',
        description: 'Moves dead-lettered messages back to their source queue (body and attributes unchanged), where the consumer processes them again: all of them, or only the given ids.',
        options: { queue: queueOption, id: { type: 'string', multiple: true, valueName: 'messageId', description: 'redrive this message (repeatable)' }, ...targetOptions },
        async run({ values, io, invocation }) {
          const refs = await deadLetterQueues(values.queue as string | undefined);
          const ids = values.id as string[] | undefined;
          return withTarget(values, async (target) => {
            await target.checkReachable();
            let notFound = ids ? [...ids] : [];
            let movedTotal = 0;
            for (const ref of refs) {
              const dlq = await open(target, ref, options);
              let bar: ProgressBar | undefined;
              const { moved } = await dlq.redrive(ids, (done, total) => {
                bar ??= new ProgressBar(total ?? done, `redriving ${ref.name} → ${ref.source}`, io.progress);
                bar.update(done);
              });
              bar?.finish(`redrove ${moved.length} message(s) to ${ref.source}`);
              for (const id of moved) io.out(`  ${terminalSafe(id)}`);
              movedTotal += moved.length;
              notFound = notFound.filter((id) => !moved.includes(id));
            }
            if (movedTotal === 0 && !ids) io.out('Nothing to redrive.');
            if (notFound.length > 0) throw new CliError(`not in the DLQ: ${notFound.map(terminalSafe).join(', ')}`, { next: `See what is there with: ${invocation.replace(/ redrive$/, ' list')}` });
            return 0;
          });
        },
      },
      {
        name: 'purge',
        summary: 'delete dead-lettered messages for good (lists them, asks first; --yes)',
        description: 'Deletes the dead-lettered messages it lists, for good, after asking (--yes to skip); a message that arrives meanwhile is kept. Consider `dlq list --json > dlq.json` before.',
        options: { queue: queueOption, yes: { type: 'boolean', short: 'y', description: 'do not ask' }, ...targetOptions },
        async run({ values, io }) {
          const refs = await deadLetterQueues(values.queue as string | undefined);
          return withTarget(values, async (target) => {
            await target.checkReachable();
            for (const ref of refs) {
              const dlq = await open(target, ref, options);
              const letters = await dlq.list();
              if (letters.length === 0) {
                io.out(`${ref.name} is already empty.`);
                continue;
              }
              if (!values.yes) {
                if (!io.confirm) throw new CliError(`refusing to delete ${letters.length} message(s) from ${ref.name} without confirmation: no terminal to ask on`, { next: 'Pass --yes to delete them.' });
                if (!(await io.confirm(`Delete the ${letters.length} message(s) listed in ${ref.name} (${target.describe()}) for good?`))) {
                  io.out('Nothing deleted.');
                  return 1;
                }
              }
              const { deleted } = await dlq.purge(letters.map((l) => l.messageId));
              io.out(`Deleted ${deleted.length} message(s) from ${ref.name}${deleted.length < letters.length ? ` (${letters.length - deleted.length} were gone already)` : ''}.`);
            }
            return 0;
          });
        },
      },
    ],
  };
}
