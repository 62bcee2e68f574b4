/** The help text `--help` prints, built from a command's spec. */
import { COMMON, type CommandSpec, type OptionSpec } from './spec.ts';

/** `-p, --port <n>`. */
function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}`;
  return spec.type === 'string' ? `${flag} <${spec.valueName ?? 'value'}>` : flag;
}

/**
 * The help text of a command, as `--help` prints it: the usage line, the description, the
 * sub-commands or arguments, the options (with `--help`, `--version` and `--debug`), the epilog and
 * the examples.
 *
 * @param command - the command to describe
 * @param invocation - what the user typed to reach it, shown in the usage line (`npx greet`)
 * @returns the text, lines joined with `\n`, without a trailing newline
 * @example
 * ```ts
 * import { helpText } from '@sluice/cli';
 *
 * const text = helpText(
 *   { name: 'greet', summary: 'say hello', positionals: [{ name: 'who', description: 'whom to greet', required: true }] },
 *   'npx greet',
 * );
 * // text starts with 'Usage: npx greet <who>'
 * ```
 */
export function helpText(command: CommandSpec, invocation: string): string {
  const positionals = (command.positionals ?? []).map((p) => (p.required ? `<${p.name}${p.variadic ? '...' : ''}>` : `[${p.name}${p.variadic ? '...' : ''}]`));
  const hasOptions = Object.keys(command.options ?? {}).length > 0;
  const usage = command.commands?.length
    ? `${invocation} <command> [options]`
    : [invocation, ...positionals, hasOptions ? '[options]' : ''].filter(Boolean).join(' ');
  const lines = [`Usage: ${usage}`, ''];
  if (command.description) lines.push(command.description.trim(), '');
  if (command.commands?.length) {
    const width = Math.max(...command.commands.map((c) => c.name.length));
    lines.push('Commands:', ...command.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '');
    lines.push(`Run \`${invocation} help <command>\` (or \`<command> --help\`) for a command's options.`, '');
  }
  if (command.positionals?.length) {
    const width = Math.max(...command.positionals.map((p) => p.name.length));
    lines.push('Arguments:', ...command.positionals.map((p) => `  ${p.name.padEnd(width)}  ${p.description}`), '');
  }
  const options = { ...(command.options ?? {}), ...COMMON };
  const labels = Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), spec] as const);
  const width = Math.max(...labels.map(([label]) => label.length));
  lines.push('Options:');
  for (const [label, spec] of labels) {
    const extra = [spec.choices ? `one of ${spec.choices.join(', ')}` : '', spec.defaultText ? `default: ${spec.defaultText}` : ''].filter(Boolean).join('; ');
    lines.push(`  ${label.padEnd(width)}  ${spec.description}${extra ? ` (${extra})` : ''}`);
  }
  if (command.epilog) lines.push('', command.epilog.trim());
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
