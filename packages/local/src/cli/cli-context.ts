/**
 * What every `orders` command receives: where to write, how to ask, and the pipeline it talks to.
 */
import type { PipelineTarget } from '../pipeline-target.ts';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress output (a terminal gets a redrawn bar). */
  progress: { write(s: string): unknown; isTTY?: boolean };
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface CliContext extends CliIO {
  target: PipelineTarget;
}

/** A CLI command: `--help` text and the action. Returns the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  help: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/** Flags every command accepts. */
export const targetFlags = {
  endpoint: { type: 'string' },
  aws: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const targetFlagsHelp = `Target:
  --endpoint <url>  local stack endpoint (default $ORDERS_ENDPOINT or http://127.0.0.1:4566)
  --aws             talk to AWS instead: default credentials/region; resources from SST links
                    (sst shell -- npm run orders …) or ORDERS_TABLE_NAME, ORDER_TOPIC_ARN,
                    ORDER_QUEUE_URL, ORDER_DLQ_URL
  -h, --help        this help`;
