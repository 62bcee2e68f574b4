/** `@orders/local/cli`: operator commands an application composes into its own CLI. */
export { dlqCommand, formatDeadLetters, type DlqCommandOptions } from './dlq-command.ts';
export { statusCommand } from './status-command.ts';
export { contractModule, targetOptions, withTarget, type ContractModule } from './target-options.ts';
export { formatTable } from './format-table.ts';
export { ProgressBar } from './progress-bar.ts';
