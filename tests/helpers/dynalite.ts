/**
 * A real DynamoDB wire-protocol server (dynalite), in memory, on a free loopback port, with the
 * Orders table created from the application's settings. Tests talk to it through the real SDK clients.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createDocumentClient } from '@orders/app/store';
import { ORDERS_TABLE, settings } from '@orders/app/settings';
import { testCredentials } from './test-credentials.ts';

export interface DynaliteHandle {
  endpoint: string;
  tableName: string;
  /** Creates a client for `endpoint` (defaults to dynalite itself; pass a proxy's URL to inject faults). */
  client(options?: { endpoint?: string; maxAttempts?: number }): ReturnType<typeof createDocumentClient>;
  stop(): Promise<void>;
}

export { testCredentials };

export async function startDynalite(tableName: string = ORDERS_TABLE): Promise<DynaliteHandle> {
  const { partitionKey } = settings.tables.Orders;
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = (options: { endpoint?: string; maxAttempts?: number } = {}) => {
    const raw = new DynamoDBClient({
      endpoint: options.endpoint ?? endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: options.maxAttempts ?? 3,
    });
    clients.push(raw);
    return createDocumentClient(raw);
  };
  const admin = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: testCredentials });
  clients.push(admin);
  await admin.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    endpoint,
    tableName,
    client,
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
