/**
 * Starts {@link ./dynalite-server.ts} in a child process, creates tables in it, and reads them back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { SOURCE_TOPICS_ENV } from '@sluice/runtime/settings';
import { TOPIC_ARN } from './order-workload.ts';

/** Credentials dynalite accepts (it checks none); also given to the handlers under test. */
export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
export const BENCH_REGION = 'us-east-1';

export interface DynaliteProcess {
  endpoint: string;
  /** CPU time the emulator process has used so far, in ms. */
  cpuMs(): Promise<number>;
  /** Every item of `table` (a consistent full scan). */
  scan(table: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * The environment a Lambda handler under test runs with: the SDK's default configuration pointed
 * at `endpoint`, as the local runtime does.
 */
export function handlerEnvironment(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: BENCH_REGION,
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The workload's envelopes come from this topic, as the deployed function is told.
    [SOURCE_TOPICS_ENV]: TOPIC_ARN,
    ...extra,
  };
}

/**
 * Starts dynalite in a child process with the given tables (string partition key each).
 *
 * @example
 * const db = await startDynaliteProcess({ Orders: 'orderId' }, { latencyMs: 5 });
 * try { ... } finally { await db.stop(); }
 */
export async function startDynaliteProcess(tables: Record<string, string>, options: { latencyMs?: number } = {}): Promise<DynaliteProcess> {
  const child: ChildProcess = fork(new URL('./dynalite-server.ts', import.meta.url), [String(options.latencyMs ?? 0)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`dynalite process exited early (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const raw = new DynamoDBClient({ endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
  const client = DynamoDBDocumentClient.from(raw);
  for (const [TableName, key] of Object.entries(tables)) {
    await raw.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  return {
    endpoint,
    cpuMs() {
      return new Promise((resolve) => {
        const onMessage = (m: unknown) => {
          const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
          if (!cpu) return;
          child.off('message', onMessage);
          resolve((cpu.user + cpu.system) / 1000);
        };
        child.on('message', onMessage);
        child.send('cpu');
      });
    },
    async scan(table) {
      const items: Record<string, unknown>[] = [];
      for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) items.push(...(page.Items ?? []));
      return items;
    },
    async stop() {
      raw.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}
