/**
 * The topology watch of `npm start` (and `npm run subscriber`) while generated/topology.json cannot
 * be read: codegen may be writing it, so nothing is said at first; if it stays truncated, invalid
 * or deleted, one line names the file, why, and `npm run codegen`, once per problem (not at every
 * read); one more when it reads again. The decision alone, then the watch on a real folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Topology } from '@sluice/runtime/contract';
import { manifestReadStep, watchTopology, type ManifestProblem, type ManifestReadState } from '../src/topology-watch.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';

const FILE = 'generated/topology.json';
const invalid: ManifestProblem = { kind: 'invalid', detail: 'Unexpected end of JSON input' };
const missing: ManifestProblem = { kind: 'missing', detail: 'generated/topology.json is missing' };

/** The lines of a series of reads at the given times (ms), and the recheck asked after each. */
function reads(series: [number, ManifestProblem | undefined][], graceMs = 1500): { lines: (string | undefined)[]; rechecks: (number | undefined)[] } {
  let state: ManifestReadState = {};
  const lines: (string | undefined)[] = [];
  const rechecks: (number | undefined)[] = [];
  for (const [at, problem] of series) {
    const step = manifestReadStep(state, problem, at, graceMs, FILE);
    state = step.state;
    lines.push(step.line);
    rechecks.push(step.recheckInMs);
  }
  return { lines, rechecks };
}

describe('manifestReadStep', () => {
  it('says nothing of a read that fails within the grace period (codegen writing), and asks to read again when it ends', () => {
    expect(reads([[0, invalid], [400, undefined]])).toEqual({ lines: [undefined, undefined], rechecks: [1500, undefined] });
    expect(reads([[0, invalid], [1000, invalid]]).rechecks).toEqual([1500, 500]);
  });

  it('says once, after the grace period, that the file is not valid JSON and to run npm run codegen; not again at the next reads', () => {
    const { lines, rechecks } = reads([[0, invalid], [1500, invalid], [5000, invalid], [9000, invalid]]);
    expect(lines).toEqual([
      undefined,
      'generated/topology.json is not valid JSON (Unexpected end of JSON input): run npm run codegen to write it again (topology changes are not reported until it can be read)',
      undefined,
      undefined,
    ]);
    expect(rechecks.slice(1)).toEqual([undefined, undefined, undefined]);
  });

  it('says a missing file as missing; a change of problem is said again (after its own grace), and the read that works again', () => {
    const { lines } = reads([[0, missing], [1500, missing], [2000, invalid], [2500, invalid], [3500, invalid], [4000, undefined], [4100, undefined]]);
    expect(lines).toEqual([
      undefined,
      'generated/topology.json is missing: run npm run codegen to write it again (topology changes are not reported until it can be read)',
      undefined,
      undefined,
      'generated/topology.json is not valid JSON (Unexpected end of JSON input): run npm run codegen to write it again (topology changes are not reported until it can be read)',
      'generated/topology.json can be read again: topology changes are reported again',
      undefined,
    ]);
    expect(reads([[0, { kind: 'unreadable', detail: 'EACCES: permission denied' }], [2000, { kind: 'unreadable', detail: 'EACCES: permission denied' }]]).lines[1]).toBe(
      'generated/topology.json cannot be read (EACCES: permission denied): run npm run codegen to write it again (topology changes are not reported until it can be read)',
    );
  });
});

describe('watchTopology on a manifest that stays unreadable', () => {
  let dir: string | undefined;
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says it (truncated, then deleted) once each, after the grace period, and says when it reads again; the watch keeps going', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'topology-watch-'));
    const file = path.join(dir, 'topology.json');
    const running = { topics: {}, queues: { OrderQueue: {} }, subscriptions: [], operations: {} } as unknown as Topology;
    writeFileSync(file, JSON.stringify(running));
    const lines: string[] = [];
    const readNow = () => JSON.parse(readFileSync(file, 'utf8')) as Topology;
    stop = watchTopology({ generated: dir, running, readNow, report: (line) => lines.push(line), apply: 'restart npm start to apply it', settleMs: 20, graceMs: 150 });

    writeFileSync(file, '{"topics": {');
    await waitFor('the invalid manifest said', () => lines.some((l) => l.includes('is not valid JSON')), 5_000);
    unlinkSync(file);
    await waitFor('the missing manifest said', () => lines.some((l) => l.includes('is missing')), 5_000);
    // Written again, with a new queue: readable again, and the change is reported.
    writeFileSync(file, JSON.stringify({ ...running, queues: { OrderQueue: {}, AuditQueue: {} } }));
    await waitFor('the change', () => lines.some((l) => l.startsWith('the topology changed')), 5_000);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)} is not valid JSON \\(.+\\): run npm run codegen to write it again \\(topology changes are not reported until it can be read\\)$`)),
      `${file} is missing: run npm run codegen to write it again (topology changes are not reported until it can be read)`,
      `${file} can be read again: topology changes are reported again`,
      'the topology changed: restart npm start to apply it (new: AuditQueue)',
    ]);
  });
});

describe('watchTopology when the whole generated/ folder is deleted and written again (rm -rf generated, then codegen)', () => {
  let parent: string | undefined;
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('says the manifest is missing, then watches the new folder: readable again, and its changes reported', async () => {
    parent = mkdtempSync(path.join(tmpdir(), 'topology-watch-folder-'));
    const generated = path.join(parent, 'generated');
    mkdirSync(generated);
    const file = path.join(generated, 'topology.json');
    const running = { topics: {}, queues: { OrderQueue: {} }, subscriptions: [], operations: {} } as unknown as Topology;
    writeFileSync(file, JSON.stringify(running));
    const lines: string[] = [];
    const readNow = () => JSON.parse(readFileSync(file, 'utf8')) as Topology;
    stop = watchTopology({ generated, running, readNow, report: (line) => lines.push(line), apply: 'restart npm start to apply it', settleMs: 20, graceMs: 150 });

    rmSync(generated, { recursive: true, force: true });
    await waitFor('the missing manifest said', () => lines.some((l) => l.includes('is missing')), 5_000);
    mkdirSync(generated);
    writeFileSync(file, JSON.stringify(running));
    await waitFor('readable again', () => lines.some((l) => l.includes('can be read again')), 5_000);
    // The new folder is watched: a change written now is reported.
    writeFileSync(file, JSON.stringify({ ...running, queues: { OrderQueue: {}, AuditQueue: {} } }));
    await waitFor('the change', () => lines.some((l) => l.startsWith('the topology changed')), 5_000);
    expect(lines.at(-1)).toBe('the topology changed: restart npm start to apply it (new: AuditQueue)');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
