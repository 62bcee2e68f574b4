/**
 * `withLengthShortcuts`: the generated validators skip ajv's code-point count where `.length`
 * decides a `minLength` / `maxLength` bound, and still judge every string exactly as ajv does:
 * surrogate pairs (one code point of two units), lone surrogates, empty strings, bounds 0 and 1.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { describe, expect, it } from 'vitest';
import { createAjv, withLengthShortcuts } from '@sluice/codegen';

const SEED = 20_260_105;
const BOUNDS = [0, 1, 2, 3, 5, 8];

/** An object schema with one string property per (minLength, maxLength) pair of {@link BOUNDS}. */
function boundedStrings() {
  const properties: Record<string, object> = {};
  for (const min of BOUNDS) for (const max of BOUNDS) if (min <= max) properties[`s${min}_${max}`] = { type: 'string', minLength: min, maxLength: max };
  return { $id: '#bounded', type: 'object', properties };
}

/** Evaluates ajv's standalone ESM output (one `export const validate = …`) as a function. */
function load(code: string): ((data: unknown) => boolean) & { errors?: unknown } {
  const body = code.replace('export const validate = ', 'exports.validate = ');
  const exports: { validate?: ((data: unknown) => boolean) & { errors?: unknown } } = {};
  new Function('require', 'exports', body)(createRequire(import.meta.url), exports);
  return exports.validate!;
}

function standaloneSource(): string {
  const ajv = createAjv({ standalone: true });
  ajv.addSchema(boundedStrings(), 'bounded');
  return standaloneCode(ajv, { validate: 'bounded' });
}

describe('withLengthShortcuts', () => {
  it('guards every literal-bound count with a .length test, and counts nothing more', () => {
    const before = standaloneSource();
    const after = withLengthShortcuts(before);
    const counts = (code: string) => code.match(/\bfunc\d+\(data\d*\)/g)?.length ?? 0;
    expect(counts(before)).toBeGreaterThan(0);
    expect(counts(after)).toBe(counts(before));
    expect(after).toMatch(/\(data\d+\.length > 8 && func\d+\(data\d+\) > 8\)/);
    expect(after).toMatch(/\(data\d+\.length < 2 && func\d+\(data\d+\) < 1\)/);
    expect(after).not.toMatch(/[^&] func\d+\(data\d*\) [<>]/);
  });

  it('leaves code that counts no lengths as it is', () => {
    const code = 'const func0 = require("ajv/dist/runtime/equal").default;if(func0(data0, data1)){}';
    expect(withLengthShortcuts(code)).toBe(code);
  });

  it('judges every string as ajv does, with the same errors', () => {
    const ajv = createAjv({ standalone: false });
    const reference = ajv.compile(boundedStrings());
    const shortcut = load(withLengthShortcuts(standaloneSource()));
    const names = Object.keys(boundedStrings().properties);
    // Code units that make every case: ASCII, BMP, high and low surrogates (paired or not).
    const unit = fc.constantFrom('a', 'é', '中', '\uD83D', '\uDE00', '\uD800', '\uDFFF');
    const text = fc.oneof(fc.string({ unit, maxLength: 18 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', '😀', '😀😀😀😀', '\uDE00\uD83D'));
    fc.assert(
      fc.property(fc.array(text, { minLength: names.length, maxLength: names.length }), (values) => {
        const data = Object.fromEntries(names.map((n, i) => [n, values[i]]));
        expect(shortcut(data)).toBe(reference(data));
        expect(shortcut.errors).toEqual(reference.errors);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});
