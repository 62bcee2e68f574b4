/**
 * Whether the plan's functions can be built: each one's `handler` (SST's `<file without
 * extension>.<export>`, relative to the project root) must name a file that exists. SST's build
 * would fail on a missing one only at `sst deploy`; `infra:plan` says so first.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plan } from './plan.ts';

/** The extensions SST's Node.js build tries for a handler's file, in its order. */
export const HANDLER_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

/** A function whose handler file is missing. */
export interface MissingHandler {
  /** The function's logical name in the plan (`TriageOrderTopicFunction`). */
  readonly function: string;
  /** Its handler, as the plan gives it (`node_modules/@sluice/runtime/src/triage/handler.handler`). */
  readonly handler: string;
  /** The file it names, relative to the root, without extension (`node_modules/@sluice/runtime/src/triage/handler`). */
  readonly file: string;
}

/**
 * The functions of `plan` whose handler file does not exist under `root` (none of
 * {@link HANDLER_EXTENSIONS} after the handler's path).
 *
 * @param plan - `planOf` of a synthesized stack
 * @param root - the project root the handlers are relative to
 * @returns each function that could not be built, in the plan's order; empty when all can
 * @example
 * ```ts
 * import { synthesize } from '@sluice/infra/plan';
 * import { missingHandlerFiles } from './handler-files.ts';
 * import { planOf } from './plan.ts';
 *
 * const missing = missingHandlerFiles(planOf(await synthesize({ stage: 'dev' })), process.cwd());
 * missing[0]?.file; // e.g. 'node_modules/@sluice/runtime/src/triage/handler'
 * ```
 */
export function missingHandlerFiles(plan: Plan, root: string): MissingHandler[] {
  const missing: MissingHandler[] = [];
  for (const resource of plan.resources) {
    if (resource.type !== 'aws:lambda/function:Function') continue;
    const handler = resource.properties.handler;
    if (typeof handler !== 'string') continue;
    const dot = handler.lastIndexOf('.');
    const file = dot > 0 ? handler.slice(0, dot) : handler;
    if (!HANDLER_EXTENSIONS.some((extension) => existsSync(path.resolve(root, `${file}${extension}`)))) missing.push({ function: resource.name, handler, file });
  }
  return missing;
}

/**
 * What `infra:plan` says about {@link missingHandlerFiles}: one line per function, naming the file
 * and what to do, or undefined when every handler file exists.
 *
 * @param missing - the functions whose handler file is missing
 * @returns the message, or undefined
 * @example
 * ```ts
 * import { missingHandlersMessage } from './handler-files.ts';
 *
 * missingHandlersMessage([{ function: 'ConsumeOrderPlacedFunction', handler: 'consumers/consumeOrderPlaced.handler', file: 'consumers/consumeOrderPlaced' }]);
 * // 'the deployment cannot be built: no handler file for 1 function:\n  - ConsumeOrderPlacedFunction (handler consumers/consumeOrderPlaced.handler): no file consumers/consumeOrderPlaced.ts, .js or …'
 * ```
 */
export function missingHandlersMessage(missing: readonly MissingHandler[]): string | undefined {
  if (missing.length === 0) return undefined;
  const lines = missing.map((m) => {
    const todo = m.file.split('/').includes('node_modules')
      ? 'the installed package lacks it: run npm install (a framework packed from its workspace: npm run build:packages, pack, then npm install the tarballs again)'
      : "write the consumer's handler there (the consumers folder of package.json's eventContract)";
    return `  - ${m.function} (handler ${m.handler}): no file ${m.file}.ts, .js or ${HANDLER_EXTENSIONS.filter((e) => e !== '.ts' && e !== '.js').join(', ')}; ${todo}`;
  });
  return `the deployment cannot be built: no handler file for ${missing.length} function${missing.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
