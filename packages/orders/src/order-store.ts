/**
 * The Orders table: one item per order, holding the latest state by event instant.
 *
 * Ordering rule. Each stored item carries `eventVersion` =
 * `<UTC instant, fixed width, ns precision>#<sha256 of the event's contract fields>`
 * ({@link contentDigestOf}). A write succeeds only
 * when the item is absent or its `eventVersion` is smaller, in ONE conditional PutItem:
 *
 *   ConditionExpression: attribute_not_exists(#orderId) OR #eventVersion < :eventVersion
 *
 * - instants are compared, not strings (`10:00+02:00` is before `09:00Z`);
 * - equal instant and equal content = the same event redelivered: `duplicate`, nothing written;
 * - equal instant, different content: the larger digest wins. Arbitrary but deterministic, so
 *   every arrival order converges to the same item (producers should not emit two states of an
 *   order at the same instant; if they do, no consumer flip-flops);
 * - an older instant: `stale`, nothing written.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { messages, type OrderPlaced } from '@orders/contract';
import { toUtcInstant } from '@sluice/runtime/contract';
import { DecodeErrorCode, RecordRejected } from '@sluice/runtime/consumer';
import { resolveTableName } from '@sluice/runtime/resources';
import { ORDERS_TABLE } from './settings.ts';

const contract = messages.OrderPlaced;

/** What saving one event did. */
export type SaveOutcome = 'stored' | 'duplicate' | 'stale';

/** The stored item: the contract's fields plus the version used for ordering. */
export interface StoredOrder extends OrderPlaced {
  eventVersion: string;
}

/** The exact condition of the single PutItem per record (also quoted in the README). */
export const SAVE_CONDITION = 'attribute_not_exists(#orderId) OR #eventVersion < :eventVersion';

/**
 * Total order of events for one orderId: instant first, content digest as a deterministic tie-break.
 * Every timestamp the contract accepts converts (the validator and {@link toUtcInstant} share one
 * rule), so for a validated order this never throws.
 *
 * @throws RecordRejected (code `PAYLOAD_INVALID`) when the order bypassed validation and its
 * timestamp cannot be ordered: permanent, so a consumer rejects it instead of retrying it forever.
 */
export function eventVersionOf(order: OrderPlaced): string {
  const instant = toUtcInstant(order.timestamp);
  if (instant === undefined) {
    const t: unknown = order.timestamp;
    // Quote only what could be a timestamp: an unvalidated value may be anything, of any size.
    const shown = typeof t === 'string' && t.length <= 40 ? JSON.stringify(t) : `(${typeof t})`;
    throw new RecordRejected(
      DecodeErrorCode.PAYLOAD_INVALID,
      `timestamp ${shown} cannot be ordered: it must be an RFC 3339 date-time with an offset naming an instant in the UTC years 0001 to 9999 (validate orders against the contract before storing them)`,
    );
  }
  return `${instant}#${contentDigestOf(order)}`;
}

/**
 * SHA-256 (hex) of the contract fields the event has, in the contract's order: the tie-break
 * between two events of one order at the same instant, and what tells a redelivery (same digest)
 * from another event. A field the event lacks contributes nothing, so adding an optional field to
 * the contract leaves the digest of every event without it unchanged: consumers of the old and the
 * new contract, both running during a deploy, compute one version for one event. Strings and numbers
 * are hashed as their text; an object or array as JSON with sorted keys (as text, every object
 * would be `[object Object]`: two events differing only there would read as one).
 *
 * @param fields the fields the contract declares, in its order (default: OrderPlaced's properties)
 * @example
 * contentDigestOf(order) === eventVersionOf(order).split('#')[1]; // true
 */
export function contentDigestOf(order: OrderPlaced, fields: readonly string[] = contract.properties): string {
  const values = order as unknown as Readonly<Record<string, unknown>>;
  const digest = createHash('sha256');
  for (const key of fields) if (values[key] !== undefined) digest.update(`${key}\u0000${textOf(values[key])}\u0000`);
  return digest.digest('hex');
}

function textOf(value: unknown): string {
  return typeof value === 'object' && value !== null ? sortedJson(value) : String(value);
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
}

export interface OrderStoreOptions {
  /** Document client to use. @default a new client from the default AWS configuration (AWS_ENDPOINT_URL honoured) */
  client?: DynamoDBDocumentClient;
  /** Table name. @default SST link `Orders`, else `$ORDERS_TABLE_NAME` (set by sst.config.ts and the local runtime) */
  tableName?: string;
}

/**
 * How long one DynamoDB call may take before it is abandoned and retried (the SDK makes 3 attempts):
 * a hung PutItem must fail the record in seconds, not eat the 30 s function timeout (which would
 * charge every record of the batch a receive).
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;

/** Creates the document client the pipeline uses; one per container. */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({ requestHandler: DYNAMODB_TIMEOUTS })): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Stores orders so that duplicates and out-of-order events never regress the stored state.
 *
 * @example
 * const store = new OrderStore();            // table from the SST link or ORDERS_TABLE_NAME
 * await store.saveIfNewer(order);            // 'stored' | 'duplicate' | 'stale'
 */
export class OrderStore {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;

  constructor(options: OrderStoreOptions = {}) {
    this.tableName = options.tableName ?? resolveTableName(ORDERS_TABLE);
    this.client = options.client ?? createDocumentClient();
  }

  /**
   * One conditional write: creates the order, or replaces it when this event is newer.
   * Errors other than the condition failing (throttling, network, 5xx after the SDK's own
   * retries) are thrown, never swallowed: the caller reports the record as failed.
   */
  async saveIfNewer(order: OrderPlaced): Promise<SaveOutcome> {
    const eventVersion = eventVersionOf(order);
    const item: StoredOrder = { ...contract.pick(order), eventVersion };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: SAVE_CONDITION,
          ExpressionAttributeNames: { '#orderId': 'orderId', '#eventVersion': 'eventVersion' },
          ExpressionAttributeValues: { ':eventVersion': eventVersion },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'stored';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The old item comes back in raw AttributeValue form: the document client does not translate errors.
      const current = error.Item ? error.Item.eventVersion?.S : await this.currentVersion(order.orderId);
      return current === eventVersion ? 'duplicate' : 'stale';
    }
  }

  /**
   * Reads the stored version after a failed condition. DynamoDB returns the old item with the
   * exception (ReturnValuesOnConditionCheckFailure); emulators that ignore that flag need this read.
   */
  private async currentVersion(orderId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ProjectionExpression: 'eventVersion', ConsistentRead: true }),
    );
    return Item?.eventVersion as string | undefined;
  }

  /** The stored order, or `undefined`. */
  async get(orderId: string): Promise<StoredOrder | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }));
    return Item as StoredOrder | undefined;
  }

  /** Every stored order (a full scan: for tooling and tests, not for request paths). */
  async list(): Promise<StoredOrder[]> {
    const items: StoredOrder[] = [];
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName, ConsistentRead: true })) {
      items.push(...((page.Items ?? []) as StoredOrder[]));
    }
    return items.sort((a, b) => a.orderId.localeCompare(b.orderId));
  }
}
