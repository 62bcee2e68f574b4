/**
 * The contract's `date-time` format: RFC 3339 with a time zone required, leap seconds and offsets
 * checked (`isRfc3339DateTime`), in place of ajv-formats' own. A module of its own, without
 * ajv-formats, so that the generated validators of a contract whose only format is `date-time`
 * bundle this and nothing of ajv-formats (see `usedFormatsModule` in generate.ts).
 */
import { isRfc3339DateTime } from '@sluice/runtime/contract';

/** The format definition ajv takes (`ajv.addFormat('date-time', dateTimeFormat)`). */
export const dateTimeFormat = { type: 'string' as const, validate: isRfc3339DateTime };
