import { isRfc3339DateTime } from './rfc3339.ts';

/**
 * The formats the generated validators know, by JSON Schema `format` name. The code generator
 * registers these with ajv and the standalone validators import this same object.
 */
export const contractFormats = {
  'date-time': { type: 'string' as const, validate: isRfc3339DateTime },
};
