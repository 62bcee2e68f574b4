/**
 * Fields written beside a `$ref` in an SNS or SQS binding. AsyncAPI's Reference Object takes its
 * target alone ("any properties added SHALL be ignored"), and the parser does so: in
 * `queue: { $ref: '#/components/x-queues/audit', visibilityTimeout: 77 }` the 77 is gone before the
 * framework reads the binding, which would then be deployed without it. Found where they are
 * written, before the parser, and refused with what to change.
 */
import path from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import { contractFiles, type ContractFiles } from './contract-files.ts';
import { nodeAtFragment } from './written-places.ts';

/** One field (or several) beside a binding's `$ref`: a `ContractDiagnostic` of parse-contract.ts, found where it is written. */
export interface RefSiblingProblem {
  /** The path into the spec (empty when the place is in another file, named in `message`). */
  path: (string | number)[];
  /** What is wrong and what to change. */
  message: string;
  /** The line, in the spec. */
  line?: number;
  /** The file (absolute), the JSON pointer in it, and the message led by its line. */
  written: { file: string; pointer: string; problem: string };
}

/** The bindings the framework reads and deploys. */
const DEPLOYED_BINDINGS = new Set(['sns', 'sqs']);

/** Whether `where` (a path from the spec's root) is inside an SNS or SQS binding. */
function insideBinding(where: readonly string[]): boolean {
  for (let i = 0; i < where.length - 1; i++) {
    if (where[i] === 'bindings' && DEPLOYED_BINDINGS.has(where[i + 1]!)) return true;
  }
  // components.channelBindings.<name>.sqs, and the other kinds of binding
  return where[0] === 'components' && /Bindings$/.test(where[1] ?? '') && DEPLOYED_BINDINGS.has(where[3] ?? '');
}

const segment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Every object of an SNS or SQS binding (of a channel, operation, message or server, or of
 * `components.*Bindings`, and what their `$ref`s reach, in the spec or in another local file) that
 * has fields beside its `$ref`: one error each, where it is written (`written`: file, pointer,
 * line), naming the fields and saying to move them into the `$ref`'s target or to write the object
 * out without the `$ref`. `x-` extensions beside a `$ref` are let be: nothing deploys them.
 *
 * @param specPath - the AsyncAPI document
 * @param files - where the files are read from (parseContract shares one reading between its checks)
 * @returns one diagnostic per such object (none when every binding `$ref` stands alone)
 * @example
 * ```ts
 * import { bindingRefSiblings } from '@sluice/codegen/parse';
 *
 * for (const d of bindingRefSiblings('asyncapi.yaml')) console.error(`${d.written!.file}#${d.written!.pointer}: ${d.written!.problem}`);
 * ```
 */
export function bindingRefSiblings(specPath: string, files: ContractFiles = contractFiles()): RefSiblingProblem[] {
  const spec = path.resolve(specPath);
  const load = (file: string) => files.written(file);
  const errors: RefSiblingProblem[] = [];
  const keyOf = (pair: { key: unknown }) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
  // Each part of a file to walk, and whether it is (reached from) inside a binding.
  const queue: [file: string, fragment: string, binding: boolean][] = [[spec, '', false]];
  const queued = new Set<string>([`${spec}#\0false`]);
  // Each node once as part of a binding, once as not (a YAML alias can make one that contains itself).
  const walked = { true: new WeakSet<object>(), false: new WeakSet<object>() };
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [file, fragment, fromBinding] = next;
    const loaded = load(file);
    if (!loaded) continue;
    const { doc, lines } = loaded;
    const start = nodeAtFragment(doc, fragment);
    if (!start) continue;
    const { node, at } = start;
    const walk = (value: unknown, where: string[], binding: boolean) => {
      if (isAlias(value)) value = value.resolve(doc);
      if (!isMap(value) && !isSeq(value)) return;
      // Inside a binding, in the spec: the path says so; elsewhere, the $ref that reached it.
      const inBinding = binding || (file === spec && insideBinding(where));
      if (walked[`${inBinding}`].has(value)) return;
      walked[`${inBinding}`].add(value);
      if (isSeq(value)) return value.items.forEach((item, i) => walk(item, [...where, String(i)], inBinding));
      const pairs = value.items.filter(isPair);
      const refPair = pairs.find((p) => keyOf(p) === '$ref');
      const ref = refPair && (isAlias(refPair.value) ? refPair.value.resolve(doc) : refPair.value);
      const target = isScalar(ref) && typeof ref.value === 'string' ? ref.value : undefined;
      if (inBinding && target !== undefined) {
        const beside = pairs.map(keyOf).filter((k) => k !== '$ref' && !k.startsWith('x-'));
        if (beside.length > 0) {
          const line = lines.linePos((refPair!.key as { range?: number[] }).range?.[0] ?? 0).line;
          const pointer = `/${where.map(segment).join('/')}`;
          const fields = beside.join(', ');
          const problem = `${fields} ${beside.length === 1 ? 'is' : 'are'} written beside $ref ${JSON.stringify(target)}: AsyncAPI reads a $ref's target alone and ignores what is beside it, so ${beside.length === 1 ? 'it' : 'they'} would not be deployed. Move ${fields} into ${target}, or write the object out in full without the $ref`;
          const written = { file, pointer, problem: `(line ${line}) ${problem}` };
          if (file === spec) errors.push({ path: where, message: problem, line, written });
          else errors.push({ path: [], message: `${path.relative(path.dirname(spec), file)}#${pointer} (line ${line}): ${problem}`, written });
        }
      }
      for (const pair of pairs) {
        const k = keyOf(pair);
        if (k !== '$ref') {
          walk(pair.value, [...where, k], inBinding);
          continue;
        }
        // Follow a local $ref from inside a binding: its target is read as part of the binding.
        if (!inBinding || target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [name = '', part = ''] = target.split('#');
        const reached = name ? path.resolve(path.dirname(file), name) : file;
        const id = `${reached}#${part}\0true`;
        if (queued.has(id)) continue;
        queued.add(id);
        queue.push([reached, part ? part : '', true]);
      }
    };
    walk(node, at, fromBinding);
  }
  return errors;
}
