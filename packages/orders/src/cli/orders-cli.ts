/**
 * The `orders` command line: the order application's commands (publish, get, list) and the
 * framework's commands (publish-message for any send operation, dlq, status), on one convention
 * (`@sluice/cli`).
 */
import { versionOf, type ProgramSpec } from '@sluice/cli';
import { dlqCommand, publishMessageCommand, statusCommand } from '@sluice/ops';
import { getCommand, listCommand } from './order-commands.ts';
import { publishCommand } from './publish-command.ts';

export { moduleLoadFailure } from './load-failure.ts';

export const ordersProgram: ProgramSpec = {
  name: 'orders',
  invocation: 'npx orders',
  version: versionOf(new URL('../../package.json', import.meta.url)),
  summary: 'publish, read and repair orders, locally or on AWS',
  description: `By default the CLI talks to the local stack (\`npm start\`) at http://127.0.0.1:4566
(--endpoint or $SLUICE_ENDPOINT to change it); --aws talks to AWS. \`npm run orders -- <command>\`
works the same way.`,
  commands: [
    publishCommand,
    // Any send operation of the contract (a new message too), from a JSON payload validated first.
    publishMessageCommand({ name: 'publish-message', invocation: 'npx orders' }),
    getCommand,
    listCommand,
    // The framework's subject (its message's first field, orderId), as dlq list elsewhere and the console say it.
    dlqCommand(),
    statusCommand,
  ],
  examples: ['npx orders publish --item-name "Desk lamp" --quantity 2', 'npx orders list', 'npx orders dlq list', 'npx orders help publish'],
};
