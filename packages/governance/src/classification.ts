/**
 * What the breaking-change classifier records: the compatibility modes, one classified change, and
 * the collector both comparisons (payload and topology) add their changes to. Also the generic
 * comparison for anything without a dedicated rule, and the small helpers every rule uses.
 */
import { COMPATIBILITY_MODES, type CompatibilityMode } from '@sluice/model';

export { COMPATIBILITY_MODES, type CompatibilityMode };

/**
 * The mode used when a contract does not declare one in `info.x-compatibility`: `backward`, the
 * default of schema registries (consumers on the new contract read what was produced before).
 *
 * This project's contract declares `full`, because its evolution policy breaks both directions:
 * adding a required field or narrowing breaks new readers of old messages (backward), and removing
 * a field or *any* enum change breaks released readers of new messages (forward). Producers and the
 * subscriber deploy independently, the subscriber validates every known field strictly (an unknown
 * enum value goes to the DLQ), and messages wait in the DLQ for up to 14 days before a redrive
 * replays them to a newer subscriber.
 */
export const DEFAULT_COMPATIBILITY_MODE: CompatibilityMode = 'backward';

/** How a change is classified: `unclassified` fails the check like `breaking` until a person reviews it. */
export type Classification = 'breaking' | 'non-breaking' | 'unclassified';

/** One difference between the released and the working contract, classified. */
export interface ContractChange {
  /** Where, as a dotted path readers can follow: `messages.PaymentCaptured.payload.properties.amount.maximum`. */
  path: string;
  /** Whether the thing at `path` was added, removed or changed. */
  kind: 'added' | 'removed' | 'changed';
  /** Whether it breaks readers under the diff's mode, or needs a person to review it. */
  classification: Classification;
  /** Stable name of the rule that classified the change (`schema.maximum-lowered`), for tests and docs. */
  rule: string;
  /** What changed and why it is classified so, in one line. */
  detail: string;
  /**
   * Where it is written in the working contract's files (a breaking or unclassified change, as
   * `contract:diff` says it): the file (as shown) and the line of the place, or of the deepest
   * place of it still written (the parent of what was removed). Absent for the topology's rows.
   */
  where?: { file: string; line?: number };
}

/**
 * Where the mode of a diff came from: `option`, told on the command line (`--mode`); `contract`,
 * the contracts' `info.x-compatibility`; `default`, neither contract declares one. When the
 * released contract's `info.x-compatibility` is no mode (`contract:release` judging under the
 * working contract's alone): `working`, the working contract's `info.x-compatibility`;
 * `working-default`, the default, as the working contract declares none.
 */
export type ModeSource = 'option' | 'contract' | 'default' | 'working' | 'working-default';

/** Every classified change between two contracts, under one mode, and advice that does not fail. */
export interface ContractDiff {
  /** The mode the changes were classified under. */
  mode: CompatibilityMode;
  /** Where {@link ContractDiff.mode} came from. */
  modeFrom: ModeSource;
  /** Every difference, classified, in the order they were compared. */
  changes: ContractChange[];
  /** Advice that does not fail the check (a version that should have been bumped). */
  notes: string[];
}

/** Which readers a change breaks; `undefined` when no rule knows (reported as unclassified). */
export interface Breaks {
  /** New readers reject messages valid before (narrowing). */
  backward: boolean;
  /** Old readers reject messages valid now (widening). */
  forward: boolean;
}

/** Narrowing: new readers reject messages valid before. */
export const NARROWS: Breaks = { backward: true, forward: false };
/** Widening: released readers reject messages valid now. */
export const WIDENS: Breaks = { backward: false, forward: true };
/** Breaks readers in both directions. */
export const BOTH: Breaks = { backward: true, forward: true };
/** Breaks no reader. */
export const NEITHER: Breaks = { backward: false, forward: false };

/** Keys that only document; editing them never changes which messages are valid. */
export const DOC_KEYS = new Set(['description', 'summary', 'title', 'examples', 'example', '$comment', 'externalDocs', 'tags', 'default', 'deprecated', 'readOnly', 'writeOnly', '$id']);

/** A value for a one-line detail; long texts are cut so the table stays readable. */
export const show = (value: unknown): string => {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
/**
 * A change shown `before → after`, each as {@link show} shows a value; two long values that
 * would be cut to the same text are shown around where they first differ
 * (`…[{"prefix":"1."}]} → …[{"prefix":"2."}]}`), so that the change is seen.
 *
 * @example
 * ```ts
 * import { showChange } from './classification.ts';
 *
 * showChange({ schemaVersion: [{ prefix: '1.' }], eventType: ['OrderPlaced'] }, { schemaVersion: [{ prefix: '2.' }], eventType: ['OrderPlaced'] });
 * ```
 */
export const showChange = (before: unknown, after: unknown): string => {
  const [a, b] = [show(before), show(after)];
  if (a !== b || before === undefined || after === undefined) return `${a} → ${b}`;
  const [ta, tb] = [JSON.stringify(before), JSON.stringify(after)];
  let i = 0;
  while (i < ta.length && i < tb.length && ta[i] === tb[i]) i++;
  const around = (text: string) => {
    const start = Math.max(0, i - 20);
    return `${start > 0 ? '...' : ''}${text.slice(start, start + 50)}${start + 50 < text.length ? '...' : ''}`;
  };
  return `${around(ta)} → ${around(tb)}`;
};
/** Equal as JSON. */
export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** A plain object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * What a mode leaves unguarded, said with a change that breaks readers only in that direction:
 * `backward` lets new messages break released readers, `forward` lets released messages break new
 * readers.
 */
const UNGUARDED: Record<'backward' | 'forward', string> = {
  backward: 'guards only new readers of released messages: upgrade every consumer before a producer sends it',
  forward: 'guards only released readers of new messages: drain the queues and dead-letter queues of released messages before new consumers read them',
};

/**
 * Every wording of where a mode came from, in one place, so that the report's summary and the
 * rows it lets through say the same source: `summary`, after the mode in the summary line;
 * `under`, the mode as the reader set it; `full`, how to make it full there.
 */
const MODE_SOURCES: Record<ModeSource, { summary: string; under: (mode: CompatibilityMode) => string; full: string }> = {
  option: { summary: 'given with --mode', under: (mode) => `--mode ${mode} (given on the command line)`, full: 'or compare with --mode full' },
  contract: { summary: 'from info.x-compatibility', under: (mode) => `x-compatibility ${mode} (info.x-compatibility of the contracts)`, full: 'or declare full' },
  default: { summary: 'the default: no info.x-compatibility', under: (mode) => `${mode}, the default mode (neither contract declares info.x-compatibility)`, full: 'or declare x-compatibility: full' },
  working: { summary: "from the working contract's info.x-compatibility: the released snapshot's is no mode", under: (mode) => `x-compatibility ${mode} (the working contract's info.x-compatibility; the released snapshot's is no mode)`, full: 'or declare full' },
  'working-default': { summary: "the default: the working contract declares no info.x-compatibility, the released snapshot's is no mode", under: (mode) => `${mode}, the default mode (the working contract declares no info.x-compatibility; the released snapshot's is no mode)`, full: 'or declare x-compatibility: full' },
};

/**
 * The mode of a diff and where it came from, as the report's summary line says it:
 * `backward, given with --mode`, `full, from info.x-compatibility`, `backward, the default: no info.x-compatibility`.
 *
 * @example
 * ```ts
 * import { describeMode } from './classification.ts';
 *
 * describeMode('backward', 'option'); // 'backward, given with --mode'
 * ```
 */
export function describeMode(mode: CompatibilityMode, from: ModeSource): string {
  return `${mode}, ${MODE_SOURCES[from].summary}`;
}

/** Collects the classified changes of one comparison under one compatibility mode. */
export class Collector {
  readonly changes: ContractChange[] = [];
  readonly mode: CompatibilityMode;
  /** Where the mode came from: a change it lets through says so, and where to make it full. */
  readonly modeFrom: ModeSource;
  constructor(mode: CompatibilityMode, modeFrom: ModeSource) {
    this.mode = mode;
    this.modeFrom = modeFrom;
  }

  /**
   * Records a change whose effect on readers is known; the mode decides whether it breaks. A change
   * that breaks readers in the one direction the mode does not guard is non-breaking, and its
   * detail (which says whom it breaks) says so, with what the mode then leaves to the team.
   */
  add(path: string, kind: ContractChange['kind'], rule: string, breaks: Breaks, detail: string): void {
    const breaking = (this.mode !== 'forward' && breaks.backward) || (this.mode !== 'backward' && breaks.forward);
    const guarding = breaking ? undefined : breaks.forward ? 'backward' : breaks.backward ? 'forward' : undefined;
    const said = MODE_SOURCES[this.modeFrom];
    const unguarded = guarding && `allowed under ${said.under(guarding)}, which ${UNGUARDED[guarding]} (${said.full})`;
    this.changes.push({ path, kind, rule, detail: unguarded ? `${detail}; ${unguarded}` : detail, classification: breaking ? 'breaking' : 'non-breaking' });
  }

  /** Records a change no rule covers: it fails the check until a person has looked at it. */
  unclassified(path: string, kind: ContractChange['kind'], detail: string): void {
    this.changes.push({ path, kind, rule: 'unclassified', classification: 'unclassified', detail });
  }
}

/** `added`, `removed` or `changed`, by which side is missing. */
export const kindOf = (before: unknown, after: unknown): ContractChange['kind'] =>
  before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
/**
 * Anything without a dedicated rule: documentation keys are non-breaking, every other difference
 * is unclassified (reported, and failing, rather than silently let through).
 */
export function compareGeneric(out: Collector, path: string, before: unknown, after: unknown, key = ''): void {
  if (same(before, after)) return;
  // An SNS or SQS binding's tags (a map; AsyncAPI's own tags are a list): AWS resource tags, deployed.
  if (key === 'tags' && !Array.isArray(before) && !Array.isArray(after) && (isObject(before) || isObject(after))) {
    out.add(path, kindOf(before, after), 'binding.tags', NEITHER, `${showChange(before, after)}: AWS resource tags, applied by the next deploy (cost allocation, policies that test them); no reader of messages is affected`);
    return;
  }
  if (DOC_KEYS.has(key) || key.startsWith('x-')) {
    out.add(path, kindOf(before, after), 'documentation', NEITHER, `${showChange(before, after)}: documentation only`);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const k of unionKeys(before, after)) compareGeneric(out, `${path}.${k}`, before[k], after[k], k);
    return;
  }
  out.unclassified(path, kindOf(before, after), `${showChange(before, after)}: no rule classifies this; review it`);
}

/** The keys of both objects, each once. */
export function unionKeys(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}
