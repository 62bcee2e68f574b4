/**
 * Identifiers derived from the names a contract uses (message names, component keys, schema
 * titles, operation ids), deterministically: `user-signed-up`, `userSignedUp`,
 * `io.github.springwolf.UserSignedUp` all become TypeScript type names, and an operation id or a
 * message name that is not a JavaScript identifier becomes a quoted property key. The code
 * generator reports two names that would become one identifier; it never merges them.
 *
 * Names in other scripts than ASCII (`Bestellung_Größe`, `Заказ`, `注文`) become readable ASCII
 * (`BestellungGrosse`, `Zakaz`, `U6ce8U6587`), never an empty or `Unnamed` name: the type
 * generator (Modelina) drops every character of a model name that is not ASCII, and the ajv
 * validators' export names must be ASCII too, so the types and their validators are named alike.
 */
import { createRequire } from 'node:module';
import type { FormatHelpers as ModelinaFormatHelpers, typeScriptDefaultModelNameConstraints as ModelinaModelNameConstraints } from '@asyncapi/modelina';

/**
 * Modelina's naming helpers, from their own modules: its package index loads every input
 * processor with it (the AsyncAPI parser, the TypeScript compiler…), over a second of start-up
 * that codegen pays only when the type generator must run (generate.ts remembers its results).
 * The same objects the index exports (tests/identifiers.test.ts checks it, at the exact version
 * package.json pins).
 */
const modelina = createRequire(import.meta.url);
const { FormatHelpers } = modelina('@asyncapi/modelina/lib/cjs/helpers/FormatHelpers.js') as { FormatHelpers: typeof ModelinaFormatHelpers };
const { defaultModelNameConstraints } = modelina('@asyncapi/modelina/lib/cjs/generators/typescript/constrainer/ModelNameConstrainer.js') as {
  defaultModelNameConstraints: typeof ModelinaModelNameConstraints;
};
/** The one option of TypeScriptGenerator.defaultOptions the model-name constraint reads (reserved JavaScript words too). */
export const MODEL_NAME_OPTIONS = { useJavascriptReservedKeywords: true } as const;

/** Words split at every character that is not an ASCII letter or digit. */
const ASCII_SEPARATORS = /[^A-Za-z0-9]+/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** The ASCII PascalCase name, exactly as codegen has always made it. */
function asciiIdentifier(words: string[]): string {
  if (words.length === 0) return 'Unnamed';
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const pascal = FormatHelpers.toPascalCase(/^[0-9]/.test(joined) ? `N${joined}` : joined);
  return /^[A-Za-z][A-Za-z0-9]*$/.test(pascal) ? pascal : joined.replace(/^([0-9])/, 'N$1');
}

/** Latin letters without a decomposition, written as ASCII letters. */
const LATIN: Record<string, string> = { ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th', ł: 'l', Ł: 'L', ı: 'i', ŋ: 'ng', Ŋ: 'Ng', ħ: 'h', Ħ: 'H' };
/** Cyrillic and Greek lower-case letters, transliterated (a capital is written with a capital first letter). */
const TRANSLITERATED: Record<string, string> = Object.fromEntries(
  [
    'а a б b в v г g д d е e ё e ж zh з z и i й y к k л l м m н n о o п p р r с s т t у u ф f х kh ц ts ч ch ш sh щ shch ъ - ы y ь - э e ю yu я ya',
    'є ye і i ї yi ґ g ў u ј j љ lj њ nj ћ c ђ dj џ dz ѕ dz',
    'α a β v γ g δ d ε e ζ z η i θ th ι i κ k λ l μ m ν n ξ x ο o π p ρ r σ s ς s τ t υ y φ f χ ch ψ ps ω o',
  ]
    .join(' ')
    .split(' ')
    .flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1] === '-' ? '' : all[i + 1]!]] : [])),
);

/** One character of a name as ASCII: itself, its letter without diacritics, its transliteration, else ` u<hex> ` (a word of its own). */
function asciiOf(char: string): string {
  if (ASCII_ONLY.test(char)) return char;
  const base = char.normalize('NFKD').replace(/\p{M}+/gu, '');
  if (base && ASCII_ONLY.test(base)) return base;
  if (LATIN[char] !== undefined) return LATIN[char];
  const lower = char.toLowerCase();
  const latin = TRANSLITERATED[lower] ?? TRANSLITERATED[lower.normalize('NFKD').replace(/\p{M}+/gu, '')];
  if (latin !== undefined) return lower === char || !latin ? latin : latin[0]!.toUpperCase() + latin.slice(1);
  // A letter or digit with no ASCII form: its code point, so two such names stay two names.
  return /[\p{L}\p{N}]/u.test(char) ? ` u${char.codePointAt(0)!.toString(16)} ` : ' ';
}

/**
 * A PascalCase TypeScript type name from any name: words split at separators (`-`, `.`, `_`, a
 * space, anything that cannot be part of an identifier), each capitalised and joined, then put in
 * the form the type generator (Modelina) gives model names, so the name declared and the name
 * referenced agree. A leading digit gets an `N` in front; a name with no letters or digits
 * becomes `Unnamed`. An ASCII name gives the same identifier as it always has.
 *
 * A name with letters beyond ASCII is written in ASCII (Modelina would drop them: `Größe` → `GrE`,
 * `Заказ` → an empty name): Latin letters without their diacritics (`Commande_Créée` →
 * `CommandeCreee`, `Größe` → `Grosse`), Cyrillic and Greek transliterated (`Заказ` → `Zakaz`), any
 * other letter by its code point (`注文` → `U6ce8U6587`).
 *
 * @example
 * ```ts
 * import { typeIdentifier } from '@sluice/codegen';
 *
 * typeIdentifier('user-signed-up'); // 'UserSignedUp'
 * typeIdentifier('lightMeasured'); // 'LightMeasured'
 * typeIdentifier('io.github.springwolf.dtos.ExamplePayloadDto'); // 'IoGithubSpringwolfDtosExamplePayloadDto'
 * ```
 */
export function typeIdentifier(name: string): string {
  if (ASCII_ONLY.test(name)) return asciiIdentifier(name.split(ASCII_SEPARATORS).filter(Boolean));
  return asciiIdentifier([...name.normalize('NFC')].map(asciiOf).join('').split(ASCII_SEPARATORS).filter(Boolean));
}

/** The generator's own model-name constraint, with its default options (ours change no naming option). */
const modelinaModelName = defaultModelNameConstraints();

/**
 * The name the type generator (Modelina) declares for a type titled `title` (a
 * {@link typeIdentifier}): the title itself, but for a TypeScript or JavaScript reserved word
 * (`Object`, `Arguments`, `Delete`, `String`, in any case), which it declares `Reserved<Title>`.
 * The generated module refers to a message's payload and headers types by this name; it used to
 * refer to `Object`, a type the generated types.d.ts did not declare.
 *
 * @example
 * ```ts
 * import { declaredTypeName } from '@sluice/codegen';
 *
 * declaredTypeName('OrderPlaced'); // 'OrderPlaced'
 * declaredTypeName('Object'); // 'ReservedObject'
 * ```
 */
export function declaredTypeName(title: string): string {
  const declared = modelinaModelName({ modelName: title, options: MODEL_NAME_OPTIONS } as unknown as Parameters<typeof modelinaModelName>[0]);
  return declared === `Reserved${title}` ? declared : title;
}

/** Words JavaScript does not allow as a bare binding name; as property keys they are fine. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * An object key for generated JavaScript or TypeScript: the name itself when it is an
 * identifier, else quoted (`"on-user-signed-up"`), so a hyphenated operation id or a dotted
 * message name is never a syntax error.
 *
 * @example
 * ```ts
 * import { propertyKey } from '@sluice/codegen';
 *
 * propertyKey('publishPayment'); // 'publishPayment'
 * propertyKey('on-user-signed-up'); // '"on-user-signed-up"'
 * ```
 */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * A member access for generated code: `.name`, or `["name"]` when the name is not an identifier.
 *
 * @example
 * ```ts
 * import { memberAccess } from '@sluice/codegen';
 *
 * memberAccess('PaymentCaptured'); // '.PaymentCaptured'
 * memberAccess('io.github.Payment'); // '["io.github.Payment"]'
 * ```
 */
export function memberAccess(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
