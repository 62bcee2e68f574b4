/**
 * Message content printed on the operator's terminal cannot drive it: controls, ESC and bidi
 * controls are shown as escapes, by terminalSafe and by every table cell.
 */
import { describe, expect, it } from 'vitest';
import { formatTable, jsonParseProblem, terminalSafe, terminalSafeIndented, terminalSafeJson, terminalSafeLines, visibleText } from '@sluice/cli';

/** Sets the window title, rings the bell, clears the screen, then reverses the rest of the line. */
const hostile = 'ord-1\u001b]0;title\u0007\u001b[2J\u202eevil';

describe('terminalSafe', () => {
  it('shows ESC, BEL and a bidi override as escapes', () => {
    expect(terminalSafe(hostile)).toBe('ord-1\\x1b]0;title\\x07\\x1b[2J\\u202eevil');
  });

  it.each([
    ['newline', 'a\nb', 'a\\nb'],
    ['carriage return', 'a\rb', 'a\\rb'],
    ['tab', 'a\tb', 'a\\tb'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['8-bit CSI (C1)', 'a\u009b2Jb', 'a\\x9b2Jb'],
    ['every bidi embedding and override', '\u202a\u202b\u202c\u202d\u202e', '\\u202a\\u202b\\u202c\\u202d\\u202e'],
    ['every bidi isolate', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', '\u2028\u2029', '\\u2028\\u2029'],
  ])('escapes a %s', (_name, text, shown) => {
    expect(terminalSafe(text)).toBe(shown);
  });

  it('leaves printable text of any script alone, joiners and emoji included', () => {
    for (const text of ['Desk lamp', '桌灯', 'café', 'cafe\u0301', '👨‍👩‍👧', 'שלום', 'C:\\path']) expect(terminalSafe(text)).toBe(text);
  });

  it('keeps newlines and tabs in terminalSafeLines, and escapes the rest', () => {
    expect(terminalSafeLines(`line 1\n\tline 2${hostile}\r`)).toBe('line 1\n\tline 2ord-1\\x1b]0;title\\x07\\x1b[2J\\u202eevil\\r');
  });

  it('turns the line breaks of terminalSafeIndented into indented lines, and escapes the rest of each line', () => {
    expect(terminalSafeIndented(`first\nsecond${hostile}\r\n\tthird\n\n`, '  ')).toBe('first\n  secondord-1\\x1b]0;title\\x07\\x1b[2J\\u202eevil\n  \\tthird');
    expect(terminalSafeIndented('one line')).toBe('one line');
  });

  it('writes JSON whose strings hold no raw control or bidi character, and that parses back to the same value', () => {
    const value = { orderId: hostile, itemName: 'lamp\u009b\u2066' };
    const json = terminalSafeJson(value, 2);
    expect(json).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(json).toContain('\\u202e');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('formatTable', () => {
  it('escapes every cell and header, and still lines the columns up', () => {
    const table = formatTable(['orderId', 'item\u001b[31m'], [[hostile, 'lamp'], ['ord-2', 'a\nb']]);
    expect(table).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(table).toContain('ord-1\\x1b]0;title\\x07\\x1b[2J\\u202eevil');
    expect(table).toContain('item\\x1b[31m');
    const lines = table.split('\n');
    expect(lines).toHaveLength(4); // the newline in a cell did not forge a line
    expect(lines[3]!.indexOf('a\\nb')).toBe(lines[2]!.indexOf('lamp'));
  });
});

describe('jsonParseProblem', () => {
  const problem = (text: string) => {
    try {
      JSON.parse(text);
    } catch (error) {
      return jsonParseProblem(text, error);
    }
    throw new Error(`${text} parsed`);
  };

  it('names a byte-order mark at the start, and what to do; shows every other invisible character the parser quotes as an escape, in one line', () => {
    expect(problem('\uFEFF{"a": 1}')).toBe("it starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which JSON does not allow and JSON parsers (a consumer's too) refuse: save the file as UTF-8 without BOM");
    for (const [char, escaped] of [['\u00a0', '\\u00a0'], ['\u200b', '\\u200b'], ['\u2060', '\\u2060'], ['\uFEFF', '\\ufeff'], ['\u001b', '\\x1b'], ['\u202e', '\\u202e']] as const) {
      const said = problem(`{"a":\n${char}1}`);
      expect(said).toContain(`'${escaped}'`);
      expect(said).not.toMatch(/[\n\u00a0\u200b\u2060\uFEFF\u001b\u202e]/);
    }
    expect(visibleText('plain text, a tab\tand all')).toBe('plain text, a tab\\tand all');
  });
});
