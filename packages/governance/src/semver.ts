/**
 * Versions as semver.org writes them, and their precedence: what `contract:release` holds
 * `info.version` to (AsyncAPI leaves it free-form; a release's arithmetic, a break being a new
 * major and a version never going down, needs semver's).
 */

/** A semver.org version: its three numbers and its pre-release identifiers, as written (build metadata dropped: it has no precedence). */
export interface Semver {
  core: [string, string, string];
  pre: string[];
}

/** `version` read as semver.org writes versions (no leading v); undefined for another form. */
export function semver(version: unknown): Semver | undefined {
  const n = '0|[1-9]\\d*';
  const id = `${n}|\\d*[a-zA-Z-][0-9a-zA-Z-]*`;
  const m = typeof version === 'string' ? new RegExp(`^(${n})\\.(${n})\\.(${n})(?:-((?:${id})(?:\\.(?:${id}))*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`).exec(version) : null;
  return m ? { core: [m[1]!, m[2]!, m[3]!], pre: m[4] === undefined ? [] : m[4].split('.') } : undefined;
}

/**
 * Negative when `a` is the lower version by semver precedence, positive when the higher, 0 when
 * equal: the numbers in turn, then a pre-release below its version, its identifiers compared in
 * turn (numbers as numbers, below words; words in ASCII order; more identifiers above fewer).
 */
export function comparePrecedence(a: Semver, b: Semver): number {
  // Numbers as digits (no leading zeros): the longer is the greater, whatever their size.
  const numbers = (x: string, y: string) => x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return numbers(a.core[i]!, b.core[i]!);
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i]!, b.pre[i]!];
    if (x === y) continue;
    const [xn, yn] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xn && yn) return numbers(x, y);
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}
