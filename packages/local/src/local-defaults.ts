/**
 * Constants of the local stack that are not pipeline settings (those live in @orders/core).
 */

/** Where `npm start` listens and where the CLI looks by default (LocalStack's customary port). */
export const defaultLocalEndpoint = 'http://127.0.0.1:4566';

/** Region the emulators report in ARNs. */
export const localRegion = 'us-east-1';

/** The emulators accept any credentials; these keep the SDK from searching for real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Visibility timeout of the local queue. The deployed value (6 × the 30 s function timeout = 180 s)
 * would make a poison message take 9 minutes to reach the DLQ; locally a retry after 5 s shows the
 * same behaviour while you watch. `npm start -- --visibility-timeout 180` restores the deployed value.
 */
export const localVisibilityTimeoutSeconds = 5;

/** Environment variables of the CLI for resources that have no pipeline-settings entry yet. */
export const queueEnv = { queueUrl: 'ORDER_QUEUE_URL', deadLetterQueueUrl: 'ORDER_DLQ_URL' } as const;

/** Environment variable that points the CLI and the stack at another local endpoint. */
export const endpointEnv = 'ORDERS_ENDPOINT';
