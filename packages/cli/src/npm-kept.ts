/**
 * What npm kept for itself of a command's options. Typed before `npm run <script>`'s `--`
 * (`npm run codegen --check`), an option is npm's: npm reads it as its own config, exports it to
 * the script as `npm_config_<name>` and passes the value after it on as an argument. npm exports
 * its config files' settings, its environment's and an outer script's the same way, so a variable
 * counts only where nothing but this command line can have set it; where that cannot be told, the
 * kit says nothing rather than warn of what the user never typed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandSpec } from './spec.ts';

/** An option of a command that npm kept for itself, and its value when npm read one (`--port=4620`). */
export interface OptionNpmTook {
  name: string;
  /** What npm read as its value: absent for a flag, and for a `--name value` npm read as a flag (passing `value` on as an argument). */
  value?: string;
}

/** `npm_config_<key>` as npm names the variable of a setting (`dry-run` is `npm_config_dry_run`). */
const variableOf = (key: string) => `npm_config_${key.replace(/[-.]/g, '_').toLowerCase()}`;

/**
 * npm's own settings (npm 11's `npm config ls -l`, with the prefixes it exports besides): any of
 * them may come from npm's config files, its environment or npm itself (`npx -y` exports
 * `npm_config_yes=true`), so a command's option of the same name is never said to be kept.
 */
const NPM_SETTINGS = new Set(
  `
  access all allow-directory allow-file allow-git allow-remote allow-same-version allow-scripts
  allow-scripts-pending allow-scripts-pin also audit audit-level auth-type before bin-links browser
  bypass-2fa ca cache cache-max cache-min cafile call cert cidr color commit-hooks cpu
  dangerously-allow-all-scripts depth description dev diff diff-dst-prefix diff-ignore-all-space
  diff-name-only diff-no-prefix diff-src-prefix diff-text diff-unified dry-run editor engine-strict
  expect-result-count expect-results expires fetch-retries fetch-retry-factor fetch-retry-maxtimeout
  fetch-retry-mintimeout fetch-timeout force foreground-scripts format-package-lock fund git
  git-tag-version global global-prefix global-style globalconfig heading https-proxy if-present
  ignore-scripts include include-attestations include-staged include-workspace-root
  init-author-email init-author-name init-author-url init-license init-module init-private init-type
  init-version init.author.email init.author.name init.author.url init.license init.module
  init.version install-links install-strategy json key legacy-bundling legacy-peer-deps libc link
  local-address local-prefix location lockfile-version loglevel logs-dir logs-max long maxsockets
  message min-release-age min-release-age-exclude name node-gyp node-options nodedir noproxy
  npm-version offline omit omit-lockfile-registry-resolved only optional orgs orgs-permission os otp
  pack-destination package package-lock package-lock-only packages packages-all
  packages-and-scopes-permission parseable prefer-dedupe prefer-offline prefer-online prefix preid
  production progress provenance provenance-file proxy read-only rebuild-bundle registry
  replace-registry-host save save-bundle save-dev save-exact save-optional save-peer save-prefix
  save-prod sbom-format sbom-type scope scopes script-shell searchexclude searchlimit searchopts
  searchstaleness shell shrinkwrap sign-git-commit sign-git-tag strict-allow-scripts
  strict-peer-deps strict-ssl tag tag-version-prefix timing token-description umask unicode
  update-notifier usage user-agent userconfig version versions viewer which workspace workspaces
  workspaces-update yes
`
    .trim()
    .split(/\s+/)
    .map(variableOf),
);

/** The npm commands that run a script with the arguments after `--` (`npx` is `exec`); `npm install` runs scripts too, its flags its own. */
const SCRIPT_RUNNERS = new Set(['run', 'run-script', 'start', 'test', 'restart', 'stop', 'exec']);

/** The folder npm puts on a script's PATH (beside `node_modules/.bin`) each time it runs one. */
const NPM_SCRIPT_PATH = /[\\/]@npmcli[\\/]run-script[\\/]lib[\\/]node-gyp-bin[\\/]?$/;

/**
 * Whether the npm command line that ran this process is the only place its `npm_config_*` can
 * have come from besides npm's config files: npm ran it for `npm run`, `npm start`, `npm test` or
 * `npx` (npm sets `npm_command`; pnpm and yarn, which keep no options, do not), and not from
 * inside another npm script. An inner npm reads the outer one's `npm_config_*` as its environment
 * and exports them again, the script's environment the same as if typed, and npm 11 exposes
 * nothing of its command line (`npm_config_argv` went with npm 7): only its script folder on PATH
 * twice tells that an npm script ran the npm that ran this one. The option may then have been
 * typed for the outer script, so nothing is said.
 */
function ranByNpmCommandLine(env: NodeJS.ProcessEnv): boolean {
  if (!env.npm_lifecycle_event || !SCRIPT_RUNNERS.has(env.npm_command ?? '')) return false;
  const entries = (env.PATH ?? env.Path ?? '').split(path.delimiter);
  return entries.filter((entry) => NPM_SCRIPT_PATH.test(entry)).length <= 1;
}

/**
 * The values npm's config files give each setting, by variable name, as npm exports them: the
 * project's (`<local prefix>/.npmrc`), the user's, the global one and npm's own (`<npm>/npmrc`).
 * `${VAR}` in a value is VAR's value, as npm reads it; a file that cannot be read gives nothing.
 */
function npmrcSettings(env: NodeJS.ProcessEnv): Map<string, Set<string>> {
  const files = [
    env.npm_config_local_prefix && path.join(env.npm_config_local_prefix, '.npmrc'),
    env.npm_config_userconfig,
    env.npm_config_globalconfig,
    env.npm_execpath && path.join(path.dirname(path.dirname(env.npm_execpath)), 'npmrc'),
  ];
  const settings = new Map<string, Set<string>>();
  for (const file of files) {
    let text = '';
    try {
      if (file) text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split(/\r?\n/)) {
      const entry = /^\s*([^#;=\s][^=]*?)\s*(?:=\s*(.*?)\s*)?$/.exec(line);
      if (!entry) continue;
      const key = variableOf(unquoted(entry[1]!).replace(/\[\]$/, ''));
      const value = entry[2] === undefined ? 'true' : unquoted(entry[2]).replace(/\$\{([^${}?]+)\??\}/g, (_, name: string) => env[name] ?? '');
      settings.set(key, (settings.get(key) ?? new Set<string>()).add(value));
    }
  }
  return settings;
}

function unquoted(text: string): string {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(text);
  return quoted ? (quoted[1] ?? quoted[2]!) : text;
}

/**
 * The options of `command` that npm kept for itself: typed before `--` (`npm start --port 4620`),
 * npm reads each as its own config (`npm_config_port=true` in the script's environment) and passes
 * the value after it on as an argument; `--port=4620` it keeps whole (`npm_config_port=4620`). An
 * empty `npm_config_*` is a setting npm exports without a value, not one it was given. Only what
 * this npm command line alone can have set counts: not npm's own settings, not a value an .npmrc
 * gives, nothing under an outer npm script or `npm install` ({@link ranByNpmCommandLine}).
 */
export function optionsNpmTook(command: CommandSpec, env: NodeJS.ProcessEnv): OptionNpmTook[] {
  if (!ranByNpmCommandLine(env)) return [];
  const exported = Object.entries(command.options ?? {}).filter(([name, spec]) => env[variableOf(name)] && (!NPM_SETTINGS.has(variableOf(name)) || ownSwitchMaySay(name, spec, env)));
  if (exported.length === 0) return [];
  const npmrc = npmrcSettings(env);
  return exported.flatMap(([name, spec]): OptionNpmTook[] => {
    const kept = env[variableOf(name)]!;
    if (kept === 'false' || npmrc.get(variableOf(name))?.has(kept)) return [];
    if (spec.type === 'boolean') return kept === 'true' ? [{ name }] : [];
    return [kept === 'true' ? { name } : { name, value: kept }];
  });
}

/**
 * Whether a command's switch named as one of npm's own true/false settings (`--dry-run`, `--json`,
 * `--yes`) is said when npm exported it `true`: such a switch typed before `--` changes what the
 * command does (`dlq redrive --dry-run` then redrives for real), so it is said like any other,
 * unless npm's config files give it (checked by the caller) or `npx -y` set it (`yes` under npx,
 * typed for npx itself). A string option named as one of npm's settings (`--message`) stays
 * unsaid: its value is npm's as often as the user's.
 */
function ownSwitchMaySay(name: string, spec: { type: string }, env: NodeJS.ProcessEnv): boolean {
  if (spec.type !== 'boolean' || env[variableOf(name)] !== 'true') return false;
  return !(name === 'yes' && env.npm_command === 'exec');
}

/**
 * `word` as a POSIX shell reads it back: as is when the shell reads nothing in it, else in single quotes (`'Desk lamp'`, `'Bob'\''s'`).
 *
 * @example
 * ```ts
 * import { shellWord } from '@sluice/cli';
 *
 * `cd ${shellWord('My project')}`; // "cd 'My project'"
 * ```
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The options npm kept, as the command takes them after `--`: a flag alone, an option with the
 * value npm read, else with the first of `values` (arguments npm passed on) it fits (one of its
 * choices, else any value when it has no choices), else its placeholder. Values shell-quoted.
 */
export function keptAsTyped(command: CommandSpec, took: readonly OptionNpmTook[], values: readonly string[] = []): string {
  const left = [...values];
  return took
    .map(({ name, value }) => {
      const spec = command.options?.[name];
      if (spec?.type === 'boolean') return `--${name}`;
      if (value !== undefined) return `--${name} ${shellWord(value)}`;
      const fits = left.findIndex((v) => spec?.choices?.includes(v));
      const at = fits >= 0 ? fits : spec?.choices ? -1 : left.findIndex((v) => !v.startsWith('-'));
      const given = at >= 0 ? left.splice(at, 1)[0] : undefined;
      return `--${name} ${given === undefined ? `<${spec?.valueName ?? 'value'}>` : shellWord(given)}`;
    })
    .join(' ');
}

/**
 * What to write for the options npm kept to reach the command, said as a condition, since the kit
 * sees what npm exported, never what was typed: `if you typed --check before --, npm kept it for
 * itself: write npm run codegen -- --check`. `typed` names the options (`--check`, or `it`);
 * `write` is the command's own arguments as typed, then the options. npx passes `--` on to the
 * command, so under npx there is none.
 */
export function ifNpmKept(typed: string, count: number, invocation: string, write: readonly string[], env: NodeJS.ProcessEnv): string {
  const npx = env.npm_lifecycle_event === 'npx';
  const line = [invocation.replace(/ --$/, ''), ...(npx ? [] : ['--']), ...write].join(' ');
  return `if you typed ${typed} ${npx ? 'before the command, npx' : 'before --, npm'} kept ${count === 1 ? 'it' : 'them'} for itself: write ${line}`;
}
