/**
 * `npm run subscriber` in a shell that holds someone's real AWS configuration: endpoints,
 * credentials, a profile and its config file, a region. The consumer processes it starts must
 * still get the local endpoint and dummy credentials, so that every write stays on the local
 * stack. The hostile endpoints point at a decoy DynamoDB (dynalite behind the recording proxy,
 * with the same table, as AWS would have): a write that leaked would succeed there, silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { operations } from '@orders/contract';
import { startLocalRuntime, type LocalRuntime } from '@sluice/local';
import { createPublisher } from '@sluice/runtime/publisher';
import { createDocumentClient, OrderStore } from '@orders/app/store';
import { startDynalite, type DynaliteHandle } from '../../../tests/helpers/dynalite.ts';
import { startFaultProxy, type FaultProxy } from '../../../tests/helpers/fault-proxy.ts';
import { anOrder } from '../../../tests/helpers/orders.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

const root = path.resolve(import.meta.dirname, '../../..');
let runtime: LocalRuntime;
let decoyDb: DynaliteHandle;
let decoy: FaultProxy;
let subscriber: ChildProcess | undefined;
let output = '';
let dir: string;

/** What a developer's shell may hold: everything the SDK would follow to real AWS. */
function hostileEnvironment(): Record<string, string> {
  dir = mkdtempSync(path.join(tmpdir(), 'orders-hostile-aws-'));
  const config = path.join(dir, 'config');
  const credentials = path.join(dir, 'credentials');
  writeFileSync(config, `[profile hostile]\nregion = eu-west-3\nendpoint_url = ${decoy.endpoint}\n\n[default]\nregion = eu-west-3\nendpoint_url = ${decoy.endpoint}\n`);
  writeFileSync(credentials, `[hostile]\naws_access_key_id = AKIAHOSTILEPROFILE00\naws_secret_access_key = hostile-profile-secret\n`);
  return {
    AWS_ENDPOINT_URL: decoy.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: decoy.endpoint,
    AWS_ENDPOINT_URL_SQS: decoy.endpoint,
    AWS_ENDPOINT_URL_SNS: decoy.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAHOSTILEENVIRON00',
    AWS_SECRET_ACCESS_KEY: 'hostile-secret',
    AWS_SESSION_TOKEN: 'hostile-session-token',
    AWS_PROFILE: 'hostile',
    AWS_DEFAULT_PROFILE: 'hostile',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_REGION: 'eu-west-3',
    AWS_DEFAULT_REGION: 'eu-west-3',
  };
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, consumers: false, logLevel: 'SILENT' });
  decoyDb = await startDynalite(runtime.resources.tables.Orders!.name);
  decoy = await startFaultProxy(decoyDb.endpoint);
  const env: NodeJS.ProcessEnv = { ...process.env, ...hostileEnvironment() };
  delete env.SLUICE_ENDPOINT;
  // Node itself, as `npm run subscriber` runs it (minus npm and the shell), so that the SIGTERM
  // below reaches the subscriber.
  subscriber = spawn(process.execPath, ['packages/local/src/bin/subscriber.ts', '--endpoint', runtime.endpoint], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  subscriber.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  subscriber.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor('the subscriber to poll', () => /subscriber: (\w+, )*consumeOrderPlaced(, \w+)* polling at/.test(output) || subscriber!.exitCode !== null, 30_000);
  expect(subscriber.exitCode, output).toBeNull();
});
afterAll(async () => {
  if (subscriber && subscriber.exitCode === null && subscriber.signalCode === null) {
    const exited = new Promise((resolve) => subscriber!.once('exit', resolve));
    subscriber.kill('SIGTERM');
    await exited;
  }
  await decoy?.stop();
  await decoyDb?.stop();
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function storedLocally(orderId: string) {
  const dynamodb = new DynamoDBClient(runtime.clientConfig);
  try {
    return await new OrderStore({ client: createDocumentClient(dynamodb), tableName: runtime.resources.tables.Orders!.name }).get(orderId);
  } finally {
    dynamodb.destroy();
  }
}

describe('npm run subscriber with real AWS configuration in the environment', () => {
  it('stores a published order on the local stack, and nothing reaches the endpoints of the environment', async () => {
    const sns = new SNSClient(runtime.clientConfig);
    try {
      await createPublisher(operations.publishOrderPlaced, { client: sns, topicArn: runtime.resources.topics.OrderTopic!.arn }).publish(anOrder({ orderId: 'ord-hostile-env' }));
    } finally {
      sns.destroy();
    }
    // Whichever comes first: the local write, or a request at the decoy.
    await waitFor('the order stored locally, or a request at the decoy', async () => decoy.requests.length > 0 || (await storedLocally('ord-hostile-env')), 30_000);
    expect(decoy.requests.map((r) => r.target)).toEqual([]);
    expect(await storedLocally('ord-hostile-env')).toMatchObject({ orderId: 'ord-hostile-env' });
    // The subscriber's consumer wrote it (no other runs): its batch line follows the write.
    await waitFor('the batch line', () => /consumeOrderPlaced: batch of 1: 1 done/.test(output)).catch((e: Error) => { throw new Error(`${e.message}; the subscriber printed:\n${output}`); });
  });
});
