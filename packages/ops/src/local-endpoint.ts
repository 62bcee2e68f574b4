/**
 * Constants of the local stack (the application's own numbers live in its settings module).
 */

/** Where `npm start` listens and where the CLIs look by default (LocalStack's customary port). */
export const defaultLocalEndpoint = 'http://127.0.0.1:4566';

/** Environment variable that points the CLIs and `npm run subscriber` at another local endpoint. */
export const endpointEnv = 'SLUICE_ENDPOINT';

/** Region the emulators report in ARNs. */
export const localRegion = 'us-east-1';

/** The emulators accept any credentials; these keep the SDK from searching for real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Visibility timeout of the local queues. The deployed value (6 × the function timeout, 180 s for
 * a 30 s function) would make a poison message take 9 minutes to reach the DLQ; locally a retry
 * after 5 s shows the same behaviour while you watch. `npm start -- --visibility-timeout 180`
 * restores the deployed value.
 */
export const localVisibilityTimeoutSeconds = 5;

/**
 * The endpoint the CLIs talk to: `--endpoint`, else `$SLUICE_ENDPOINT`, else the default
 * ({@link defaultLocalEndpoint}); without a trailing slash.
 *
 * @param option - the `--endpoint` value, if any
 * @param env - where `SLUICE_ENDPOINT` is looked up; `process.env` by default
 *
 * @example
 * ```ts
 * import { localEndpoint } from '@sluice/ops';
 *
 * localEndpoint(undefined, {}); // 'http://127.0.0.1:4566'
 * localEndpoint('http://localhost:4600/'); // 'http://localhost:4600'
 * ```
 */
export function localEndpoint(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (option || env[endpointEnv] || defaultLocalEndpoint).replace(/\/$/, '');
}
