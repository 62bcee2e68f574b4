/**
 * The CLI kit (`@sluice/cli`) in process: the error path every entry point shares. The entry
 * points themselves, spawned as users run them, are in entry-points.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CliError, describeFailure, integerOption, invocationOf, PROGRESS_LINE_EVERY_MS, ProgressBar, runCli, UsageError, urlOption, type ProgramSpec } from '@sluice/cli';
import { captureIO } from '../../../tests/helpers/capture-io.ts';

class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** A program with every kind of failure a command can have. */
const program: ProgramSpec = {
  name: 'tool',
  invocation: 'npx tool',
  version: '1.2.3',
  summary: 'test program',
  commands: [
    {
      name: 'fail',
      summary: 'fails the way --kind says',
      options: { kind: { type: 'string', choices: ['plain', 'type', 'config', 'cli', 'string', 'fetch', 'hostile', 'hostile-usage'], description: 'how' }, count: { type: 'string', valueName: 'n', description: 'a number' } },
      run({ values }) {
        integerOption('count', values.count, { min: 1, max: 9 });
        switch (values.kind) {
          case 'plain':
            throw new Error('the disk is full');
          case 'type':
            return (undefined as unknown as { x: () => number }).x();
          case 'config':
            throw new ConfigurationError('ORDER_TOPIC_ARN is not set: run it under `sst shell`');
          case 'cli':
            throw new CliError('no order ord-1', { next: 'See the stored ids with: npx tool list' });
          case 'string':
            throw 'a string';
          case 'fetch':
            throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
          case 'hostile':
            // What a contract or a message may hold, quoted in a refusal: an escape sequence, a bidi override, a carriage return.
            throw new CliError('info.version is still 1.0.0\u001b]0;pwned\u0007:\n  - message Evil\u202eexe\rforged', { next: 'Bump it past 1.0.0\u001b[2J' });
          case 'hostile-usage':
            throw new UsageError('no message Evil\u001b[2J in the contract');
        }
        return 0;
      },
    },
    { name: 'group', summary: 'a group', commands: [{ name: 'leaf', summary: 'a leaf', options: { json: { type: 'boolean', description: 'JSON' } }, run: () => 0 }] },
  ],
};

async function run(...argv: string[]) {
  const io = captureIO();
  const code = await runCli(program, argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr(), lines: io.stderr().trimEnd().split('\n') };
}

const STACK = /^\s+at /m;

describe('runCli: failures while running', () => {
  it('reports a plain Error as the program and the message, with the --debug hint, exit 1', async () => {
    const r = await run('fail', '--kind', 'plain');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.lines).toEqual(['tool fail: the disk is full', '(run again with --debug for the stack trace)']);
  });

  it.each([
    ['type', 'tool fail: Cannot read properties of undefined'],
    ['config', 'tool fail: ORDER_TOPIC_ARN is not set: run it under `sst shell`'],
    ['string', 'tool fail: a string'],
    ['fetch', 'tool fail: fetch failed (connect ECONNREFUSED 127.0.0.1:9)'],
  ])('never shows a class name (%s), nor a stack', async (kind, first) => {
    const r = await run('fail', '--kind', kind);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(new RegExp(`^${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.stderr).not.toMatch(/TypeError|ConfigurationError|\bError:/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('prints a CliError and its next step, without the hint', async () => {
    const r = await run('fail', '--kind', 'cli');
    expect(r).toMatchObject({ code: 1, lines: ['tool fail: no order ord-1', 'See the stored ids with: npx tool list'] });
  });

  it('prints the stack (and the cause) with --debug, wherever --debug is', async () => {
    for (const argv of [['fail', '--kind', 'fetch', '--debug'], ['--debug', 'fail', '--kind', 'fetch']]) {
      const r = await run(...argv);
      expect(r.code).toBe(1);
      expect(r.lines[0]).toBe('tool fail: fetch failed (connect ECONNREFUSED 127.0.0.1:9)');
      expect(r.stderr).toMatch(STACK);
      expect(r.stderr).toMatch(/^caused by: Error: connect ECONNREFUSED 127\.0\.0\.1:9$/m);
    }
  });
});

describe('runCli: what a failure quotes is terminal-safe', () => {
  it('shows escapes, bidi controls and carriage returns as escapes, keeping the lines of the message (they reached the terminal raw)', async () => {
    const failed = await run('fail', '--kind', 'hostile');
    expect(failed.code).toBe(1);
    expect(failed.lines).toEqual(['tool fail: info.version is still 1.0.0\\x1b]0;pwned\\x07:', '  - message Evil\\u202eexe\\rforged', 'Bump it past 1.0.0\\x1b[2J']);
    const usage = await run('fail', '--kind', 'hostile-usage');
    expect(usage.code).toBe(2);
    expect(usage.lines[0]).toBe('tool fail: no message Evil\\x1b[2J in the contract');
  });
});

describe('runCli: usage errors', () => {
  it.each([
    [['nope'], 'tool: unknown command "nope": commands are fail, group', 'npx tool'],
    [['fial'], 'tool: unknown command "fial": did you mean fail? commands are fail, group', 'npx tool'],
    [['--json'], 'tool: unknown option --json: give a command first, then the option: npx tool group leaf --json', 'npx tool'],
    [['--frobnicate'], 'tool: unknown option --frobnicate: no command takes it; give a command first (fail, group)', 'npx tool'],
    [['fail', '--knid', 'x'], 'tool fail: unknown option --knid: did you mean --kind?', 'npx tool fail'],
    [['fail', '--frobnicate'], 'tool fail: unknown option --frobnicate: npx tool fail takes --kind, --count', 'npx tool fail'],
    [['fail', '--kind'], 'tool fail: --kind needs a value: --kind <value>', 'npx tool fail'],
    [['fail', '--count', '-3'], 'tool fail: --count "-3": a value starting with a dash goes after an equals sign, --count=-3', 'npx tool fail'],
    [['fail', '--count=-3'], 'tool fail: --count must be a whole number from 1 to 9, got "-3"', 'npx tool fail'],
    [['fail', '--kind', 'loud'], 'tool fail: --kind "loud" is not one of plain, type, config, cli, string, fetch, hostile, hostile-usage', 'npx tool fail'],
    [['fail', 'extra'], 'tool fail: unexpected argument "extra": npx tool fail takes no arguments', 'npx tool fail'],
    [['group', 'leaf', '--json=yes'], 'tool group leaf: --json takes no value, got "yes": give --json alone', 'npx tool group leaf'],
    [['group', 'nope'], 'tool group: unknown command "nope": commands are leaf', 'npx tool group'],
  ])('%j: one line, then the --help pointer, exit 2', async (argv, message, invocation) => {
    const r = await run(...argv);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.lines).toEqual([message, `Run \`${invocation} --help\` for usage.`]);
  });
});

/**
 * Runs `body` as a script `npm run` started (`npm_command` run, npm's script folder once on PATH),
 * with `vars` exported and no .npmrc but those `npmrc` gives (project, user, global): the
 * environment npm gives the script, not the one the tests run in.
 */
async function underNpm(vars: Record<string, string>, body: () => Promise<void>, npmrc: { project?: string; user?: string } = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npm-kept-'));
  try {
    if (npmrc.project !== undefined) writeFileSync(path.join(dir, '.npmrc'), npmrc.project);
    if (npmrc.user !== undefined) writeFileSync(path.join(dir, 'user.npmrc'), npmrc.user);
    const env = {
      npm_command: 'run',
      PATH: [path.join(dir, 'node_modules', '.bin'), path.join(dir, 'npm', 'node_modules', '@npmcli', 'run-script', 'lib', 'node-gyp-bin'), '/usr/bin'].join(path.delimiter),
      npm_config_local_prefix: dir,
      npm_config_userconfig: path.join(dir, 'user.npmrc'),
      npm_config_globalconfig: path.join(dir, 'global.npmrc'),
      npm_execpath: path.join(dir, 'npm', 'bin', 'npm-cli.js'),
      ...vars,
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await body();
  } finally {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('runCli: options typed before -- in an npm script', () => {
  it('says npm took them for itself, and how to pass them (it said only "takes no arguments")', async () => {
    // `npm run tool --count 3 --kind cli`: npm keeps --count and --kind as its own config and passes "3" on.
    await underNpm({ npm_lifecycle_event: 'tool', npm_config_count: 'true', npm_config_kind: 'true' }, async () => {
      const r = await run('fail', '3');
      expect(r.code).toBe(2);
      expect(r.lines[0]).toBe('tool fail: unexpected argument "3": npx tool fail takes no arguments; if you typed --kind, --count before --, npm kept them for itself: write npx tool fail -- --kind <value> --count 3');
    });
    // Outside npm, nothing of the kind is said.
    expect((await run('fail', '3')).lines[0]).toBe('tool fail: unexpected argument "3": npx tool fail takes no arguments');
  });

  it('names the option a swallowed value belongs to: npm run tool --kind cli gave "cli" alone (it said only "takes no arguments")', async () => {
    // npm reads --kind (a prefix of one of its own settings, say) as its own, exports nothing, and passes "cli" on.
    await underNpm({ npm_lifecycle_event: 'tool' }, async () => {
      expect((await run('fail', 'cli')).lines[0]).toBe('tool fail: unexpected argument "cli": npx tool fail takes no arguments; "cli" is a value of --kind: if you typed --kind before --, npm kept it for itself: write npx tool fail -- --kind cli');
      // With npm_config_kind=true it is known: npm kept it.
      vi.stubEnv('npm_config_kind', 'true');
      expect((await run('fail', 'cli')).lines[0]).toBe('tool fail: unexpected argument "cli": npx tool fail takes no arguments; if you typed --kind before --, npm kept it for itself: write npx tool fail -- --kind cli');
    });
  });

  it("writes the command's own arguments first in what to write (npm run mk app --contract c.yaml)", async () => {
    const mk: ProgramSpec = {
      name: 'mk',
      invocation: 'npm run mk --',
      summary: 'makes',
      positionals: [{ name: 'dir', description: 'where', required: true }],
      options: { contract: { type: 'string', valueName: 'file', description: 'the contract' } },
      run: () => 0,
    };
    await underNpm({ npm_lifecycle_event: 'mk', npm_config_contract: 'true' }, async () => {
      const io = captureIO();
      expect(await runCli(mk, ['my app', 'c.yaml'], io)).toBe(2);
      expect(io.stderr().split('\n')[0]).toBe("mk: unexpected argument \"c.yaml\": npm run mk -- takes at most 1 argument(s); if you typed --contract before --, npm kept it for itself: write npm run mk -- 'my app' --contract c.yaml");
    });
  });

  it('says an option npm kept with its value (npm run tool --count=3: npm_config_count=3, the command got nothing, silently)', async () => {
    await underNpm({ npm_lifecycle_event: 'tool', npm_config_count: '3' }, async () => {
      expect((await run('fail', '--kind', 'plain')).lines[0]).toBe('tool fail: this command did not get --count, so it did nothing: if you typed it before --, npm kept it for itself: write npx tool fail -- --count 3');
    });
  });

  it('refuses, doing nothing, when an option npm kept for itself did not reach the command and nothing else gives it away (npm start --in-memory ran persistent, silently, then with a warning)', async () => {
    await underNpm({ npm_lifecycle_event: 'tool', npm_config_count: 'true' }, async () => {
      const r = await run('fail', '--kind', 'plain');
      expect(r.lines[0]).toBe('tool fail: this command did not get --count, so it did nothing: if you typed it before --, npm kept it for itself: write npx tool fail -- --count <n>');
      // Given after --, as meant: no warning.
      expect((await run('fail', '--kind', 'plain', '--count', '2')).lines.join('\n')).not.toContain('npm kept');
    });
    expect((await run('fail', '--kind', 'plain')).lines.join('\n')).not.toContain('npm kept');
  });
});

describe('runCli: what npm exports that the user did not type on this command line is not said', () => {
  /** A command with options npm may export: one named as npm's own setting (message), others not. */
  const publisher: ProgramSpec = {
    name: 'pub',
    invocation: 'npx pub',
    summary: 'publishes',
    options: {
      message: { type: 'string', valueName: 'name', description: 'which message' },
      check: { type: 'boolean', description: 'check only' },
      stage: { type: 'string', valueName: 'name', description: 'the stage' },
      'item-name': { type: 'string', valueName: 'name', description: 'the item' },
      format: { type: 'string', choices: ['text', 'json'], description: 'how' },
    },
    run: () => 0,
  };
  async function publish(...argv: string[]) {
    const io = captureIO();
    const code = await runCli(publisher, argv, io);
    return { code, stderr: io.stderr(), lines: io.stderr().trimEnd().split('\n') };
  }

  it('says nothing of a setting an .npmrc gives (message=chore: release %s warned on every run, "write … -- --message chore: release %s")', async () => {
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_message: 'chore: release %s', npm_config_stage: 'prod' }, async () => {
      expect(await publish()).toMatchObject({ code: 0, stderr: '' });
    }, { project: '# release settings\nmessage=chore: release %s\n', user: 'stage = "prod"\n' });
    // A value other than the one the .npmrc gives was typed: said.
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_stage: 'dev' }, async () => {
      expect((await publish()).lines[0]).toBe('pub: this command did not get --stage, so it did nothing: if you typed it before --, npm kept it for itself: write npx pub -- --stage dev');
    }, { user: 'stage=prod\n' });
  });

  it("says npm's own true/false settings a command has as switches when npm exported them true and no .npmrc gives them (npm run x dlq redrive --dry-run redrove for real, unsaid, then with a warning): refused, nothing done; but not npx -y's yes", async () => {
    const switches: ProgramSpec = {
      name: 'ops',
      invocation: 'npx ops',
      summary: 'operator commands',
      options: { 'dry-run': { type: 'boolean', description: 'move nothing' }, yes: { type: 'boolean', description: 'no question' } },
      run: () => 0,
    };
    const said = async () => {
      const io = captureIO();
      await runCli(switches, [], io);
      return io.stderr();
    };
    await underNpm({ npm_lifecycle_event: 'ops', npm_config_dry_run: 'true' }, async () => {
      // Refused, nothing run: it warned, and redrove for real.
      expect(await said()).toBe('ops: this command did not get --dry-run, so it did nothing: if you typed it before --, npm kept it for itself: write npx ops -- --dry-run\nRun `npx ops --help` for usage.\n');
      let ran = false;
      expect(await runCli({ ...switches, run: () => ((ran = true), 0) }, [], captureIO())).toBe(2);
      expect(ran).toBe(false);
    });
    await underNpm({ npm_lifecycle_event: 'ops', npm_config_dry_run: 'true' }, async () => {
      expect(await said()).toBe('');
    }, { user: 'dry-run=true\n' });
    await underNpm({ npm_lifecycle_event: 'npx', npm_command: 'exec', npm_config_yes: 'true' }, async () => {
      expect(await said()).toBe('');
    });
  });

  it("says nothing of npm's own settings, which npm's config files, its environment and npm itself set (npm_config_message with no .npmrc warned)", async () => {
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_message: 'release' }, async () => {
      expect(await publish()).toMatchObject({ code: 0, stderr: '' });
    });
  });

  it('says nothing to a script another npm script ran, nor under npm install: npm_config_* is inherited, or typed for npm (npm run outer --stage=prod warned in the inner script)', async () => {
    const nested = { npm_lifecycle_event: 'pub', npm_config_stage: 'prod' };
    await underNpm(nested, async () => {
      // Each npm run puts its script folder on PATH: twice, an npm script ran the npm that ran this one.
      const runScript = path.join('npm', 'node_modules', '@npmcli', 'run-script', 'lib', 'node-gyp-bin');
      vi.stubEnv('PATH', [`/a/${runScript}`, `/b/${runScript}`, process.env.PATH].join(path.delimiter));
      expect(await publish()).toMatchObject({ code: 0, stderr: '' });
    });
    await underNpm({ ...nested, npm_command: 'install' }, async () => {
      expect(await publish()).toMatchObject({ code: 0, stderr: '' });
    });
    // Run by npm run itself: said.
    await underNpm(nested, async () => {
      expect((await publish()).lines[0]).toBe('pub: this command did not get --stage, so it did nothing: if you typed it before --, npm kept it for itself: write npx pub -- --stage prod');
    });
  });

  it('still says a flag npm kept for itself (npm run codegen --check: npm_config_check=true, check not an npm setting)', async () => {
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_check: 'true' }, async () => {
      expect((await publish()).lines[0]).toBe('pub: this command did not get --check, so it did nothing: if you typed it before --, npm kept it for itself: write npx pub -- --check');
    });
  });

  it("shell-quotes the values in what to write (npm_config_item_name='Desk lamp' gave --item-name Desk lamp)", async () => {
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_item_name: 'Desk lamp' }, async () => {
      expect((await publish()).lines[0]).toBe("pub: this command did not get --item-name, so it did nothing: if you typed it before --, npm kept it for itself: write npx pub -- --item-name 'Desk lamp'");
    });
    await underNpm({ npm_lifecycle_event: 'pub', npm_config_item_name: "Bob's $HOME" }, async () => {
      expect((await publish()).lines[0]).toContain(`write npx pub -- --item-name 'Bob'\\''s $HOME'`);
    });
  });

  it('writes no -- under npx, which passes it on to the command (write npx pub publish -- --check gave unexpected argument "--check")', async () => {
    await underNpm({ npm_lifecycle_event: 'npx', npm_command: 'exec', npm_config_check: 'true' }, async () => {
      expect((await publish()).lines[0]).toBe('pub: this command did not get --check, so it did nothing: if you typed it before the command, npx kept it for itself: write npx pub --check');
      expect((await publish('json')).lines[0]).toBe('pub: unexpected argument "json": npx pub takes no arguments; if you typed --check before the command, npx kept it for itself: write npx pub --check');
    });
    await underNpm({ npm_lifecycle_event: 'npx', npm_command: 'exec' }, async () => {
      expect((await publish('json')).lines[0]).toBe('pub: unexpected argument "json": npx pub takes no arguments; "json" is a value of --format: if you typed --format before the command, npx kept it for itself: write npx pub --format json');
    });
  });
});

describe('runCli: choices', () => {
  it('takes a choice written in another case as the choice declared (--log-level debug for DEBUG): the command reads only declared values', async () => {
    // Upper case reaches the command as `plain`, which fails as `plain` does; a value outside the choices still does not.
    const r = await run('fail', '--kind', 'PLAIN');
    expect(r.code).toBe(1);
    expect(r.lines[0]).toBe('tool fail: the disk is full');
    expect((await run('fail', '--kind', 'Cli')).lines[0]).toBe('tool fail: no order ord-1');
    expect((await run('fail', '--kind', 'PLAINS')).code).toBe(2);
  });
});

describe('runCli: --help, --version, help <command>', () => {
  it.each([[['--version']], [['group', '--version']], [['group', 'leaf', '--version']], [['fail', '--version']]])('%j prints the version', async (argv) => {
    expect(await run(...argv)).toMatchObject({ code: 0, stdout: '1.2.3\n', stderr: '' });
  });

  it.each([
    [['--help'], 'Usage: npx tool <command> [options]'],
    [['help'], 'Usage: npx tool <command> [options]'],
    [['help', 'fail'], 'Usage: npx tool fail [options]'],
    [['help', 'group', 'leaf'], 'Usage: npx tool group leaf [options]'],
    [['group', 'help', 'leaf'], 'Usage: npx tool group leaf [options]'],
    [['group', '-h'], 'Usage: npx tool group <command> [options]'],
    [['group', 'leaf', '--help'], 'Usage: npx tool group leaf [options]'],
  ])('%j prints that help', async (argv, usage) => {
    const r = await run(...argv);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe(usage);
  });
});

describe('helpers', () => {
  it('names the invocation npm ran: `npm run orders --` under npm run, else the declared one', () => {
    const orders = { ...program, name: 'orders', invocation: 'npx orders' };
    expect(invocationOf(orders, { npm_lifecycle_event: 'orders' })).toBe('npm run orders --');
    expect(invocationOf(orders, { npm_lifecycle_event: 'npx' })).toBe('npx orders');
    expect(invocationOf(orders, { npm_lifecycle_event: 'test' })).toBe('npx orders');
    expect(invocationOf(orders, {})).toBe('npx orders');
    expect(invocationOf({ ...program, name: 'start', invocation: 'npm start --' }, { npm_lifecycle_event: 'start' })).toBe('npm start --');
  });

  it('parses whole numbers and URLs, echoing a bad value in a UsageError', () => {
    expect(integerOption('port', '0', { min: 0, max: 65535 })).toBe(0);
    expect(integerOption('port', undefined, { min: 0 })).toBeUndefined();
    for (const bad of ['abc', '1.5', '', '1e3', '70000']) expect(() => integerOption('port', bad, { min: 0, max: 65535 })).toThrow(UsageError);
    expect(() => integerOption('count', 'x', { min: 1 })).toThrow('--count must be a whole number >= 1, got "x"');
    expect(urlOption('endpoint', 'http://127.0.0.1:4566/')).toBe('http://127.0.0.1:4566');
    expect(() => urlOption('endpoint', 'localhost:4566')).toThrow('--endpoint "localhost:4566" is not an http(s) URL');
  });

  it('describes an AggregateError by its errors', () => {
    expect(describeFailure(new AggregateError([new Error('connect ECONNREFUSED ::1:9'), new Error('connect ECONNREFUSED 127.0.0.1:9')], ''))).toBe(
      'connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(describeFailure(new Error('ConfigurationError: no topic'))).toBe('no topic');
    // tsx's failure to compile application code it loads (npm start reading src/settings.ts): one
    // line, the file relative to the working directory, the column from 1 (esbuild's counts from 0).
    const settings = path.join(process.cwd(), 'packages/orders/src/settings.ts');
    expect(describeFailure(new Error(`Transform failed with 1 error:\n${settings}:56:10: ERROR: Unexpected ";"`))).toBe('code it loads does not compile: packages/orders/src/settings.ts:56:11: Unexpected ";"');
  });
});

describe('ProgressBar, not on a terminal', () => {
  it('prints a line at each quarter and, between them, at least every PROGRESS_LINE_EVERY_MS (a long run was silent until its first quarter)', () => {
    const lines: string[] = [];
    let now = 0;
    const bar = new ProgressBar(1_000_000, 'publishing', { write: (s: string) => lines.push(s), isTTY: false }, () => now);
    bar.update(10);
    expect(lines).toEqual([]);
    now += PROGRESS_LINE_EVERY_MS;
    bar.update(20_000);
    expect(lines).toEqual(['publishing: 20000/1000000 (2%)\n']);
    now += 1000;
    bar.update(30_000);
    expect(lines).toHaveLength(1);
    bar.update(250_000);
    expect(lines.at(-1)).toBe('publishing: 250000/1000000 (25%)\n');
    bar.update(260_000);
    expect(lines).toHaveLength(2);
  });
});

describe('paths typed in a subfolder of an npm project (npm runs the script in the root, INIT_CWD says where it was typed)', () => {
  it('resolves relative path options and positionals from INIT_CWD, as a shell or npx would (they were read from the root: "o.json does not exist")', async () => {
    const typedIn = mkdtempSync(path.join(tmpdir(), 'typed-in-'));
    writeFileSync(path.join(typedIn, 'o.json'), '{}');
    let seen: { values: Record<string, unknown>; positionals: string[] } | undefined;
    // Where the command says it was typed, to name the user's files from there.
    let seenTypedIn: string | undefined;
    const program: ProgramSpec = {
      name: 'p',
      invocation: 'npm run p --',
      version: '1.0.0',
      summary: 's',
      options: { file: { type: 'string', description: 'd', existing: true }, out: { type: 'string', description: 'd', path: true }, name: { type: 'string', description: 'd' } },
      positionals: [{ name: 'paths', description: 'd', variadic: true, path: true }],
      run({ values, positionals, typedIn }) {
        seen = { values, positionals };
        seenTypedIn = typedIn;
        return 0;
      },
    };
    const args = ['--file', 'o.json', '--out', 'pic.svg', '--name', 'x/y', 'a.json', '/abs/b.json'];
    try {
      // As npm runs a script: in the package's folder, its command line naming this process's entry file.
      vi.stubEnv('npm_lifecycle_event', 'diagram');
      vi.stubEnv('npm_lifecycle_script', `node --import ./x.mjs ${path.basename(process.argv[1]!)}`);
      vi.stubEnv('npm_package_json', path.join(process.cwd(), 'package.json'));
      vi.stubEnv('INIT_CWD', typedIn);
      const io = captureIO();
      expect(await runCli(program, args, io), io.stderr()).toBe(0);
      expect(seen).toEqual({
        values: expect.objectContaining({ file: path.join(typedIn, 'o.json'), out: path.join(typedIn, 'pic.svg'), name: 'x/y' }),
        positionals: [path.join(typedIn, 'a.json'), '/abs/b.json'],
      });
      expect(seenTypedIn).toBe(typedIn);
      // One that is not there: echoed as typed, then where it was looked for (it echoed only the resolved path, never typed).
      const missing = captureIO();
      expect(await runCli(program, ['--file', 'nope.json'], missing)).toBe(2);
      expect(missing.stderr()).toContain(`p: --file "nope.json": no such file or folder (looked for as ${path.join(typedIn, 'nope.json')}, from the folder the command was typed in); give an existing path\n`);
      const missingPositional = captureIO();
      const required: ProgramSpec = { ...program, positionals: [{ name: 'paths', description: 'd', variadic: true, existing: true }] };
      expect(await runCli(required, ['sub/nope.json'], missingPositional)).toBe(2);
      expect(missingPositional.stderr()).toContain(`p: <paths> "sub/nope.json": no such file or folder (looked for as ${path.join(typedIn, 'sub', 'nope.json')}, from the folder the command was typed in); give an existing path\n`);
      // A path the script itself writes (`"check": "node prog.ts examples --out=gen/x.svg"`) is the project's: from the root, as before.
      vi.stubEnv('npm_lifecycle_script', `node ${path.basename(process.argv[1]!)} --out=pic.svg a.json`);
      const own = captureIO();
      expect(await runCli(program, args, own), own.stderr()).toBe(0);
      expect(seen).toEqual({ values: expect.objectContaining({ file: path.join(typedIn, 'o.json'), out: 'pic.svg' }), positionals: ['a.json', '/abs/b.json'] });
      // A process a script started (npm test's children inherit its variables): its command line names another file.
      vi.stubEnv('npm_lifecycle_script', 'node scripts/test-all.mjs');
      const child = captureIO();
      expect(await runCli(program, args, child)).toBe(2);
      expect(child.stderr()).toMatch(/--file "o\.json": no such file or folder/);
      // Not run by npm (a shell, or npx in that folder): as typed, from the working directory.
      vi.stubEnv('npm_lifecycle_script', `node ${path.basename(process.argv[1]!)}`);
      vi.stubEnv('npm_lifecycle_event', '');
      const shell = captureIO();
      expect(await runCli(program, args, shell)).toBe(2);
      expect(shell.stderr()).toMatch(/--file "o\.json": no such file or folder/);
    } finally {
      vi.unstubAllEnvs();
      rmSync(typedIn, { recursive: true, force: true });
    }
  });
});
