/**
 * Stopping the local stack while DynamoDB requests are under way (a subscriber killed mid-batch,
 * whose requests still travel through a proxy; Ctrl-C under load): the gateway drops their
 * connections, but dynalite, in the same process, carries on with the requests it was handed.
 * One that reached its database after the emulators closed it threw 'Database is closed' out of
 * dynalite, where nobody could catch it: the process's uncaught exception (the reliability run
 * under load failed with it as an unhandled error, although its scenarios passed).
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulators } from '@sluice/local';
import { startAwsGateway } from '../src/stack/aws-gateway.ts';

const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

describe('stopping the emulators while DynamoDB requests are under way', () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  afterEach(() => {
    process.off('uncaughtException', record);
  });

  it('lets dynalite end them first: nothing thrown out of it', async () => {
    process.on('uncaughtException', record);
    const emulators = await startEmulators({ port: 0 });
    const dynamodb = new DynamoDBClient({ ...config, endpoint: emulators.endpoint, maxAttempts: 1 });
    await dynamodb.send(
      new CreateTableCommand({ TableName: 'Things', AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    const requests: Promise<unknown>[] = Array.from({ length: 200 }, (_, i) =>
      i % 2 ? dynamodb.send(new GetItemCommand({ TableName: 'Things', Key: { k: { S: `k${i}` } } })) : dynamodb.send(new PutItemCommand({ TableName: 'Things', Item: { k: { S: `k${i}` } } })),
    );
    // Stopped once the first is answered: the others are on their way through dynalite.
    let answered = 0;
    await new Promise<void>((resolve) => requests.forEach((r) => r.then(() => (answered++, resolve()), () => resolve())));
    await emulators.stop();
    await Promise.allSettled(requests);
    dynamodb.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(requests.length);
    expect(uncaught.map(String)).toEqual([]);
  });
});

describe('a DynamoDB request dynalite never answers, at the stop', () => {
  it('is waited for no longer than the wait, and said: how many were left, and what may follow', async () => {
    // A dynalite that never ends its answer (as when it rethrows an error without answering).
    const silent = http.createServer(() => {});
    const warnings: string[] = [];
    const gateway = await startAwsGateway({
      upstreams: { fauxqs: 'http://127.0.0.1:1', dynalite: 'http://127.0.0.1:1', servers: { dynalite: silent } },
      port: 0,
      onWarning: (line) => warnings.push(line),
      handedOverWaitMs: 300,
    });
    const dynamodb = new DynamoDBClient({ ...config, endpoint: gateway.endpoint, maxAttempts: 1 });
    const request = dynamodb.send(new GetItemCommand({ TableName: 'Things', Key: { k: { S: 'k1' } } })).catch((error: Error) => error);
    // Handed over, unanswered.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(warnings).toEqual([
      "warning: dynamodb: 1 request(s) handed to the local DynamoDB (dynalite) were still unanswered 0.3 s after the stop; closing it anyway (one reaching its closed database throws 'Database is closed')",
    ]);
    await request;
    dynamodb.destroy();
  });
});

