/**
 * Constants of the local stack (the application's own numbers live in its settings module).
 */
import { CliError, isHttpUrl } from '@sluice/cli';

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
 * localEndpoint(undefined, { SLUICE_ENDPOINT: '127.0.0.1:4610' }); // throws: not an http(s) URL, set it to http://127.0.0.1:4610
 * ```
 * @throws CliError when `$SLUICE_ENDPOINT` is used and is not an http(s) URL (as `--endpoint` is
 *   checked): without this, every command said that no stack answers there
 */
export function localEndpoint(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = option ? undefined : env[endpointEnv];
  if (fromEnv) {
    if (!isHttpUrl(fromEnv)) {
      const guess = /^[\w.-]+:\d+\/?$/.test(fromEnv) ? `http://${fromEnv.replace(/\/$/, '')}` : defaultLocalEndpoint;
      throw new CliError(`${endpointEnv}=${JSON.stringify(fromEnv)} is not an http(s) URL`, { next: `Set it to the endpoint npm start printed, e.g. export ${endpointEnv}=${guess}, or unset it (the default is ${defaultLocalEndpoint}).` });
    }
  }
  return (option || fromEnv || defaultLocalEndpoint).replace(/\/$/, '');
}

/**
 * What the operator commands (`npx orders status`, a created project's `npm run ops -- dlq list`)
 * need to reach the local stack at `endpoint`: nothing when they find it by themselves (it is
 * {@link defaultLocalEndpoint} and `$SLUICE_ENDPOINT` does not point elsewhere), else the variable
 * they read, `SLUICE_ENDPOINT=<endpoint>`. `npm start` puts it in front of the commands it prints.
 *
 * @param endpoint - the running stack's endpoint (with `--port 0`, the port actually bound)
 * @param env - the environment the commands would run in; `process.env` by default
 * @returns the assignment to put before them, or undefined
 * @example
 * ```ts
 * import { endpointAssignment } from '@sluice/ops';
 *
 * endpointAssignment('http://127.0.0.1:4566', {}); // undefined
 * endpointAssignment('http://127.0.0.1:4610', {}); // 'SLUICE_ENDPOINT=http://127.0.0.1:4610'
 * ```
 */
export function endpointAssignment(endpoint: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let found: string | undefined;
  try {
    found = localEndpoint(undefined, env);
  } catch {
    found = undefined; // a $SLUICE_ENDPOINT that is no URL: the commands need the assignment
  }
  if (endpoint === defaultLocalEndpoint && found === endpoint) return undefined;
  return `${endpointEnv}=${endpoint}`;
}

/**
 * An operator command (`npx orders`, `npm run ops --`) as a line to copy that reaches the local
 * stack at `endpoint`: with {@link endpointAssignment}'s `SLUICE_ENDPOINT=<endpoint>` in front
 * when the command would not find it by itself; undefined when there is no command.
 *
 * @param command - the application's operator command (`eventContract.operatorCommand`), if any
 * @param endpoint - the running stack's endpoint
 * @param env - the environment the command would run in; `process.env` by default
 * @example
 * ```ts
 * import { operatorCommandAt } from '@sluice/ops';
 *
 * operatorCommandAt('npx orders', 'http://127.0.0.1:4610', {}); // 'SLUICE_ENDPOINT=http://127.0.0.1:4610 npx orders'
 * operatorCommandAt('npx orders', 'http://127.0.0.1:4566', {}); // 'npx orders'
 * ```
 */
export function operatorCommandAt(command: string | undefined, endpoint: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!command) return undefined;
  const assignment = endpointAssignment(endpoint, env);
  return assignment ? `${assignment} ${command}` : command;
}
