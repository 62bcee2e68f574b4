/**
 * The line of `npm start`'s banner for a topic's unrouted queue says where to see why a publish
 * reached no consumer, with a command the application has: its operator command's `dlq list`, the
 * whole command line, when its package.json declares one (`eventContract.operatorCommand`, the
 * order application's `npx orders`; a created project's `npm run ops --`,
 * packages/create/tests/create.test.ts runs that one), else the AWS CLI against the local endpoint.
 * On the order application's real local stack; no consumer runs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '@sluice/cli';
import { bannerLines, startLocalRuntime, startSubscriber, type LocalRuntime } from '@sluice/local';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe("npm start's banner: the unrouted queue's line", () => {
  it('names the order application\'s `npx orders dlq list --queue …` (operatorCommand npx orders), the whole command to copy', () => {
    expect(runtime.application.project.operatorCommand).toBe('npx orders');
    const lines = bannerLines(runtime);
    const url = runtime.resources.queues.OrderTopicUnrouted!.url;
    const at = lines.indexOf(`  queue         ${url} (unrouted publishes of OrderTopic: what no subscription admits, kept 14 days; \`npx orders dlq list --queue OrderTopicUnrouted\` says why)`);
    expect(at, lines.join('\n')).toBeGreaterThan(-1);
    // No AWS CLI line under it: the application's own command is the one to use.
    expect(lines[at + 1]).toMatch(/^ {2}\S/);
  });

  it('gives the AWS CLI against the local endpoint to an application without an operator command, and says the attributes tell why', () => {
    const { operatorCommand: _declared, ...project } = runtime.application.project;
    const lines = bannerLines({ ...runtime, application: { ...runtime.application, project } });
    const url = runtime.resources.queues.OrderTopicUnrouted!.url;
    const at = lines.findIndex((l) => l.startsWith(`  queue         ${url} (`));
    expect(lines[at]).toBe(
      `  queue         ${url} (unrouted publishes of OrderTopic: what no subscription admits, kept 14 days; its messages' attributes say why: eventType/schemaVersion in the SNS envelope, sluice.reason when the triage function kept it)`,
    );
    expect(lines[at + 1]).toBe(
      `                see them: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${runtime.endpoint} --region ${runtime.resources.region} sqs receive-message --queue-url ${url} --max-number-of-messages 10 --visibility-timeout 0 --message-attribute-names All`,
    );
    expect(lines.join('\n')).not.toContain('dlq list');
  });

  it("says of a consumer the settings do not name that it runs with the framework's defaults, and where to add its entry", () => {
    const functions = { functions: [{ operationId: 'consumeOrderPlaced', functionName: 'ConsumeOrderPlacedFunction' }] } as unknown as LocalRuntime['functions'];
    const named = bannerLines({ ...runtime, functions }).find((l) => l.startsWith('  consumer      consumeOrderPlaced '));
    expect(named).not.toContain('defaults');
    const settings = { ...runtime.application.settings, consumers: {} };
    const unnamed = bannerLines({ ...runtime, functions, application: { ...runtime.application, settings } }).find((l) => l.startsWith('  consumer      consumeOrderPlaced '));
    expect(unnamed).toMatch(/timeout 30 s, 5 concurrent; the framework's defaults: packages\/orders\/src\/settings\.ts has no entry for it, add one to choose\)$/);
  });
});

describe('npm start -- --no-consumers: the way to the subscriber', () => {
  it('names the endpoint in the command to run when npm run subscriber would not find the stack by itself (a port other than 4566)', () => {
    vi.stubEnv('SLUICE_ENDPOINT', undefined);
    try {
      expect(runtime.endpoint).not.toBe('http://127.0.0.1:4566');
      expect(bannerLines(runtime, { consumersElsewhere: true })).toContain(`  consumers     not in this process: run \`SLUICE_ENDPOINT=${runtime.endpoint} npm run subscriber\` in another terminal`);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('npm run subscriber, finding no stack at its endpoint, says how to point it at the one that runs', async () => {
    const refused = await startSubscriber({ endpoint: 'http://127.0.0.1:9', application: runtime.application, logLevel: 'SILENT', quiet: true, out: () => {} }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).message).toMatch(/^no usable stack at http:\/\/127\.0\.0\.1:9: /);
    expect((refused as CliError).options.next).toBe('Start it first (npm start -- --no-consumers), or point this at the stack that runs: --endpoint <url> or SLUICE_ENDPOINT=<url>, the endpoint npm start printed');
  }, 30_000);
});
