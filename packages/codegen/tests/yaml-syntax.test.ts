/**
 * A YAML syntax error is said where its author fixes it and in words a contract's author acts on:
 * a second document by the line that starts it, a tab in the indentation under the tab, a file
 * that starts with a byte order mark at the column its author sees.
 */
import { describe, expect, it } from 'vitest';
import { yamlSyntaxErrors } from '@sluice/codegen/parse';

describe('yamlSyntaxErrors', () => {
  it('says a second document by its --- line: remove it, or move it to a file of its own (not an API of the yaml package)', () => {
    const [error, ...more] = yamlSyntaxErrors('asyncapi: 3.0.0\ninfo: { title: t, version: 1.0.0 }\n---\nchannels: {}\n');
    expect(more).toEqual([]);
    expect(error).toEqual({
      line: 3,
      column: 1,
      message: 'a contract is one YAML document: remove the `---` line (line 3) and what follows it, or move that document to a file of its own',
      frame: ['2 | info: { title: t, version: 1.0.0 }', '3 | ---', '  | ^', '4 | channels: {}'],
    });
  });

  it('says a second document after a `...` line by the line it starts on', () => {
    const [error] = yamlSyntaxErrors('asyncapi: 3.0.0\n...\nchannels: {}\n');
    expect(error!.line).toBe(3);
    expect(error!.message).toBe('a contract is one YAML document: a second one starts at line 3: remove it and what follows it, or move that document to a file of its own');
  });

  it('puts the caret of a tab in the indentation on the tab, not on the key after it', () => {
    expect(yamlSyntaxErrors('info:\n\ttitle: t\n')).toEqual([
      { line: 2, column: 1, message: 'Tabs are not allowed as indentation', frame: ['1 | info:', '2 | \ttitle: t', '  | ^'] },
    ]);
    const [after] = yamlSyntaxErrors('info:\n  \ttitle: t\n');
    expect(after!.column, JSON.stringify(after)).toBe(3);
  });

  it('counts columns of the first line after a byte order mark, and shows the line without it', () => {
    const [error] = yamlSyntaxErrors('\uFEFFa: 1\n b: 2\n');
    expect(error).toMatchObject({ line: 1, column: 4, frame: ['1 | a: 1', '  |    ^', '2 |  b: 2'] });
    // Lines after the first are not moved.
    const [second] = yamlSyntaxErrors('\uFEFFa:\n  b: 1\n c: 2\n');
    expect(second).toMatchObject({ line: 3, column: 2, frame: ['2 |   b: 1', '3 |  c: 2', '  |  ^'] });
  });
});
