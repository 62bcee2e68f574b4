import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrderPublisher, OrderStore, createDocumentClient } from '@orders/core';
import { startLocalPipeline, type LocalPipeline } from '../src/local-pipeline.ts';
import { waitFor } from './helpers/wait-for.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const dataDir = mkdtempSync(join(tmpdir(), 'orders-restart-'));
let pipeline: LocalPipeline | undefined;
afterAll(async () => {
  await pipeline?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function storeOf(p: LocalPipeline) {
  return new OrderStore({ client: createDocumentClient(new DynamoDBClient(p.stack.clientConfig)), tableName: p.stack.resources.tableName });
}

describe('restarting the local stack', () => {
  it('keeps the stored orders (DynamoDB on disk)', async () => {
    pipeline = await startLocalPipeline({ port: 0, dataDir, visibilityTimeoutSeconds: 1 });
    const port = Number(new URL(pipeline.stack.endpoint).port);
    const sns = new SNSClient(pipeline.stack.clientConfig);
    await new OrderPublisher({ client: sns, topicArn: pipeline.stack.resources.topicArn }).publishOrderPlaced({
      orderId: 'ord-persist',
      userId: 'usr-1',
      itemName: 'Lamp',
      quantity: 1,
      status: 'PAID',
      timestamp: '2026-03-01T10:00:00Z',
    });
    sns.destroy();
    await waitFor('the order to be stored', () => storeOf(pipeline!).get('ord-persist'));
    await pipeline.stop();
    pipeline = undefined;

    // Same port: the subscriber keeps its DynamoDB client across invocations, as in a warm Lambda.
    pipeline = await startLocalPipeline({ port, dataDir, visibilityTimeoutSeconds: 1 });
    expect(await storeOf(pipeline).get('ord-persist')).toMatchObject({ orderId: 'ord-persist', status: 'PAID' });
  });
});
