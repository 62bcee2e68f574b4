/**
 * With `--aws`, a command that reads several resources names every one it cannot locate (no SST
 * link, no variable) in one error, with every variable to set: a user does not learn them one per
 * run. Nothing reaches AWS here: the check comes before any request (and no region is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@sluice/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';
import { fixtureProgram, fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';

let fixture: FixtureProject;
const saved = { ...process.env };
beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  for (const name of Object.keys(process.env)) if (/_(URL|ARN|TABLE_NAME)$/.test(name) || name.startsWith('AWS_') || name.startsWith('SST_')) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
});
afterAll(() => {
  // Restored in place: `process.env` itself must stay Node's (a plain object put there ignores TZ, and Vitest's env stubs miss it).
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  fixture?.dispose();
});

async function run(...args: string[]) {
  const io = captureIO();
  const code = await fixture.within(() => runCli(fixtureProgram, args, io));
  return { code, lines: io.stderr().trim().split('\n'), stdout: io.stdout() };
}

describe('--aws with resources that cannot be located', () => {
  it('status names every queue it reads at once, and the variables to set', async () => {
    const { code, lines, stdout } = await run('status', '--aws');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines[0]).toBe(
      'fixture status: AWS locations unknown for 5 resources of the contract: queue OrderDLQ (ORDER_DLQ_URL), queue OrderQueue (ORDER_QUEUE_URL), queue OrderTopicTriage (ORDER_TOPIC_TRIAGE_URL), queue OrderTopicTriageDLQ (ORDER_TOPIC_TRIAGE_DLQ_URL), queue OrderTopicUnrouted (ORDER_TOPIC_UNROUTED_URL)',
    );
    expect(lines[1]).toBe(
      'Run the command under `sst shell` (e.g. `npx sst shell --stage prod -- <this command>`), which sets them from the stage\'s links, or set them all: export ORDER_DLQ_URL=… ORDER_QUEUE_URL=… ORDER_TOPIC_TRIAGE_URL=… ORDER_TOPIC_TRIAGE_DLQ_URL=… ORDER_TOPIC_UNROUTED_URL=…',
    );
  });

  it('names only those still unknown once some are set; dlq list also needs the topic an unrouted queue redrives to', async () => {
    process.env.ORDER_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/OrderQueue';
    process.env.ORDER_DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/OrderDLQ';
    try {
      const { code, lines } = await run('dlq', 'list', '--aws');
      expect(code).toBe(1);
      // A listing reads the dead-letter queues (and the topic of an unrouted one: its subscriptions judge each message), not the queues they redrive to.
      expect(lines[0]).toMatch(/^fixture dlq list: AWS locations unknown for 3 resources of the contract: topic OrderTopic \(ORDER_TOPIC_ARN\), queue OrderTopicTriageDLQ \(/);
      expect(lines[0]).not.toContain('ORDER_QUEUE_URL');
      expect(lines[0]).not.toContain('ORDER_TOPIC_TRIAGE_URL');
      expect(lines[1]).toMatch(/or set them all: export ORDER_TOPIC_ARN=… ORDER_TOPIC_TRIAGE_DLQ_URL=…/);
    } finally {
      delete process.env.ORDER_QUEUE_URL;
      delete process.env.ORDER_DLQ_URL;
    }
  });
});
