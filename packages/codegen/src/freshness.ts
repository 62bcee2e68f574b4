/**
 * Whether `generated/` still matches the contract, without generating anything: the inputs hash
 * codegen writes into every generated file (sha256 of the spec, every local file it `$ref`s, the
 * generator's own files and the versions of the tools it runs), recomputed and compared.
 *
 * Light on purpose (no AsyncAPI parser): `infra:plan`, `npm start` and the `SluiceTopology`
 * component of `sst.config.ts` call it before they read the topology manifest, and refuse a stale
 * one naming `npm run codegen`. Also importable on its own as `@sluice/codegen/freshness`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractFiles, contractInputs } from './contract-files.ts';

/** The command that brings `generated/` up to date, as every refusal names it. */
export const CODEGEN_COMMAND = 'npm run codegen';

/**
 * The spec and every file it references through relative `$ref`s, recursively, sorted (absolute
 * paths): the inputs whose content the generated hash covers.
 *
 * @param specPath - the AsyncAPI document
 * @returns absolute paths, the spec included, sorted
 * @example
 * ```ts
 * import { collectInputs } from '@sluice/codegen';
 *
 * const inputs = collectInputs('asyncapi.yaml'); // ['/repo/asyncapi.yaml', '/repo/schemas/payment.json', ...]
 * ```
 */
export function collectInputs(specPath: string): string[] {
  return contractInputs(specPath, contractFiles());
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The generator's own files (codegen's generate module, `@sluice/model`'s topology derivation,
 * `@sluice/runtime`'s contract module) and the require function of the installed codegen, found
 * from `anchor` by package name: the same files from the workspace's sources (`.ts`) or from an
 * installed copy's JavaScript, and from inside a bundle too (where `import.meta.url` is the
 * bundle's).
 */
function generatorOf(anchor: string): { files: string[]; requireFromCodegen: NodeJS.Require } {
  const codegenIndex = createRequire(anchor).resolve('@sluice/codegen');
  const ext = path.extname(codegenIndex);
  const requireFromCodegen = createRequire(codegenIndex);
  const modelDir = path.dirname(requireFromCodegen.resolve('@sluice/model'));
  const runtimeContractDir = path.dirname(requireFromCodegen.resolve('@sluice/runtime/contract'));
  const files = [
    path.join(path.dirname(codegenIndex), `generate${ext}`),
    path.join(path.dirname(codegenIndex), `freshness${ext}`),
    // What generate reads and renders with (issue 18: standard documents).
    ...['read-contract', 'schemas', 'identifiers', 'formats', 'date-time-format', 'length-shortcuts'].map((f) => path.join(path.dirname(codegenIndex), `${f}${ext}`)),
    path.join(modelDir, `topology${ext}`),
    ...readdirSync(path.join(modelDir, 'topology'))
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => path.join(modelDir, 'topology', f)),
    ...['message', 'model', 'issues', 'rfc3339', 'formats', 'index'].map((f) => path.join(runtimeContractDir, `${f}${ext}`)),
  ];
  return { files, requireFromCodegen };
}

function toolVersion(requireFrom: NodeJS.Require, name: string): string {
  try {
    return JSON.parse(readFileSync(requireFrom.resolve(`${name}/package.json`), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

/** What {@link inputsHashOf} found. */
export interface InputsHash {
  /** The sha256 (hex) of the inputs and the generator. */
  hash: string;
  /** The inputs (see {@link collectInputs}), relative to the spec's folder, with `/`. */
  inputs: string[];
}

/**
 * The inputs hash `npm run codegen` writes into every generated file: sha256 of the spec and each
 * file it `$ref`s (by path relative to the spec's folder and content), the generator's own files
 * and the versions of the tools it runs.
 *
 * @param specPath - the AsyncAPI document
 * @param anchor - where to find `@sluice/codegen` from (a file or folder path, or a `file:` URL);
 *   default this module's own location
 * @returns the hash and the inputs it covers
 * @example
 * ```ts
 * import { inputsHashOf } from '@sluice/codegen/freshness';
 *
 * const { hash, inputs } = inputsHashOf('asyncapi.yaml');
 * console.log(hash, inputs.join(', '));
 * ```
 */
export function inputsHashOf(specPath: string, anchor: string = fileURLToPath(import.meta.url)): InputsHash {
  const spec = path.resolve(specPath);
  const root = path.dirname(spec);
  const inputs = collectInputs(spec);
  const from = anchor.startsWith('file:') ? fileURLToPath(anchor) : anchor;
  const { files, requireFromCodegen } = generatorOf(existsSync(from) && !from.endsWith('.ts') && !from.endsWith('.js') ? path.join(from, 'package.json') : from);
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(path.relative(root, file).replace(/\\/g, '/')).update('\0').update(sha256(readFileSync(file))).update('\0');
  for (const file of files) hash.update(path.basename(file)).update('\0').update(sha256(readFileSync(file))).update('\0');
  for (const tool of ['@asyncapi/modelina', 'ajv', 'esbuild']) hash.update(`${tool}@${toolVersion(requireFromCodegen, tool)}\0`);
  return { hash: hash.digest('hex'), inputs: inputs.map((f) => path.relative(root, f).replace(/\\/g, '/')) };
}

/**
 * The inputs hash a generated file's header (or package.json's `//` line) records, if any.
 *
 * @param text - a generated file's text
 * @returns the hash (64 hex digits), or undefined when the text records none
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { recordedInputsHash } from '@sluice/codegen/freshness';
 *
 * const recorded = recordedInputsHash(readFileSync('generated/topology.json', 'utf8'));
 * ```
 */
export function recordedInputsHash(text: string): string | undefined {
  return /inputs hash(?: \(sha256 of inputs and generator\):)? ([0-9a-f]{64})/i.exec(text)?.[1];
}

/** A generated folder that does not match its contract: the message names the command to run. */
export class StaleGeneratedError extends Error {
  override name = 'StaleGeneratedError';
  /** Always `npm run codegen`. */
  readonly command = CODEGEN_COMMAND;
}

/** The part of a project {@link checkGeneratedFresh} reads (a `ProjectConfig` of `@sluice/model` fits). */
export interface FreshnessProject {
  /** The project root (where package.json is): `@sluice/codegen` is found from here first. */
  root: string;
  /** The AsyncAPI document (absolute path). */
  spec: string;
  /** The generated folder (absolute path). */
  generated: string;
}

/**
 * Why `generated/` does not match the contract, or undefined when it does: the topology manifest
 * is missing, records no inputs hash, or records another hash than the contract and the installed
 * generator give now (the contract or a schema it references changed since `npm run codegen`, or
 * the framework did).
 *
 * @param project - the project's root, spec and generated folder
 * @returns the reason, naming `npm run codegen`, or undefined
 * @example
 * ```ts
 * import { staleGeneratedReason } from '@sluice/codegen/freshness';
 * import { loadProject } from '@sluice/model';
 *
 * const reason = staleGeneratedReason(loadProject());
 * if (reason) console.error(reason);
 * ```
 */
export function staleGeneratedReason(project: FreshnessProject): string | undefined {
  const shown = (file: string) => {
    const relative = path.relative(project.root, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };
  const manifest = path.join(project.generated, 'topology.json');
  const spec = shown(project.spec);
  if (!existsSync(manifest)) return `${shown(manifest)} is missing: run \`${CODEGEN_COMMAND}\` to generate it from ${spec}.`;
  const recorded = recordedInputsHash(readFileSync(manifest, 'utf8'));
  if (!recorded) return `${shown(manifest)} records no inputs hash (not written by codegen?): run \`${CODEGEN_COMMAND}\` to generate it from ${spec}.`;
  let current: InputsHash;
  try {
    try {
      current = inputsHashOf(project.spec, path.join(project.root, 'package.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
      // The project does not resolve the framework by itself (a fixture run by this repository's codegen).
      current = inputsHashOf(project.spec);
    }
  } catch (error) {
    // A file the contract refers to is gone: said as such (it was Node's bare ENOENT, naming no $ref).
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT' ? (error as NodeJS.ErrnoException).path : undefined;
    if (!missing) throw error;
    return `${spec} refers to ${shown(missing)}, which does not exist (a $ref to a missing file): generated/ was written from a contract that had it. Correct the $ref (\`${CODEGEN_COMMAND}\` says where it is written), then run \`${CODEGEN_COMMAND}\`.`;
  }
  if (current.hash === recorded) return undefined;
  return `${shown(project.generated)}/ is stale: it does not match ${current.inputs.join(', ')} (or the framework's generator) any more. Run \`${CODEGEN_COMMAND}\`, then try again.`;
}

/**
 * Throws {@link StaleGeneratedError} when `generated/` does not match the contract (see
 * {@link staleGeneratedReason}); what `infra:plan`, `npm start` and `SluiceTopology` call first.
 *
 * @param project - the project's root, spec and generated folder
 * @throws StaleGeneratedError naming `npm run codegen`
 * @example
 * ```ts
 * import { assertGeneratedFresh } from '@sluice/codegen/freshness';
 * import { loadProject } from '@sluice/model';
 *
 * assertGeneratedFresh(loadProject()); // throws when asyncapi.yaml changed since npm run codegen
 * ```
 */
export function assertGeneratedFresh(project: FreshnessProject): void {
  const reason = staleGeneratedReason(project);
  if (reason) throw new StaleGeneratedError(reason);
}
