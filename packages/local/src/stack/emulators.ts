/**
 * The emulated AWS services in this process: fauxqs (SNS + SQS) and dynalite (DynamoDB), both on
 * loopback, behind one AWS-compatible endpoint (the gateway).
 *
 * With a data folder, everything survives a restart, a crash or a SIGKILL: dynalite keeps tables
 * in LevelDB (`<dataDir>/dynamodb`), fauxqs writes queues, messages (queued, in flight with their
 * visibility deadlines, dead-lettered), topics and subscriptions through to SQLite
 * (`<dataDir>/sns-sqs/fauxqs.db`) on every change. Without one, everything is in memory.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import dynalite from 'dynalite';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { startAwsGateway, type AwsGateway } from './aws-gateway.ts';
import { localCredentials, localRegion } from '@sluice/ops';

/** The options of {@link startEmulators}. */
export interface EmulatorOptions {
  /** Port of the single endpoint; 0 picks a free one. @default 4566 */
  port?: number;
  /** Folder for the emulators' data; everything in memory when absent. */
  dataDir?: string;
}

/** SDK client configuration for the emulators (endpoint, region, dummy credentials). */
export interface LocalClientConfig {
  /** The emulators' one endpoint (`http://127.0.0.1:<port>`). */
  endpoint: string;
  /** The region the emulators report in ARNs (`us-east-1`). */
  region: string;
  /** Dummy credentials: the emulators accept any. */
  credentials: typeof localCredentials;
}

/** The running emulators, from {@link startEmulators}. */
export interface Emulators {
  /** The one endpoint for SNS, SQS and DynamoDB. */
  readonly endpoint: string;
  /** What an AWS SDK client needs to talk to them: `new SQSClient(emulators.clientConfig)`. */
  readonly clientConfig: LocalClientConfig;
  /** The data folder, or undefined when in memory. */
  readonly dataDir: string | undefined;
  /** Stops the endpoint and both emulators; data is on disk already (written through). */
  stop(): Promise<void>;
}

async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * fauxqs's `startFauxqs` (the entry point that wires its SQLite persistence) listens on every
 * interface, and the emulators have no authentication: bind it to loopback instead, for the
 * duration of the call.
 *
 * Its SQLite database runs in WAL mode with node:sqlite's default `synchronous=FULL`: a disk sync
 * on every commit, three or more per message, on the event loop that also serves the endpoint
 * (persistent runs kept 63 % of the in-memory throughput). In WAL mode `NORMAL` syncs at
 * checkpoints only and still survives the process crashing or being killed, which is what the
 * local stack promises (an operating-system crash may lose the last commits): set it when the
 * database turns WAL on.
 */
async function startFauxqsOnLoopback(dataDir: string | undefined): Promise<FauxqsServer> {
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    const result = exec.call(this, sql);
    if (/^\s*PRAGMA\s+journal_mode\s*=\s*WAL\s*;?\s*$/i.test(sql)) exec.call(this, 'PRAGMA synchronous = NORMAL');
    return result;
  };
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as net.ListenOptions).host === '0.0.0.0') {
      args[0] = { ...(first as net.ListenOptions), host: '127.0.0.1' };
    }
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  try {
    return await startFauxqs({ port: 0, logger: false, defaultRegion: localRegion, ...(dataDir ? { dataDir } : {}) });
  } finally {
    net.Server.prototype.listen = listen;
    DatabaseSync.prototype.exec = exec;
  }
}

/**
 * Starts dynalite (DynamoDB), fauxqs (SNS and SQS) and the gateway that serves both on one
 * loopback endpoint. With `dataDir`, their data is kept there across restarts.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { startEmulators } from '@sluice/local';
 *
 * const emulators = await startEmulators({ port: 0, dataDir: '.sluice-data' });
 * const sqs = new SQSClient(emulators.clientConfig);
 * await emulators.stop();
 * ```
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(path.join(dataDir, 'dynamodb'), { recursive: true });
  // Tables become ACTIVE at once: nothing to wait for locally.
  const dynamoServer: Server = dynalite({
    ...(dataDir ? { path: path.join(dataDir, 'dynamodb') } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const closeDynamo = () => new Promise<void>((resolve, reject) => dynamoServer.close((error?: Error) => (error ? reject(error) : resolve())));
  const dynamoUrl = await listenOnLoopback(dynamoServer);
  let fauxqs: FauxqsServer;
  try {
    fauxqs = await startFauxqsOnLoopback(dataDir ? path.join(dataDir, 'sns-sqs') : undefined);
  } catch (error) {
    await closeDynamo();
    throw error;
  }
  if (!fauxqs.address.includes('127.0.0.1')) {
    await fauxqs.stop();
    await closeDynamo();
    throw new Error(`fauxqs listens on ${fauxqs.address}, not on loopback: refusing to expose unauthenticated emulators`);
  }

  let gateway: AwsGateway;
  try {
    gateway = await startAwsGateway({ upstreams: { fauxqs: `http://127.0.0.1:${fauxqs.port}`, dynalite: dynamoUrl }, port: options.port ?? 4566, avoidVisibilityZero: dataDir !== undefined });
  } catch (error) {
    await fauxqs.stop();
    await closeDynamo();
    throw error;
  }
  return {
    endpoint: gateway.endpoint,
    clientConfig: { endpoint: gateway.endpoint, region: localRegion, credentials: localCredentials },
    dataDir,
    async stop() {
      await gateway.close();
      await fauxqs.stop();
      await closeDynamo();
    },
  };
}
