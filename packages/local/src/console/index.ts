/**
 * The local console (`npm start` serves it): the topology picture with live counts, the last
 * records, dead letters (open, redrive, purge) and publishing, through the CLI's code.
 */
export { startConsole, type ConsoleOptions, type LocalConsole } from './server.ts';
export { ConsoleError, ConsoleState, deadLetterNotFound, type ConsoleRecord, type ConsumerCounts, type DeadLetterPanel, type PublishableMessage, type QueueState, type RejectedAgainWarning } from './console-state.ts';
export { CONSOLE_TOKEN_HEADER, consoleRefusal, newConsoleToken } from './security.ts';
