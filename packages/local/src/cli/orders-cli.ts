/**
 * The `orders` command line: dispatches to the commands, turns errors into messages that say
 * what to do next, and returns an exit code (0 ok, 1 failed, 2 usage error).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { PipelineTarget } from '../pipeline-target.ts';
import type { CliCommand, CliContext, CliIO } from './cli-context.ts';
import { dlqCommands } from './dlq-commands.ts';
import { getCommand, listCommand } from './order-commands.ts';
import { publishCommand } from './publish-command.ts';

const commands: readonly CliCommand[] = [publishCommand, getCommand, listCommand];

const help = `Usage: npm run orders -- <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}
${dlqCommands.map((c) => `  dlq ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Every command takes --help. By default the CLI talks to the local stack (\`npm start\`) at
http://127.0.0.1:4566 (--endpoint or $ORDERS_ENDPOINT to change it); --aws talks to AWS.

Examples:
  npm run orders -- publish --item-name "Desk lamp" --quantity 2
  npm run orders -- list
  npm run orders -- dlq list`;

const dlqHelp = `Usage: npm run orders -- dlq <list|redrive|purge> [options]

${dlqCommands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}`;

/** Terminal I/O of the real process. */
export function processIO(): CliIO {
  const io: CliIO = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    progress: process.stderr,
  };
  if (process.stdin.isTTY) {
    io.confirm = async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    };
  }
  return io;
}

function targetOf(args: string[]): PipelineTarget {
  // Only the target flags matter here; each command validates its own flags fully.
  const { values } = parseArgs({ args, strict: false, options: { endpoint: { type: 'string' }, aws: { type: 'boolean' } } });
  return new PipelineTarget({
    ...(typeof values.endpoint === 'string' ? { endpoint: values.endpoint } : {}),
    aws: values.aws === true,
  });
}

/**
 * Runs one `orders` invocation.
 *
 * @example
 * process.exitCode = await runOrdersCli(process.argv.slice(2), processIO());
 */
export async function runOrdersCli(argv: string[], io: CliIO): Promise<number> {
  const [first, second, ...rest] = argv;
  let command: CliCommand | undefined;
  let args: string[];
  if (first === 'dlq') {
    command = dlqCommands.find((c) => c.name === second);
    args = rest;
    if (!command) {
      if (second === undefined || second === '--help' || second === '-h') {
        io.out(dlqHelp);
        return second === undefined ? 2 : 0;
      }
      io.err(`Unknown dlq command ${JSON.stringify(second)}.\n\n${dlqHelp}`);
      return 2;
    }
  } else {
    command = commands.find((c) => c.name === first);
    args = second === undefined ? [] : [second, ...rest];
    if (!command) {
      if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
        io.out(help);
        return first === undefined ? 2 : 0;
      }
      io.err(`Unknown command ${JSON.stringify(first)}.\n\n${help}`);
      return 2;
    }
  }
  const target = targetOf(args);
  const context: CliContext = { ...io, target };
  try {
    return await command.run(args, context);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.err(`${e.message}\n\n${command.help}`);
      return 2;
    }
    io.err(`orders ${first === 'dlq' ? `dlq ${command.name}` : command.name} failed (${target.describe()}): ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
    if (e.name === 'CredentialsProviderError') io.err('No AWS credentials: configure a profile (aws configure / AWS_PROFILE) or use the local stack (drop --aws).');
    return 1;
  } finally {
    target.destroy();
  }
}
