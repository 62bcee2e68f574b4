/**
 * Identifiers derived from the names a contract uses (message names, component keys, schema
 * titles, operation ids), deterministically: `user-signed-up`, `userSignedUp`,
 * `io.github.springwolf.UserSignedUp` all become TypeScript type names, and an operation id or a
 * message name that is not a JavaScript identifier becomes a quoted property key. The code
 * generator reports two names that would become one identifier; it never merges them.
 *
 * Names in other scripts than ASCII (`Bestellung_Größe`, `Заказ`, `注文`) keep their letters when
 * the type generator is told to keep them ({@link typeNameConstraint}); until then they become
 * readable ASCII (`BestellungGrosse`, `Zakaz`, `U6ce8U6587`), never an empty or `Unnamed` name.
 */
import { FormatHelpers, typeScriptDefaultModelNameConstraints } from '@asyncapi/modelina';

/**
 * Whether generated type names keep their Unicode letters. They may only once the type generator
 * (Modelina) is given {@link typeNameConstraint} as its `constraints.modelName`: its own
 * constraint drops every character that is not ASCII (`Größe` → `GrE`, `Заказ` → an empty name),
 * so a Unicode name we declare would not be the name Modelina declares. Switch it on in the same
 * commit that passes the constraint to the generator.
 */
const GENERATOR_KEEPS_UNICODE = false;

/** Words split at every character that is not an ASCII letter or digit. */
const ASCII_SEPARATORS = /[^A-Za-z0-9]+/;
/** Words split at every character that cannot continue an identifier, at `_` (and the other connector punctuation) and at the zero-width joiners. */
const UNICODE_SEPARATORS = /[^\p{ID_Continue}]+|[\p{Pc}\u200c\u200d]+/u;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
/** An identifier of Unicode letters and digits, as {@link unicodeIdentifier} makes them. */
const UNICODE_IDENTIFIER = /^\p{ID_Start}[^\P{ID_Continue}\p{Pc}\u200c\u200d]*$/u;
/** A lower-case letter, a caseless letter or a digit (with its marks) followed by a capital: `order|Created`, `Заказ|Создан`. */
const HUMP = /([\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{N}][\p{M}]*)(?=\p{Lu})/gu;
/** The last capital of an acronym, before a capitalised word: `IO|Event`, `ЗАКАЗ|Создан`. */
const ACRONYM_END = /(\p{Lu}[\p{M}]*)(?=\p{Lu}[\p{M}]*\p{Ll})/gu;

/** The ASCII PascalCase name, exactly as codegen has always made it and Modelina's own constraint keeps it. */
function asciiIdentifier(words: string[]): string {
  if (words.length === 0) return 'Unnamed';
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  const pascal = FormatHelpers.toPascalCase(/^[0-9]/.test(joined) ? `N${joined}` : joined);
  return /^[A-Za-z][A-Za-z0-9]*$/.test(pascal) ? pascal : joined.replace(/^([0-9])/, 'N$1');
}

/** One word of a Unicode name in PascalCase: first letter upper case (where the script has case), the rest lower case. */
function pascalWord(word: string): string {
  const [first = '', ...rest] = [...word];
  const upper = first.toUpperCase();
  // `ß` upper-cases to `SS`: a letter that becomes two stays as it is.
  return ([...upper].length === 1 ? upper : first) + rest.join('').toLowerCase();
}

/** The PascalCase name keeping every Unicode letter and digit: `Bestellung_Größe` → `BestellungGröße`. */
function unicodeIdentifier(name: string): string {
  const words = name.normalize('NFC').split(UNICODE_SEPARATORS).filter(Boolean);
  // Only ASCII letters left (`a²b`): the ASCII name, which Modelina's own constraint keeps as it is.
  if (words.every((w) => ASCII_ONLY.test(w))) return asciiIdentifier(words.flatMap((w) => w.split(ASCII_SEPARATORS)).filter(Boolean));
  const joined = words
    .flatMap((w) => w.replace(HUMP, '$1\0').replace(ACRONYM_END, '$1\0').split('\0'))
    .filter(Boolean)
    .map(pascalWord)
    .join('');
  // Composed again: an `N` in front of a combining mark would compose with it in the next reading, which must give the same name.
  return (/^\p{ID_Start}/u.test(joined) ? joined : `N${joined}`).normalize('NFC');
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
 * A name with letters beyond ASCII keeps them (`Bestellung_Größe` → `BestellungGröße`, `Заказ` →
 * `Заказ`, `注文` → `注文`) once the generator keeps them ({@link typeNameConstraint}); until then
 * it is written in ASCII: Latin letters without their diacritics (`Commande_Créée` →
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
  if (GENERATOR_KEEPS_UNICODE) return unicodeIdentifier(name);
  return asciiIdentifier([...name.normalize('NFC')].map(asciiOf).join('').split(ASCII_SEPARATORS).filter(Boolean));
}

const modelinaModelName = typeScriptDefaultModelNameConstraints();

/**
 * The model-name constraint to give the type generator (`new TypeScriptGenerator({ constraints:
 * { modelName: typeNameConstraint } })`): a name with letters beyond ASCII becomes
 * {@link typeIdentifier}'s Unicode name (a name that already is one is kept as it is) instead of losing those letters;
 * an ASCII name is constrained by Modelina's own constraint, exactly as without this one.
 *
 * @example
 * ```ts
 * import { typeNameConstraint } from './identifiers.ts';
 *
 * typeNameConstraint({ modelName: 'BestellungGröße' }); // 'BestellungGröße'
 * typeNameConstraint({ modelName: 'order_created' }); // 'OrderCreated'
 * ```
 */
export function typeNameConstraint(context: { modelName: string; options?: unknown }): string {
  const name = context.modelName;
  if (ASCII_ONLY.test(name)) return modelinaModelName(context as Parameters<typeof modelinaModelName>[0]);
  // Already a PascalCase identifier (a title typeIdentifier made): kept as it is, so reading it again never changes it.
  const first = [...name][0]!;
  const capitalised = first.toUpperCase() === first || [...first.toUpperCase()].length > 1;
  return capitalised && UNICODE_IDENTIFIER.test(name) && name === name.normalize('NFC') ? name : unicodeIdentifier(name);
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
