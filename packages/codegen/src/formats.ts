/**
 * The JSON Schema formats the generated validators check: every format ajv-formats knows (`email`,
 * `uri`, `uuid`, `int32`, `int64`, `date`, …), with the contract's own RFC 3339 rule for
 * `date-time` (a time zone is required, leap seconds and offsets checked). The standalone
 * validators bundle this module, so the generated package needs neither ajv nor ajv-formats.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isRfc3339DateTime } from '@sluice/runtime/contract';

/**
 * Every format the generated validators know, by name.
 *
 * @example
 * ```ts
 * import { generatedFormats } from '@sluice/codegen';
 *
 * Object.keys(generatedFormats).includes('email'); // true
 * ```
 */
export const generatedFormats: Record<string, unknown> = {
  ...fullFormats,
  'date-time': { type: 'string' as const, validate: isRfc3339DateTime },
};
