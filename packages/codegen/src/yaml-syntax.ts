/**
 * A contract file that does not read as YAML, said as its author fixes it: each syntax error of
 * the `yaml` package at the line and column of what is out of place (the key of a mis-indented
 * line, not the indentation before it, where the package points), in its words (their first
 * line, without the place and the code frame it appends after a colon), with the line as written
 * between the ones before and after it, a caret under the column.
 */
import { type Document, LineCounter, parseDocument } from 'yaml';

/** One syntax error of a YAML file. */
export interface YamlSyntaxError {
  /** The 1-based line of what is out of place. */
  line: number;
  /** The 1-based column: of the first character written on the line when the `yaml` package points into its indentation (of a tab in it, if any); a byte order mark not counted. */
  column: number;
  /** What is wrong, in the `yaml` package's words (`All mapping items must start at the same column`). */
  message: string;
  /** The line as written, a caret under the column, between the lines before and after it (when written): the lines said after the error. */
  frame: string[];
}

/**
 * The syntax errors of a YAML (or JSON) text, each at the place to fix; none when it reads.
 *
 * @param text - the file's text
 * @param parsed - the text as parsed already, with the line counter it was parsed with
 * @example
 * ```ts
 * import { yamlSyntaxErrors } from '@sluice/codegen/parse';
 *
 * const [error] = yamlSyntaxErrors('a:\n  b: 1\n c: 2\n');
 * // { line: 3, column: 2, message: 'All mapping items must start at the same column', frame: ['2 |   b: 1', '3 |  c: 2', '  |  ^'] }
 * ```
 */
export function yamlSyntaxErrors(text: string, parsed?: { doc: Document; lines: LineCounter }): YamlSyntaxError[] {
  const { doc, lines } =
    parsed ??
    (() => {
      const counter = new LineCounter();
      return { doc: parseDocument(text, { lineCounter: counter }), lines: counter };
    })();
  // A byte order mark is counted by the package as a character of line 1, but not seen by its author.
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  const written = text.slice(bom).split(/\r?\n/);
  return doc.errors.map((e) => {
    const { line, col: counted } = lines.linePos(e.pos[0]);
    const col = line === 1 ? Math.max(1, counted - bom) : counted;
    const source = written[line - 1] ?? '';
    const indentation = /^[ \t]*/.exec(source)![0];
    // The package points a mis-indented line at its start: the author looks for the key. A tab in
    // the indentation is what is out of place: the caret goes on it.
    const tab = indentation.indexOf('\t', col - 1);
    const column = col > indentation.length || indentation.length === source.length ? col : tab >= 0 ? tab + 1 : indentation.length + 1;
    const message = e.code === 'MULTIPLE_DOCS' ? secondDocument(source, line) : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
    return { line, column, message, frame: frameOf(written, line, column) };
  });
}

/** What to do about a second document in a contract, starting at `line` (`source`, as written). */
function secondDocument(source: string, line: number): string {
  const start = source.startsWith('---') ? `remove the \`---\` line (line ${line}) and what follows it` : `a second one starts at line ${line}: remove it and what follows it`;
  return `a contract is one YAML document: ${start}, or move that document to a file of its own`;
}

/**
 * Line `line` of `written`, numbered, with a caret under `column`, between the lines before and
 * after it (when written): a line indented too far is often read on as part of the one before
 * (`address: PingQueue` then `messages:`, one space too far in, is one multi-line key), and said there.
 */
function frameOf(written: readonly string[], line: number, column: number): string[] {
  const width = String(line + 1).length;
  const numbered = (n: number) => `${String(n).padStart(width)} | ${written[n - 1]}`;
  const shown = (n: number) => n >= 1 && n <= written.length && written[n - 1]!.trim() !== '';
  // A tab stays a tab under the line, so the caret stands under the column however tabs are shown.
  const pad = (written[line - 1] ?? '').slice(0, column - 1).replace(/[^\t]/g, ' ');
  return [...(shown(line - 1) ? [numbered(line - 1)] : []), numbered(line), `${' '.repeat(width)} | ${pad}^`, ...(shown(line + 1) ? [numbered(line + 1)] : [])];
}

/**
 * One syntax error as a problem's text: its words, then its frame on the lines after, each
 * indented by `indent` (under the problem's line).
 *
 * @example
 * ```ts
 * import { yamlSyntaxErrors, yamlSyntaxProblem } from '@sluice/codegen/parse';
 *
 * for (const e of yamlSyntaxErrors('a:\n  b: 1\n c: 2\n')) console.error(`asyncapi.yaml (line ${e.line}, column ${e.column}): ${yamlSyntaxProblem(e)}`);
 * ```
 */
export function yamlSyntaxProblem(error: YamlSyntaxError, indent = '      '): string {
  return [error.message, ...error.frame.map((l) => `${indent}${l}`)].join('\n');
}
