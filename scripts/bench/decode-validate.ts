/**
 * Section 1 — decode + validate, per record.
 *
 * The same SNS-in-SQS bodies go through five decoders, alternated round by round:
 * - floor: the two `JSON.parse` calls any decoder must make (SQS body, then SNS `Message`);
 * - ours: the framework's generic `createDecoder(operations.consumeOrderPlaced)` (message picked by
 *   its attributes, generated ajv standalone validator, RFC 3339 check, tolerant pick);
 * - the pre-framework OrderPlaced-specific `decodeOrderRecord` (baselines/), to show what the
 *   generality costs;
 * - ajv compiled at run time from the same JSON Schema with ajv-formats' full `date-time`;
 * - Powertools parser: `SnsSqsEnvelope` over the SQS event with a zod schema of the payload,
 *   i.e. `parse(event, SnsSqsEnvelope, JSONStringified(schema))` as its documentation shows.
 *
 * Before timing, every decoder must accept the whole corpus and ours must reject impossible dates
 * and timestamps without an offset; whether the others reject them is reported beside them.
 */
import { readFileSync } from 'node:fs';
import { SnsSqsEnvelope } from '@aws-lambda-powertools/parser/envelopes/sns-sqs';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { operations } from '@orders/contract';
import { createDecoder } from '@sluice/runtime/consumer';
import { consumerSettings } from '@sluice/model';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { settings } from '@orders/app/settings';
import { decodeOrderRecord } from './baselines/decode-order-record.ts';
import { type BenchRow, formatNumber, formatRatio, infoRow, verdictOf } from './bench-table.ts';
import { buildOrders, orderRecords, seededRandom, snsNotificationBody, sqsRecordOf, batches } from './order-workload.ts';
import { alternate, median, range, ratios } from './statistics.ts';

// ajv-formats is CommonJS with `exports.default`; under ESM the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

const SCHEMA_PATH = new URL('../../schemas/order-placed.v1.json', import.meta.url);

const FLOOR = 'two JSON.parse (floor)';
const OURS = 'createDecoder(consumeOrderPlaced) (ours)';
const SPECIFIC = 'decodeOrderRecord (pre-framework, OrderPlaced-specific)';
const AJV = 'ajv compiled at run time';
const ZOD = 'Powertools SnsSqsEnvelope + zod';

/** Timestamps a contract-conforming decoder must reject, by what is wrong with them. */
const MUST_REJECT: Record<string, string> = {
  'February 30': '2026-02-30T10:00:00Z',
  'February 29 of a common year': '2025-02-29T10:00:00Z',
  'no offset': '2026-01-01T10:00:00',
  'hour 24': '2026-01-01T24:00:00Z',
  'offset without colon': '2026-01-01T10:00:00+0200',
};

type Decoder = (records: readonly SQSRecord[], events: readonly SQSEvent[]) => number;

interface JsonSchemaString {
  minLength: number;
  maxLength: number;
  pattern?: string;
}

/** A zod schema of the payload, as a Powertools user would write it; bounds read from the contract's JSON Schema. */
function zodOrderSchema(schema: { properties: Record<string, Record<string, unknown>> }) {
  const p = schema.properties;
  const str = (name: string) => {
    const s = p[name] as unknown as JsonSchemaString;
    const base = z.string().min(s.minLength).max(s.maxLength);
    return s.pattern ? base.regex(new RegExp(s.pattern)) : base;
  };
  const quantity = p.quantity as { minimum: number; maximum: number };
  return z.object({
    orderId: str('orderId'),
    userId: str('userId'),
    itemName: str('itemName'),
    quantity: z.number().int().min(quantity.minimum).max(quantity.maximum),
    status: z.enum(p.status!.enum as [string, ...string[]]),
    timestamp: z.iso.datetime({ offset: true }).max((p.timestamp as { maxLength: number }).maxLength),
  });
}

function buildDecoders(): { decoders: Map<string, Decoder>; ajvCompileMs: number } {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

  const compileStart = performance.now();
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv, { mode: 'full' });
  const validate = ajv.compile(schema);
  const ajvCompileMs = performance.now() - compileStart;

  const powertoolsSchema = JSONStringified(zodOrderSchema(schema));
  const decode = createDecoder(operations.consumeOrderPlaced);

  // Each decoder returns how many records it accepted, which is also what keeps the work observable.
  const decoders = new Map<string, Decoder>([
    [
      FLOOR,
      (records) => {
        let n = 0;
        for (const r of records) {
          const envelope = JSON.parse(r.body);
          if (JSON.parse(envelope.Message) !== null) n++;
        }
        return n;
      },
    ],
    [
      OURS,
      (records) => {
        let n = 0;
        for (const r of records) if (decode(r).ok) n++;
        return n;
      },
    ],
    [
      SPECIFIC,
      (records) => {
        let n = 0;
        for (const r of records) if (decodeOrderRecord(r).ok) n++;
        return n;
      },
    ],
    [
      AJV,
      (records) => {
        let n = 0;
        for (const r of records) {
          const envelope = JSON.parse(r.body);
          if (envelope.Type !== 'Notification' || typeof envelope.Message !== 'string') continue;
          if (validate(JSON.parse(envelope.Message))) n++;
        }
        return n;
      },
    ],
    [
      ZOD,
      (_records, events) => {
        let n = 0;
        for (const event of events) {
          const result = SnsSqsEnvelope.safeParse(event, powertoolsSchema);
          if (result.success) n += result.data.length;
        }
        return n;
      },
    ],
  ]);
  return { decoders, ajvCompileMs };
}

/** Which of {@link MUST_REJECT} `decoder` accepts (should be none). */
function acceptedBadTimestamps(decoder: Decoder): string[] {
  const random = seededRandom(7);
  return Object.entries(MUST_REJECT).flatMap(([why, timestamp]) => {
    const [order] = buildOrders('reject', 1);
    const record = sqsRecordOf(snsNotificationBody({ ...order, timestamp }, random), 'bad-timestamp');
    return decoder([record], [{ Records: [record] }]) === 0 ? [] : [why];
  });
}

/** The test helpers' envelope: no signature, no URLs (the smallest body SNS could plausibly send). */
function minimalRecords(records: readonly SQSRecord[]): SQSRecord[] {
  return records.map((r) => {
    const { Type, MessageId, TopicArn, Message, Timestamp, MessageAttributes } = JSON.parse(r.body);
    return { ...r, body: JSON.stringify({ Type, MessageId, TopicArn, Message, Timestamp, MessageAttributes }) };
  });
}

interface CorpusTiming {
  /** Median ns per record, by decoder. */
  nsPerRecord: Map<string, number>;
  /** Per-round ratios to the floor, by decoder. */
  toFloor: Map<string, number[]>;
  samples: Map<string, number[]>;
}

function timeCorpus(decoders: Map<string, Decoder>, records: SQSRecord[], rounds: number, passes: number): Promise<CorpusTiming> {
  const events = batches(records, consumerSettings(settings, 'consumeOrderPlaced').batchSize);
  for (const [name, decode] of decoders) {
    const accepted = decode(records, events);
    if (accepted !== records.length) throw new Error(`section 1: ${name} accepted ${accepted} of ${records.length} valid records; the comparison would be meaningless`);
  }
  // Warm-up so that every decoder is optimised before the first timed round.
  for (const decode of decoders.values()) for (let i = 0; i < 3; i++) decode(records, events);

  // CPU time of this process, not wall time: on a shared machine a time slice given to another
  // process would otherwise count against whichever decoder happened to be running.
  return alternate([...decoders.keys()], rounds, (name) => {
    const decode = decoders.get(name)!;
    const start = process.cpuUsage();
    for (let i = 0; i < passes; i++) decode(records, events);
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / (passes * records.length);
  }).then((samples) => {
    const floor = samples.get(FLOOR)!;
    return {
      samples,
      nsPerRecord: new Map([...samples].map(([k, v]) => [k, median(v)])),
      toFloor: new Map([...samples].map(([k, v]) => [k, ratios(v, floor)])),
    };
  });
}

const ns = (value: number) => `${formatNumber(value / 1000, 2)} µs/record`;
/** `1.06` → `1.06 × (+6 %)`. */
const ratioWithPercent = (value: number) => `${formatRatio(value)} (${value >= 1 ? '+' : '−'}${Math.abs((value - 1) * 100).toFixed(0)} %)`;

/** Runs section 1 and returns its rows. */
export async function benchDecodeValidate(options: { quick: boolean }): Promise<BenchRow[]> {
  const rounds = options.quick ? 15 : 41;
  const passes = 3;
  const { decoders, ajvCompileMs } = buildDecoders();
  const records = orderRecords(buildOrders('decode', 1000), 'decode');

  const rejections = new Map([...decoders].filter(([name]) => name !== FLOOR).map(([name, d]) => [name, acceptedBadTimestamps(d)]));
  const oursAccepts = rejections.get(OURS)!;
  if (oursAccepts.length > 0) throw new Error(`section 1: createDecoder accepts invalid timestamps (${oursAccepts.join(', ')}); refusing to time it`);
  const rejectNote = (name: string) => {
    const accepted = rejections.get(name) ?? [];
    return accepted.length === 0 ? 'rejects every bad timestamp' : `ACCEPTS ${accepted.join(', ')}`;
  };

  const main = await timeCorpus(decoders, records, rounds, passes);
  const bodyBytes = median(records.map((r) => Buffer.byteLength(r.body)));
  const floorNs = main.nsPerRecord.get(FLOOR)!;
  const oursNs = main.nsPerRecord.get(OURS)!;
  const oursToFloor = median(main.toFloor.get(OURS)!);
  const spread = (values: readonly number[]) => {
    const { min, max } = range(values);
    return `ratio range ${min.toFixed(2)}–${max.toFixed(2)} over ${rounds} rounds`;
  };
  // Ours relative to another decoder, round by round: > 1 means theirs takes longer.
  const speedupOver = (name: string) => ratios(main.samples.get(name)!, main.samples.get(OURS)!);
  const fasterOrSlower = (speedup: number) => (speedup >= 1 ? `${formatRatio(speedup)} faster` : `${formatRatio(1 / speedup)} slower`);

  const rows: BenchRow[] = [
    infoRow(1, `corpus: ${records.length.toLocaleString('en-US')} distinct SNS-in-SQS bodies`, `median body ${bodyBytes.toLocaleString('en-US')} B`, {
      note: `real-length SNS signature and URLs; CPU time per record (process.cpuUsage), median of ${rounds} alternated rounds × ${passes} passes`,
    }),
    infoRow(1, FLOOR, ns(floorNs), { raw: { samplesNs: main.samples.get(FLOOR) } }),
    {
      section: 1,
      measurement: `${OURS} vs floor`,
      result: ns(oursNs),
      baseline: ns(floorNs),
      ratio: ratioWithPercent(oursToFloor),
      target: '≤ 1.25 × (validation adds ≤ 25 %)',
      verdict: verdictOf(oursToFloor <= 1.25),
      note: `+${formatNumber((oursNs - floorNs) / 1000, 2)} µs/record over the floor; ${rejectNote(OURS)}; ${spread(main.toFloor.get(OURS)!)}`,
      raw: { samplesNs: main.samples.get(OURS), toFloor: main.toFloor.get(OURS) },
    },
  ];

  // What the generality costs: same parses, same validator, plus picking the message by its attributes.
  const oursToSpecific = ratios(main.samples.get(OURS)!, main.samples.get(SPECIFIC)!);
  rows.push(
    infoRow(1, 'generic createDecoder vs the pre-framework OrderPlaced-specific decodeOrderRecord', ns(oursNs), {
      baseline: ns(main.nsPerRecord.get(SPECIFIC)!),
      ratio: ratioWithPercent(median(oursToSpecific)),
      note: `CPU time of ours over the specific one's, round by round (${spread(oursToSpecific)}); specific: ${rejectNote(SPECIFIC)}, its ratio to floor ${formatRatio(median(main.toFloor.get(SPECIFIC)!))}; ours also collects every string attribute for the handler`,
      raw: { samplesNs: main.samples.get(SPECIFIC), oursToSpecific },
    }),
  );

  const zodNs = main.nsPerRecord.get(ZOD)!;
  const zodSpeedup = median(speedupOver(ZOD));
  rows.push({
    section: 1,
    measurement: 'ours vs Powertools parser (SnsSqsEnvelope + zod)',
    result: ns(oursNs),
    baseline: ns(zodNs),
    ratio: fasterOrSlower(zodSpeedup),
    target: '≥ 5 × faster',
    verdict: verdictOf(zodSpeedup >= 5),
    note: `zod path: ${rejectNote(ZOD)}; its ratio to floor ${formatRatio(median(main.toFloor.get(ZOD)!))}; also validates the SQS record and SNS envelope fields`,
    raw: { samplesNs: main.samples.get(ZOD) },
  });

  rows.push(
    infoRow(1, 'ours vs ajv compiled at run time (ajv-formats full)', ns(oursNs), {
      baseline: ns(main.nsPerRecord.get(AJV)!),
      ratio: fasterOrSlower(median(speedupOver(AJV))),
      note: `ajv path: ${rejectNote(AJV)}; its ratio to floor ${formatRatio(median(main.toFloor.get(AJV)!))}; compile at start-up ${ajvCompileMs.toFixed(1)} ms (ours: 0, generated ahead of time)`,
      raw: { samplesNs: main.samples.get(AJV), ajvCompileMs },
    }),
  );

  // Sensitivity: the overhead is relative to the floor, which shrinks with a smaller envelope.
  const small = minimalRecords(records);
  const smallDecoders = new Map([...decoders].filter(([name]) => name === FLOOR || name === OURS || name === SPECIFIC));
  const minimal = await timeCorpus(smallDecoders, small, rounds, passes);
  const minimalRatio = median(minimal.toFloor.get(OURS)!);
  rows.push(
    infoRow(1, 'ours vs floor, minimal envelope (no signature/URLs)', ns(minimal.nsPerRecord.get(OURS)!), {
      baseline: ns(minimal.nsPerRecord.get(FLOOR)!),
      ratio: ratioWithPercent(minimalRatio),
      note: `median body ${median(small.map((r) => Buffer.byteLength(r.body))).toLocaleString('en-US')} B: the overhead in the worst case for the ratio; the specific decoder here ${formatRatio(median(minimal.toFloor.get(SPECIFIC)!))} the floor`,
    }),
  );
  return rows;
}
