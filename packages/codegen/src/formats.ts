/**
 * The JSON Schema formats the generated validators check: every format ajv-formats knows (`email`,
 * `uri`, `uuid`, `int32`, `int64`, `date`, …), with the contract's own RFC 3339 rule for
 * `date-time` (a time zone is required, leap seconds and offsets checked). The standalone
 * validators bundle the formats they use (only those: generate.ts), so the generated package needs
 * neither ajv nor ajv-formats.
 */
import { fileURLToPath } from 'node:url';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { dateTimeFormat } from './date-time-format.ts';

/** This module's file: what the standalone validators' source requires for their formats (see `createAjv`). */
export const FORMATS_MODULE = fileURLToPath(import.meta.url);

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
  'date-time': dateTimeFormat,
};
