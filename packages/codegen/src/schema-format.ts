/**
 * The `schemaFormat`s codegen reads (JSON Schema draft-04, -06 and -07, and the AsyncAPI schema
 * format), and why another cannot become types and validators. Read by the payload's reading and,
 * before that, by the walk of the contract's `$ref`s: a remote Avro schema is refused as Avro, not
 * with advice to download it.
 */

/** JSON Schema formats a `schemaFormat` may name that are read as JSON Schema. */
const JSON_SCHEMA_FORMAT = /^application\/(vnd\.aai\.asyncapi(\+json|\+yaml)?(;version=\d+\.\d+\.\d+)?|schema\+(json|yaml)(;version=draft-0[467])?)$/;

/**
 * Why a payload or headers schema of this `schemaFormat` cannot become types and validators
 * (another schema language, or a JSON Schema version other than draft-04, -06 and -07), as the
 * end of a sentence about it; `undefined` for a format codegen reads.
 *
 * @example
 * ```ts
 * import { schemaFormatRefusal } from './schema-format.ts';
 *
 * schemaFormatRefusal('application/schema+json;version=draft-07'); // undefined
 * schemaFormatRefusal('application/vnd.apache.avro;version=1.9.0'); // 'is an Avro schema (schemaFormat …): codegen makes types and validators from JSON Schema only. …'
 * ```
 */
export function schemaFormatRefusal(schemaFormat: string): string | undefined {
  const format = schemaFormat.replace(/\s+/g, '');
  if (JSON_SCHEMA_FORMAT.test(format)) return undefined;
  const version = /^application\/schema\+(json|yaml);version=(.+)$/i.exec(format)?.[2];
  if (version !== undefined) {
    return (
      `is JSON Schema ${version} (schemaFormat ${schemaFormat}): codegen reads JSON Schema draft-04, draft-06 and draft-07 (and the AsyncAPI schema format, draft-07 with additions). ` +
      `Write it as draft-07 (definitions for $defs, an items list for prefixItems, no unevaluated* or dependentSchemas) with schemaFormat application/schema+json;version=draft-07, or leave schemaFormat out`
    );
  }
  const kind = /avro/i.test(format) ? 'an Avro' : /raml/i.test(format) ? 'a RAML' : /protobuf|proto/i.test(format) ? 'a Protobuf' : `a ${JSON.stringify(schemaFormat)}`;
  return `is ${kind} schema (schemaFormat ${schemaFormat}): codegen makes types and validators from JSON Schema only. Write it as JSON Schema (schemaFormat application/schema+json;version=draft-07, or the AsyncAPI schema format)`;
}
