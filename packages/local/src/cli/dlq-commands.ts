/**
 * `orders dlq list | redrive | purge`: what failed and why, and putting it back.
 */
import { parseArgs } from 'node:util';
import { DeadLetterQueue, type DeadLetter } from '../dead-letter-queue.ts';
import { formatTable } from '../format-table.ts';
import { ProgressBar } from '../progress-bar.ts';
import { targetFlags, targetFlagsHelp, type CliCommand, type CliContext } from './cli-context.ts';

async function deadLetterQueueOf(context: CliContext): Promise<DeadLetterQueue> {
  await context.target.checkReachable();
  return new DeadLetterQueue({
    sqs: context.target.sqs,
    deadLetterQueueUrl: await context.target.deadLetterQueueUrl(),
    sourceQueueUrl: await context.target.queueUrl(),
  });
}

/** Renders dead letters with the reason each failed. */
export function formatDeadLetters(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'The dead-letter queue is empty.';
  const table = formatTable(
    ['messageId', 'receives', 'orderId', 'why it failed'],
    letters.map((l) => [
      l.messageId,
      String(l.receiveCount),
      l.orderId ?? '-',
      l.reason ? `${l.reason.code}: ${l.reason.message}` : 'decodes as a valid order: it failed while storing (see the subscriber log for this messageId), redrive it once fixed',
    ]),
  );
  return `${table}\n\n${letters.length} message(s). "receives" is SQS's ApproximateReceiveCount (receives in the source queue, plus any since in the DLQ).`;
}

const listHelp = `Usage: orders dlq list [--json]

Shows each dead-lettered message with its receive count and why it failed: the body is decoded
again with the generated validator, as the subscriber does. Messages stay in the DLQ.

  --json  JSON array with the body and the full reason

${targetFlagsHelp}`;

const dlqList: CliCommand = {
  name: 'list',
  summary: 'show dead-lettered messages and why they failed',
  help: listHelp,
  async run(args, context) {
    const { values } = parseArgs({ args, options: { ...targetFlags, json: { type: 'boolean' } } });
    if (values.help) {
      context.out(listHelp);
      return 0;
    }
    const letters = await (await deadLetterQueueOf(context)).list();
    if (values.json) {
      context.out(JSON.stringify(letters.map(({ message: _m, ...l }) => l), null, 2));
      return 0;
    }
    context.out(formatDeadLetters(letters));
    return 0;
  },
};

const redriveHelp = `Usage: orders dlq redrive [--id <messageId> ...]

Moves dead-lettered messages back to the order queue (body and attributes unchanged), where the
subscriber processes them again. All of them, or only the given ids.

  --id <messageId>  redrive this message (repeatable)

${targetFlagsHelp}`;

const dlqRedrive: CliCommand = {
  name: 'redrive',
  summary: 'move dead-lettered messages back to the queue (all or --id)',
  help: redriveHelp,
  async run(args, context) {
    const { values } = parseArgs({ args, options: { ...targetFlags, id: { type: 'string', multiple: true } } });
    if (values.help) {
      context.out(redriveHelp);
      return 0;
    }
    const dlq = await deadLetterQueueOf(context);
    let bar: ProgressBar | undefined;
    const { moved, notFound } = await dlq.redrive(values.id, (done, total) => {
      bar ??= new ProgressBar(total, 'redriving', context.progress);
      bar.update(done);
    });
    if (bar) bar.finish(`redrove ${moved.length} message(s) to the order queue`);
    else context.out('Nothing to redrive.');
    for (const id of moved) context.out(`  ${id}`);
    if (notFound.length > 0) {
      context.err(`Not in the DLQ: ${notFound.join(', ')}. See what is there with: npm run orders -- dlq list`);
      return 1;
    }
    return 0;
  },
};

const purgeHelp = `Usage: orders dlq purge [--yes]

Deletes every message in the dead-letter queue, for good. Asks first unless --yes.
Consider \`orders dlq list --json > dlq.json\` before.

  --yes  do not ask

${targetFlagsHelp}`;

const dlqPurge: CliCommand = {
  name: 'purge',
  summary: 'delete every dead-lettered message (asks first; --yes)',
  help: purgeHelp,
  async run(args, context) {
    const { values } = parseArgs({ args, options: { ...targetFlags, yes: { type: 'boolean', short: 'y' } } });
    if (values.help) {
      context.out(purgeHelp);
      return 0;
    }
    const dlq = await deadLetterQueueOf(context);
    const count = await dlq.count();
    if (count === 0) {
      context.out('The dead-letter queue is already empty.');
      return 0;
    }
    if (!values.yes) {
      if (!context.confirm) {
        context.err(`Refusing to delete ${count} message(s) without confirmation: no terminal to ask on. Pass --yes.`);
        return 1;
      }
      if (!(await context.confirm(`Delete ${count} message(s) from the dead-letter queue (${context.target.describe()}) for good?`))) {
        context.out('Nothing deleted.');
        return 1;
      }
    }
    await dlq.purge();
    context.out(`Purged ${count} message(s) from the dead-letter queue.`);
    return 0;
  },
};

export const dlqCommands: readonly CliCommand[] = [dlqList, dlqRedrive, dlqPurge];
