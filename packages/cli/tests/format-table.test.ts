/**
 * `orders list`, `dlq list` and `status` print tables: columns must line up on a terminal whatever
 * the script of the cells, so widths are measured in display columns, not UTF-16 code units.
 */
import { describe, expect, it } from 'vitest';
import { displayWidth, formatTable } from '../src/format-table.ts';

describe('displayWidth', () => {
  it.each([
    ['ASCII', 'Desk lamp', 9],
    ['CJK ideographs', '桌灯', 4],
    ['Hangul syllables', '한국어', 6],
    ['Hangul from conjoining jamo', '\u1112\u1161\u11ab', 2],
    ['fullwidth Latin', 'ＡＢ', 4],
    ['halfwidth katakana', 'ｶﾀｶﾅ', 4],
    ['ideographic punctuation', '、。', 4],
    ['a precomposed accent', 'caf\u00e9', 4],
    ['a combining accent', 'cafe\u0301', 4],
    ['stacked combining marks', 'e\u0301\u0302', 1],
    ['an emoji', '👍', 2],
    ['an emoji with a skin tone', '👍🏽', 2],
    ['a ZWJ family', '👨‍👩‍👧', 2],
    ['a ZWJ profession with a skin tone', '🧑🏽‍💻', 2],
    ['a flag', '🇯🇵', 2],
    ['a keycap', '1️⃣', 2],
    ['a text symbol with the emoji selector', '❤️', 2],
    ['a text symbol without it', '❤', 1],
    ['©', '©', 1],
    ['a zero-width space', 'a\u200bb', 2],
    ['mixed', '🛋️ sofa ソファ', 14],
  ])('%s: %j is %i columns', (_what, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('measures ASCII, controls included, as it measures the same characters beside text that is not ASCII', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
    // One character at a time, and every control with its neighbours (CR LF is one grapheme).
    for (const text of [...ascii, ascii.join(''), 'a\tb\r\nc']) expect(displayWidth(text), JSON.stringify(text)).toBe(displayWidth(`${text}é`) - 1);
  });
});

describe('formatTable', () => {
  it('leaves ASCII tables as they were', () => {
    expect(formatTable(['id', 'qty'], [['a', '1']])).toBe('id  qty\n--  ---\na   1');
    expect(
      formatTable(
        ['orderId', 'status', 'quantity'],
        [
          ['ord-1', 'PENDING', '2'],
          ['ord-22', 'SHIPPED', '10'],
        ],
      ),
    ).toBe(['orderId  status   quantity', '-------  -------  --------', 'ord-1    PENDING  2', 'ord-22   SHIPPED  10'].join('\n'));
  });

  const rows = [
    ['桌灯', 'PENDING', '2'],
    ['cafe\u0301 au lait', 'PAID', '1'],
    ['👨‍👩‍👧 family set', 'SHIPPED', '3'],
    ['🇯🇵 flag', 'PENDING', '4'],
    ['ｶﾀｶﾅ ＡＢ', 'PAID', '5'],
    ['Desk lamp', 'PENDING', '6'],
  ] as const;

  it('pads CJK, emoji and combining accents to the same display width', () => {
    // The first column is 13 columns wide ("👨‍👩‍👧 family set": 2 + 11), then two spaces.
    expect(formatTable(['itemName', 'status', 'quantity'], rows).split('\n')).toEqual([
      'itemName       status   quantity',
      '-------------  -------  --------',
      '桌灯           PENDING  2',
      'cafe\u0301 au lait   PAID     1',
      '👨‍👩‍👧 family set  SHIPPED  3',
      '🇯🇵 flag        PENDING  4',
      'ｶﾀｶﾅ ＡＢ      PAID     5',
      'Desk lamp      PENDING  6',
    ]);
  });

  it('starts every column at the same display column on every line', () => {
    const lines = formatTable(['itemName', 'status', 'quantity'], rows).split('\n');
    const cells = [['itemName', 'status', 'quantity'], ['-------------', '-------', '--------'], ...rows];
    const starts = lines.map((line, i) => {
      const [, status, quantity] = cells[i]!;
      const statusAt = line.indexOf(status!, cells[i]![0]!.length);
      const quantityAt = line.indexOf(quantity!, statusAt + status!.length);
      return [displayWidth(line.slice(0, statusAt)), displayWidth(line.slice(0, quantityAt))];
    });
    for (const start of starts) expect(start).toEqual(starts[0]);
  });
});

describe('loading the module', () => {
  /**
   * Every command imports `@sluice/cli`, and most never measure a cell that is not ASCII. ICU's
   * grapheme segmenter and the RGI emoji set took 40–90 ms at each command's start when the module
   * made them as it loaded. Here the module is loaded afresh (a query makes it a module of its
   * own) with both constructors counted.
   */
  it('makes neither the grapheme segmenter nor the RGI emoji set until a text that is not ASCII is measured (controls included)', async () => {
    const made: string[] = [];
    const NativeSegmenter = Intl.Segmenter;
    const NativeRegExp = globalThis.RegExp;
    // Only these two are counted: whatever else builds a RegExp meanwhile (vitest itself) is not this module's.
    const counted = <T extends abstract new (...args: never[]) => object>(native: T, name: (args: unknown[]) => string | undefined) =>
      new Proxy(native, {
        construct: (target, args, newTarget) => {
          const what = name(args);
          if (what !== undefined) made.push(what);
          return Reflect.construct(target, args, newTarget);
        },
      });
    Object.defineProperty(Intl, 'Segmenter', { value: counted(NativeSegmenter, () => 'Intl.Segmenter'), configurable: true, writable: true });
    globalThis.RegExp = counted(NativeRegExp, (args) => (String(args[0]).includes('RGI_Emoji') ? `RegExp ${String(args[0])}` : undefined));
    try {
      const fresh = '../src/format-table.ts?loaded-afresh';
      const { displayWidth: width, formatTable: table } = (await import(/* @vite-ignore */ fresh)) as typeof import('../src/format-table.ts');
      expect(made).toEqual([]);
      expect(table(['id', 'qty'], [['a', '1']])).toBe('id  qty\n--  ---\na   1');
      // ASCII with controls (a tab, a line ending, DEL: no column each) needs neither.
      expect(width('a\tb\r\n\x7f')).toBe(2);
      expect(made).toEqual([]);
      expect(width('桌灯 👍')).toBe(7);
      expect(width('🇯🇵')).toBe(2);
      // Made once, on the first text that needed them.
      expect(made).toEqual(['Intl.Segmenter', 'RegExp ^\\p{RGI_Emoji}$']);
    } finally {
      Object.defineProperty(Intl, 'Segmenter', { value: NativeSegmenter, configurable: true, writable: true });
      globalThis.RegExp = NativeRegExp;
    }
  });
});
