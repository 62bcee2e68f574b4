/**
 * The JSON syntax locator the decoder names unreadable bodies with: what is wrong and where, in
 * words and a position, never quoting the text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, parseJson } from '../src/consumer/json-syntax.ts';

describe('jsonSyntaxError', () => {
  it.each([
    ['{}'],
    ['[]'],
    [' { "a" : [ 1 , -2.5e+3 , true , false , null , "x\\u00e9\\n" ] } '],
    ['0'],
    ['-0.0E-1'],
    ['"\\"\\\\\\/\\b\\f\\n\\r\\t"'],
  ])('finds nothing wrong with valid JSON: %s', (text) => {
    expect(jsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{"a": 1', 'unexpected end of JSON input'],
    ['{"a"', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['"\\u12', 'unexpected end of JSON input'],
    ['tr', 'unexpected end of JSON input'],
    ['-', 'unexpected end of JSON input'],
    ['1.', 'unexpected end of JSON input'],
    ['1e+', 'unexpected end of JSON input'],
    ['x', 'not valid JSON at position 0'],
    ['{"a": tru}', 'not valid JSON at position 9'],
    ['{"a": 1,}', 'not valid JSON at position 8'],
    ['[1,]', 'not valid JSON at position 3'],
    ['{a: 1}', 'not valid JSON at position 1'],
    ['{"a" 1}', 'not valid JSON at position 5'],
    ['[1 2]', 'not valid JSON at position 3'],
    ['[1}', 'not valid JSON at position 2'],
    ['{} x', 'not valid JSON at position 3'],
    ['01', 'not valid JSON at position 1'],
    ['-a', 'not valid JSON at position 1'],
    ['1.e5', 'not valid JSON at position 2'],
    ['"a\nb"', 'control character in a JSON string at position 2'],
    ['"\\x"', 'bad escape sequence in a JSON string at position 2'],
    ['"\\u12g4"', 'bad escape sequence in a JSON string at position 5'],
  ])('names what is wrong with %j and where: %s', (text, reason) => {
    expect(jsonSyntaxError(text)).toBe(reason);
  });

  it('counts positions in UTF-16 code units, as JSON.parse does', () => {
    // `[`, `"`, the emoji's two code units, `"`, a space: the `x` is at 6.
    expect(jsonSyntaxError('["😀" x]')).toBe('not valid JSON at position 6');
    expect(() => JSON.parse('["😀" x]')).toThrow(/position 6/);
  });

  it('follows nesting with a loop, not recursion: deep input does not overflow the stack', () => {
    const depth = 200_000;
    expect(jsonSyntaxError('['.repeat(depth) + ']'.repeat(depth))).toBeUndefined();
    expect(jsonSyntaxError('['.repeat(depth))).toBe('unexpected end of JSON input');
    expect(jsonSyntaxError(`${'['.repeat(depth)}x`)).toBe(`not valid JSON at position ${depth}`);
  });

  it('agrees with JSON.parse on validity, and on the position whenever the engine names one', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.json().chain((s) => fc.nat(s.length).map((i) => s.slice(0, i) + 'x' + s.slice(i)))), (text) => {
        let engine: Error | undefined;
        try {
          JSON.parse(text);
        } catch (error) {
          engine = error as Error;
        }
        const ours = jsonSyntaxError(text);
        expect(ours === undefined, text).toBe(engine === undefined);
        const enginePosition = engine && / at position (\d+)/.exec(engine.message)?.[1];
        const ourPosition = ours && / at position (\d+)$/.exec(ours)?.[1];
        if (enginePosition !== undefined && ourPosition !== undefined) expect(ourPosition, text).toBe(enginePosition);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseJson', () => {
  it('returns the value of valid JSON', () => {
    expect(parseJson('{"quantity": 1}')).toEqual({ ok: true, value: { quantity: 1 } });
  });

  it('returns a reason that names the position and never quotes the text', () => {
    const result = parseJson('{"contact": "alice@example.com",}');
    expect(result).toEqual({ ok: false, reason: 'not valid JSON at position 32' });
  });
});
