/**
 * Text written in chunks comes out as its lines, whatever the chunks' boundaries, and the last
 * line of a text that ends without a newline comes out at its end.
 */
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import { lineSplitter } from '@sluice/cli';

/** The lines of `chunks` written in turn, and those `end` adds after. */
function split(chunks: string[]): { written: string[]; ended: string[] } {
  const lines: string[] = [];
  const splitter = lineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.write(chunk);
  const written = [...lines];
  splitter.end();
  return { written, ended: lines.slice(written.length) };
}

describe('lineSplitter', () => {
  it('gives each line as the chunk completing it arrives, a line split over chunks whole', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.write('first li');
    expect(lines).toEqual([]);
    splitter.write('ne\nsecond\nthi');
    expect(lines).toEqual(['first line', 'second']);
    splitter.write('rd');
    splitter.write('\n');
    expect(lines).toEqual(['first line', 'second', 'third']);
  });

  it('gives a last line without a newline when the text ends, and nothing more when it ended with one', () => {
    expect(split(['ready\n', 'fatal: no newline'])).toEqual({ written: ['ready'], ended: ['fatal: no newline'] });
    expect(split(['ready\n'])).toEqual({ written: ['ready'], ended: [] });
    expect(split([])).toEqual({ written: [], ended: [] });
  });

  it('ends a line at \\r\\n without its \\r, even with the \\r and the \\n in different chunks; a \\r elsewhere stays', () => {
    expect(split(['one\r\ntwo\r', '\nthree\r'])).toEqual({ written: ['one', 'two'], ended: ['three'] });
    expect(split(['50%\r100%\n'])).toEqual({ written: ['50%\r100%'], ended: [] });
  });

  it('gives empty lines too: whether a blank line matters is the caller\'s to say', () => {
    expect(split(['a\n\n', '\nb'])).toEqual({ written: ['a', '', ''], ended: ['b'] });
  });

  it('gives nothing twice: ended, it is empty and splits what comes next afresh', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.write('partial');
    splitter.end();
    splitter.end();
    splitter.write('next\n');
    expect(lines).toEqual(['partial', 'next']);
  });

  it('splits text, not bytes: a character whose bytes two chunks share is the decoder\'s (setEncoding) to keep whole', () => {
    const bytes = Buffer.from('café ☕\nnext\n');
    const decoder = new StringDecoder('utf8');
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    // Cut inside the é and inside the ☕: each chunk decoded alone would give U+FFFD.
    for (const [from, to] of [[0, 4], [4, 8], [8, bytes.length]] as const) splitter.write(decoder.write(bytes.subarray(from, to)));
    splitter.write(decoder.end());
    splitter.end();
    expect(lines).toEqual(['café ☕', 'next']);
  });
});
