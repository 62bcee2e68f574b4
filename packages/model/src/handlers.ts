/**
 * The convention that finds the code handling each receive operation: a file named after the
 * operation id in the consumers folder (`consumers/consumePaymentCaptured.ts`), exporting
 * `handler` built with `defineConsumer(operations.consumePaymentCaptured, …)`. The framework wires the
 * rest: the local runtime runs it, `sst.config.ts` deploys it as `<file>.handler`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Topology } from '@sluice/runtime/contract';
import { loadProject } from './project.ts';

/** `operations.<id>` as code writes it: `.id`, or `["id"]` for an id that is no identifier (`on-order-placed`, `orders.placed`). */
function operationAccess(id: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(id) ? `operations.${id}` : `operations[${JSON.stringify(id)}]`;
}

/** Whether `source` names the operation `id` of `operations`, either way: `operations.id`, `operations['id']`, `operations["id"]`. */
function usesOperation(source: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\boperations\\s*(?:\\??\\.\\s*${escaped}(?![\\w$])|\\[\\s*(['"\`])${escaped}\\1\\s*\\])`).test(source);
}

/** Source extensions a handler file may have, in the order they are looked for. */
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * The handler file of a receive operation, if it exists: `<consumersDir>/<operationId>` with the
 * first of `.ts`, `.mts`, `.js`, `.mjs` that exists.
 *
 * @param consumersDir - the consumers folder (absolute, or relative to the working directory)
 * @param operationId - the receive operation's id
 * @returns the file's path, or undefined when there is none
 * @example
 * ```ts
 * import { handlerFileOf, loadProject } from '@sluice/model';
 *
 * const file = handlerFileOf(loadProject().consumers, 'consumePaymentCaptured');
 * // '/repo/consumers/consumePaymentCaptured.ts', or undefined
 * ```
 */
export function handlerFileOf(consumersDir: string, operationId: string): string | undefined {
  return EXTENSIONS.map((ext) => path.join(consumersDir, `${operationId}${ext}`)).find((file) => existsSync(file));
}

/**
 * What is missing or left over between the contract's receive operations and the consumers folder,
 * each as one line saying what to add or remove. Empty when they match.
 *
 * @param topology - the topology manifest (its receive operations)
 * @param consumersDir - the consumers folder
 * @param root - the project root: paths in the lines are relative to it
 * @param contractPackage - the generated package the handler to write imports; the project's at `root` by default (see {@link loadProject})
 * @returns one line per problem
 * @example
 * ```ts
 * import { checkHandlers, loadProject } from '@sluice/model';
 * import type { Topology } from '@sluice/runtime/contract';
 *
 * declare const topology: Topology;
 * const project = loadProject();
 * checkHandlers(topology, project.consumers, project.root, project.contractPackage);
 * // ['receive operation consumePaymentRefunded has no handler: create consumers/consumePaymentRefunded.ts …']
 * ```
 */
export function checkHandlers(topology: Topology, consumersDir: string, root: string, contractPackage?: string): string[] {
  const shown = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const problems: string[] = [];
  const receive = Object.values(topology.operations).filter((o) => o.action === 'receive');
  for (const op of receive) {
    const file = handlerFileOf(consumersDir, op.id);
    if (!file) {
      problems.push(
        `receive operation ${op.id} has no handler: create ${shown(path.join(consumersDir, `${op.id}.ts`))} with\n` +
          `      import { operations } from '${contractPackage ?? loadProject(root).contractPackage}';\n` +
          `      import { defineConsumer } from '@sluice/runtime/consumer';\n` +
          `      export const handler = defineConsumer(${operationAccess(op.id)}, async (message, context) => { … });`,
      );
      continue;
    }
    const source = readFileSync(file, 'utf8');
    if (!/export\s+(const|let|var|async\s+function|function)\s+handler\b|export\s*\{[^}]*\bhandler\b[^}]*\}/.test(source)) {
      problems.push(`${shown(file)} exports no \`handler\`: export const handler = defineConsumer(${operationAccess(op.id)}, …)`);
    } else if (!usesOperation(source, op.id)) {
      problems.push(`${shown(file)} does not use ${operationAccess(op.id)}: its handler must be defineConsumer(${operationAccess(op.id)}, …)`);
    }
  }
  const known = new Set(receive.map((o) => o.id));
  const files = existsSync(consumersDir) ? readdirSync(consumersDir, { withFileTypes: true }) : [];
  for (const entry of files) {
    if (!entry.isFile()) continue;
    const ext = EXTENSIONS.find((e) => entry.name.endsWith(e));
    if (!ext || entry.name.endsWith('.d.ts') || /\.(test|spec)\./.test(entry.name)) continue;
    const id = entry.name.slice(0, -ext.length);
    if (!known.has(id)) {
      const candidates = [...known].join(', ') || 'none';
      problems.push(`${shown(path.join(consumersDir, entry.name))} handles no receive operation of the contract (receive operations: ${candidates}): rename it after one, add operation ${id} to the contract, or move shared code out of ${shown(consumersDir)}/`);
    }
  }
  return problems;
}
