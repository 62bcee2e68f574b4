/**
 * What `npm start` suggests trying comes from the application (`eventContract.startHints` in its
 * package.json): the framework prints those lines, then the AWS CLI against the local endpoint.
 * On a stack the operator commands would not find by themselves (`--port`, `--port 0`), the lines
 * start with `export SLUICE_ENDPOINT=<the endpoint>` (the real `npm start` run as printed:
 * start-port-hints.test.ts).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '@sluice/model';
import { tryLines } from '../src/bin/start.ts';
import { eventLine } from '../src/terminal-report.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const aws = 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url http://127.0.0.1:4566 --region us-east-1 sqs list-queues';

describe("npm start's Try: lines", () => {
  it("are this application's own, as its package.json declares them, word for word", () => {
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1')).toEqual([
      'Try:  npx orders publish --item-name "Desk lamp" --quantity 2',
      '      npx orders list    npx orders status    npx orders dlq list',
      `      ${aws}`,
    ]);
  });

  it('are only the AWS CLI line for an application that declares no hints', () => {
    expect(tryLines({ startHints: [] }, 'http://127.0.0.1:4566', 'us-east-1')).toEqual([`Try:  ${aws}`]);
  });

  it('start with `export SLUICE_ENDPOINT=…` on another port, which the operator commands read; not on 4566 where they look by default', () => {
    const other = 'http://127.0.0.1:4610';
    expect(tryLines(loadProject(root), other, 'us-east-1', {})).toEqual([
      `Try:  export SLUICE_ENDPOINT=${other}`,
      '      npx orders publish --item-name "Desk lamp" --quantity 2',
      '      npx orders list    npx orders status    npx orders dlq list',
      `      ${aws.replace('http://127.0.0.1:4566', other)}`,
    ]);
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1', {})[0]).toBe('Try:  npx orders publish --item-name "Desk lamp" --quantity 2');
    // On 4566, but in a shell whose SLUICE_ENDPOINT points elsewhere: the commands would go there.
    expect(tryLines(loadProject(root), 'http://127.0.0.1:4566', 'us-east-1', { SLUICE_ENDPOINT: other })[0]).toBe('Try:  export SLUICE_ENDPOINT=http://127.0.0.1:4566');
  });
});

describe('npm start -- --watch: an event of several lines', () => {
  it('prints a handler that fails to compile as real lines, indented under the event, each terminal-safe', () => {
    const event = 'consumeOrderPlaced: init failed: Transform failed with 1 error:\n/tmp/h.ts:3:7: ERROR: Expected ";" but found "\u001b[2J"\n (fix the code: it reloads on save)';
    expect(eventLine('10:00:00.000', event).split('\n')).toEqual([
      '10:00:00.000 consumeOrderPlaced: init failed: Transform failed with 1 error:',
      '               /tmp/h.ts:3:7: ERROR: Expected ";" but found "\\x1b[2J"',
      '                (fix the code: it reloads on save)',
    ]);
    expect(eventLine('10:00:00.000', 'consumeOrderPlaced: ready')).toBe('10:00:00.000 consumeOrderPlaced: ready');
    // A carriage return inside a line still cannot rewrite it.
    expect(eventLine('10:00:00.000', 'a\rb\r\nc')).toBe('10:00:00.000 a\\rb\n               c');
  });
});
