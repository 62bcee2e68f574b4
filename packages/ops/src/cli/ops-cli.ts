/**
 * `sluice-ops`: the framework's operator commands (status, dlq, publish-message) as a program of
 * their own, for a project that has no CLI of its own (a created one runs it as `npm run ops --`).
 * It reads the project's generated contract (package.json's `eventContract`, in the working
 * directory), so it works in any project; an application with its own CLI composes the same
 * commands into it instead (the order application's `npx orders`).
 */
import { isEntry, main, versionOf, type ProgramSpec } from '@sluice/cli';
import { dlqCommand } from './dlq-command.ts';
import { publishMessageCommand } from './publish-command.ts';
import { statusCommand } from './status-command.ts';

/** The bin's name (scripts/build-packages.mjs installs it with @sluice/ops). */
const BIN = 'sluice-ops';

/**
 * What the user typed to start `sluice-ops`, for its help and messages: `npm run <script> --` when
 * an npm script whose command is `sluice-ops` started it (a created project's `npm run ops --`),
 * else `npx sluice-ops`.
 *
 * @param env - the environment npm sets `npm_lifecycle_event` and `npm_lifecycle_script` in; the process's by default
 * @returns the invocation to show
 * @example
 * ```ts
 * import { opsInvocation } from '@sluice/ops';
 *
 * opsInvocation({ npm_lifecycle_event: 'ops', npm_lifecycle_script: 'sluice-ops' }); // 'npm run ops --'
 * opsInvocation({}); // 'npx sluice-ops'
 * ```
 */
export function opsInvocation(env: NodeJS.ProcessEnv = process.env): string {
  const script = env.npm_lifecycle_event;
  // npx sets npm_lifecycle_event to 'npx' (and the script to the command it runs).
  if (script && script !== 'npx' && new RegExp(`^${BIN}(\\s|$)`).test(env.npm_lifecycle_script ?? '')) return `npm run ${script} --`;
  return `npx ${BIN}`;
}

const invocation = opsInvocation();

/**
 * The `sluice-ops` program: `status`, `dlq` (list, redrive, purge) and `publish-message`, against
 * the local stack (`npm start`) or AWS (`--aws`), for the project in the working directory. Its
 * `invocation` is {@link opsInvocation}'s, read when the module loads.
 *
 * @example
 * ```ts
 * import { runCli } from '@sluice/cli';
 * import { opsProgram } from '@sluice/ops';
 *
 * // What `npm run ops -- status` does in a created project.
 * const code = await runCli(opsProgram, ['status']);
 * ```
 */
export const opsProgram: ProgramSpec = {
  name: BIN,
  invocation,
  version: versionOf(new URL('../../package.json', import.meta.url)),
  summary: "operate the project's queues: status, dead letters, publishing; locally or on AWS",
  description: `Reads the project's generated contract (package.json's eventContract, in the working directory;
run \`npm run codegen\` first). By default it talks to the local stack (\`npm start\`) at
http://127.0.0.1:4566 (--endpoint or $SLUICE_ENDPOINT to change it); --aws talks to AWS.`,
  commands: [
    statusCommand,
    dlqCommand(),
    // Any send operation of the contract, from a JSON payload validated first.
    publishMessageCommand({ name: 'publish-message', invocation }),
  ],
  examples: ['status', 'dlq list', 'dlq list --aws', 'help publish-message'].map((args) => `${invocation} ${args}`),
};

if (isEntry(import.meta)) await main(opsProgram);
