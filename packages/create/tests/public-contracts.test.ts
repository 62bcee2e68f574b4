/**
 * Public AsyncAPI 3.0 documents, written by others, through a new project: create → install
 * (linked to this workspace) → codegen → typecheck → infra:plan --json. Three small ones here, in
 * `npm test`: the SQS binding README's "SNS to SQS pub-sub" made whole, Springwolf's SQS example
 * (FIFO queues, point-to-point sends, a visibility timeout of 30 s) and the spec's Streetlights on
 * Kafka (no AWS channel at all). Every public document, with a real `npm install` of the packed
 * framework: `npx tsx scripts/try-public-contracts.ts` (scripts/public-contracts.ts is shared).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { plannedNames, publicContracts, runPipeline, type PipelineResult } from '../../../scripts/public-contracts.ts';

const contract = (file: string) => {
  const found = publicContracts().find((c) => path.basename(c) === file);
  if (!found) throw new Error(`no public contract ${file}`);
  return found;
};

/** Each step's name and exit code, and the output of the first that failed. */
const summary = (r: PipelineResult) => ({ steps: r.steps.map((s) => `${s.name}: ${s.code}`), failed: r.steps.find((s) => s.code !== 0)?.output.slice(0, 3000) });

// Side by side: each document goes through a project of its own, in a folder of its own under `work`.
describe.concurrent('public AsyncAPI 3.0 documents through create, codegen, typecheck and infra:plan', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'sluice-public-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const passing = ['create: 0', 'codegen: 0', 'typecheck: 0', 'infra:plan --json: 0'];

  it('the SQS binding README "SNS to SQS pub-sub": its topic, queue, DLQ and subscription, under their binding names', async ({ expect }) => {
    const r = await runPipeline(contract('sns-sqs-pub-sub.yaml'), work, { kind: 'link' });
    expect(summary(r)).toEqual({ steps: passing, failed: undefined });
    expect(r.created!.consumers).toEqual(['receiveMessage']);
    const names = plannedNames(r.plan!);
    // The binding names are the AWS names, `-dev` on a stage other than prod (README: Binding fidelity);
    // `user-signedup…Triage…`/`…Unrouted…` and the alerts topic are the framework's (nothing published is silently dropped).
    expect(names.topics).toEqual(['AlertsTopic', 'user-signedup-dev']);
    expect(names.queues).toEqual(['user-signedup-dlq-dev', 'user-signedup-queue-dev', 'user-signedupTriage-dev', 'user-signedupTriageDLQ-dev', 'user-signedupUnroutedQueue']);
    expect(names.subscriptions).toEqual(['user-signedupTouser-signedup-queueSubscription', 'user-signedupTouser-signedupTriageSubscription', 'user-signedupTouser-signedupUnroutedSubscription']);
    expect(names.functions).toEqual(['ReceiveMessageFunction', 'Triageuser-signedupFunction']);
    const queue = r.plan!.find((p) => p.properties?.awsName === 'user-signedup-queue-dev')!;
    expect(queue.properties).toMatchObject({ redrive: { deadLetterQueue: 'user-signedup-dlqQueue', maxReceiveCount: 10 } }); // the DLQ by its SST name
  }, 240_000);

  it("Springwolf's SQS example: its two FIFO queues under their names (.fifo added; not the send operation's binding entry queue-name, which nothing uses), a consumer per receive operation whose timeout fits the contract's visibility timeout", async ({ expect }) => {
    const r = await runPipeline(contract('springwolf-sqs.json'), work, { kind: 'link' });
    expect(summary(r)).toEqual({ steps: passing, failed: undefined });
    const names = plannedNames(r.plan!);
    expect(names.topics).toEqual(['AlertsTopic']);
    expect(names.queues).toEqual(['another-queue-dev.fifo', 'example-queue-dev.fifo']);
    expect(names.subscriptions).toEqual([]);
    expect(r.created!.consumers).toEqual(['another-queue_receive_receiveAnotherPayload', 'example-queue_receive_receiveExamplePayload']);
    // visibilityTimeout 30 in the contract: AWS's guidance (≥ 6 × the function timeout) makes the timeout 5 s, or infra:plan refuses.
    const settings = readFileSync(path.join(r.created!.directory, 'src/settings.ts'), 'utf8');
    expect(settings).toContain('"example-queue_receive_receiveExamplePayload": { batchSize: 10, timeoutSeconds: 5, maximumConcurrency: 2 }, // timeout ≤ 1/6 of the visibilityTimeout (30 s)');
  }, 240_000);

  it('Streetlights on Kafka: types and validators, no handler for the Kafka operation, which create and its README name with why', async ({ expect }) => {
    const r = await runPipeline(contract('streetlights-kafka-asyncapi.yml'), work, { kind: 'link' });
    expect(summary(r)).toEqual({ steps: passing, failed: undefined });
    expect(r.created!.consumers).toEqual([]);
    expect(r.created!.outside).toEqual([{ operation: 'receiveLightMeasurement', reason: expect.stringMatching(/has no sns or sqs binding: it is outside the AWS topology/) }]);
    const readme = readFileSync(path.join(r.created!.directory, 'README.md'), 'utf8');
    expect(readme).toContain('- `receiveLightMeasurement`: receives from channels.lightingMeasured');
    const types = readFileSync(path.join(r.created!.directory, 'generated/types.d.ts'), 'utf8');
    expect(types).toContain('export interface LightMeasured {');
    expect(plannedNames(r.plan!).queues).toEqual([]);
  }, 240_000);

  it('refuses, with every problem at once, a document it cannot generate: Avro schemas, and a remote $ref, named by URL', async ({ expect }) => {
    const r = await runPipeline(contract('adeo-kafka-request-reply-asyncapi.yml'), work, { kind: 'link' });
    expect(r.outcome).toBe('refused');
    const message = r.steps[0]!.output;
    expect(message).toContain('3 problem(s)');
    // The payloads' Avro, said at once (it said to download them, then refused them as Avro a run later).
    expect(message).toContain('$ref https://www.asyncapi.com/resources/casestudies/adeo/CostingRequestPayload.avsc: the schema it names is an Avro schema (schemaFormat application/vnd.apache.avro;version=1.9.0): codegen makes types and validators from JSON Schema only.');
    expect(message).toContain('Fetching it would not help: codegen refuses it then');
    // The Kafka binding's key, which the AsyncAPI parser reads: to download.
    expect(message).toContain('CostingResponseKey.avsc is remote: the framework works offline and does not fetch it');
    expect(message).toContain('npm run codegen would refuse the contract as it is');
  });
});
