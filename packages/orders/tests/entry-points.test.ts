/**
 * The order application's entry points, spawned the way users run them (`npx orders`, `npm run
 * orders --`, `npm run demo --`), follow the framework's command-line convention (`@sluice/cli`,
 * checked for the framework's own entry points in tests/entry-points): an unknown flag or a bad
 * value is one line naming the mistake, then a pointer to `--help`, exit 2; `--help` shows the
 * usage as the user types it; `--version` prints a semver. And `npx orders` as a whole: help and
 * version at every depth, a missing stack said in two lines, a closed reader, a real bin.
 *
 * The processes run in parallel, a few at a time, before the assertions. No case starts a
 * server, runs codegen or reaches the network.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASS_NAME, describeConvention, entry, entryPointRuns, expectUsageError, lines, SEMVER, STACK, type EntryPoint } from '../../../tests/helpers/entry-points.ts';

const root = path.resolve(import.meta.dirname, '../../..');

const ENTRY_POINTS: EntryPoint[] = [
  { script: 'orders', binPackage: 'packages/orders', file: 'packages/orders/bin/orders.js', invocation: 'npx orders', name: 'orders', bad: { args: ['publish', '--count', 'x'], echoed: '"x"', name: 'orders publish', invocation: 'npx orders publish' } },
  { script: 'demo', file: 'packages/orders/bin/demo.ts', invocation: 'npm run demo --', name: 'demo', bad: { args: ['--port', 'abc'], echoed: '"abc"' } },
];

const runs = entryPointRuns();
const { schedule, result } = runs;
for (const ep of ENTRY_POINTS) runs.scheduleConvention(ep);
const orders = ENTRY_POINTS[0]!;
schedule('orders publish unknown', entry(orders, 'publish', '--frobnicate'));
schedule('orders publish --file missing', entry(orders, 'publish', '--file', 'no-such-order.json'));
schedule('orders publish --file and --item-name', entry(orders, 'publish', '--file', 'package.json', '--item-name', 'other'));
const emptyOrders = path.join(mkdtempSync(path.join(tmpdir(), 'orders-empty-')), 'empty.json');
writeFileSync(emptyOrders, '[]\n');
schedule('orders publish --file [] ', entry(orders, 'publish', '--file', emptyOrders, '--endpoint', 'http://127.0.0.1:9'));
const bomOrders = path.join(mkdtempSync(path.join(tmpdir(), 'orders-bom-')), 'bom.json');
writeFileSync(bomOrders, '\uFEFF[]\n');
schedule('orders publish --file with a BOM', entry(orders, 'publish', '--file', bomOrders, '--endpoint', 'http://127.0.0.1:9'));
// Two orders, the second with a field OrderPlaced does not declare: refused before anything is sent (the first was published, then the publisher refused the second).
const undeclaredOrders = path.join(mkdtempSync(path.join(tmpdir(), 'orders-undeclared-')), 'orders.json');
const anOrder = { orderId: 'ord-u1', userId: 'usr-1', itemName: 'Lamp', quantity: 1, status: 'PENDING', timestamp: '2026-01-01T09:00:00Z' };
writeFileSync(undeclaredOrders, JSON.stringify([anOrder, { ...anOrder, orderId: 'ord-u2', giftWrap: true }]));
schedule('orders publish --file, an undeclared field', entry(orders, 'publish', '--file', undeclaredOrders, '--endpoint', 'http://127.0.0.1:9'));
// A typo of a count: refused before anything is reached (the endpoint answers nothing: without the limit it would try).
schedule('orders publish --count 1000000000', entry(orders, 'publish', '--count', '1000000000', '--endpoint', 'http://127.0.0.1:9'));
schedule('orders publish --no-count-limit alone', entry(orders, 'publish', '--no-count-limit', '--endpoint', 'http://127.0.0.1:9'));
schedule('orders publish --status FOO', entry(orders, 'publish', '--status', 'FOO'));
schedule('orders publish --quantity abc', entry(orders, 'publish', '--quantity', 'abc'));
schedule('orders publish --quantity 0', entry(orders, 'publish', '--quantity', '0', '--endpoint', 'http://127.0.0.1:9'));
schedule('orders help publish', entry(orders, 'help', 'publish'));
schedule('orders help dlq list', entry(orders, 'help', 'dlq', 'list'));
schedule('orders dlq --version', entry(orders, 'dlq', '--version'));
schedule('orders list, no stack', entry(orders, 'list', '--endpoint', 'http://127.0.0.1:9'));
// From a folder of the project below its root, as a user who cd'd into packages/orders.
schedule('orders status from packages/orders', { command: process.execPath, args: [path.join(root, 'packages/orders/bin/orders.js'), 'status', '--endpoint', 'http://127.0.0.1:9'], cwd: path.join(root, 'packages/orders') });
schedule('orders list, SLUICE_ENDPOINT without a scheme', { ...entry(orders, 'list'), env: { SLUICE_ENDPOINT: '127.0.0.1:9' } });
schedule('orders list, no stack, --debug', entry(orders, 'list', '--endpoint', 'http://127.0.0.1:9', '--debug'));
// AWS with nothing configured: no region, no profile, no credentials (the SDK fails before any request).
const noAwsSetup = {
  ORDERS_TABLE_NAME: 'Orders',
  AWS_CONFIG_FILE: path.join(root, 'no-such-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'no-such-aws-credentials'),
  ...Object.fromEntries(
    ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE'].map((n) => [n, undefined]),
  ),
};
schedule('orders list --aws, no region', { ...entry(orders, 'list', '--aws'), env: noAwsSetup });
schedule('orders list --aws, no credentials', { ...entry(orders, 'list', '--aws'), env: { ...noAwsSetup, AWS_REGION: 'eu-west-1' } });
schedule('orders --help, stdout closed', { ...entry(orders, '--help'), closeStdout: true });
schedule('npx orders --help', { command: path.join(root, 'node_modules', '.bin', 'npx'), args: ['--no-install', 'orders', '--help'] });
schedule('npm run orders -- --help', { command: path.join(root, 'node_modules', '.bin', 'npm'), args: ['run', 'orders', '--', '--help'] });
runs.runAllBeforeAll();

describeConvention(ENTRY_POINTS, runs);

describe('npx orders', () => {
  it('refuses an unknown flag of a command, listing its options and pointing at its help', () => {
    expectUsageError(result('orders publish unknown'), 'orders publish', 'npx orders publish', /^orders publish: unknown option --frobnicate: npx orders publish takes --order-id, /);
  });

  it('refuses a path that does not exist, a status the contract does not allow and a quantity that is not a number: usage errors, exit 2', () => {
    expectUsageError(result('orders publish --file missing'), 'orders publish', 'npx orders publish', /^orders publish: --file "no-such-order\.json": no such file or folder; give an existing path$/);
    // The allowed values are the contract's, listed in the message.
    expectUsageError(result('orders publish --status FOO'), 'orders publish', 'npx orders publish', /^orders publish: --status "FOO" is not one of PENDING, CONFIRMED, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED$/);
    expectUsageError(result('orders publish --quantity abc'), 'orders publish', 'npx orders publish', /^orders publish: --quantity must be a number, got "abc": e\.g\. --quantity 2$/);
  });

  it('refuses a --count over 100000, saying how to publish more; --no-count-limit only with a --count (a typo of a count started a run of days)', () => {
    expectUsageError(
      result('orders publish --count 1000000000'),
      'orders publish',
      'npx orders publish',
      /^orders publish: --count "1000000000" is over 100000, the most one run publishes \(a typo would publish for hours or days\): publish 100000 at a time, or add --no-count-limit to publish 1000000000 in one run$/,
    );
    expectUsageError(result('orders publish --no-count-limit alone'), 'orders publish', 'npx orders publish', /^orders publish: --no-count-limit lifts the limit of --count: give --count <n> with it, or drop it$/);
  });

  it('refuses order flags beside --file, which holds the orders whole (they were dropped without a word), and a file holding no order (it crashed)', () => {
    expectUsageError(result('orders publish --file and --item-name'), 'orders publish', 'npx orders publish', /^orders publish: --file holds the orders whole: drop --item-name \(or edit the file\)$/);
    const empty = result('orders publish --file [] ');
    expect(empty.code, empty.stderr).toBe(1);
    expect(lines(empty.stderr)[0]).toMatch(/^orders publish: \S+empty\.json holds an empty array: no order to publish$/);
    expect(empty.stderr).not.toMatch(/Cannot read properties|no local stack answers/);
  });

  it("names a byte-order mark at the start of an order file (it said Unexpected token '', the mark unseen)", () => {
    const bom = result('orders publish --file with a BOM');
    expect(bom.code, bom.stderr).toBe(1);
    expect(lines(bom.stderr)[0]).toMatch(/^orders publish: \S+bom\.json is not JSON: it starts with a UTF-8 byte-order mark \(BOM, the bytes EF BB BF\), which JSON does not allow and JSON parsers \(a consumer's too\) refuse: save the file as UTF-8 without BOM$/);
  });

  it("reads the project's contract from a subfolder (it said generated/index.js is missing, and to run a codegen the subfolder has no script for)", () => {
    const r = result('orders status from packages/orders');
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r.stderr)[0]).toMatch(/^orders status: no local stack answers at http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).not.toContain('is missing');
  });

  it('refuses a SLUICE_ENDPOINT that is no http(s) URL, as --endpoint is refused, and says how to set it (it said no stack answers there)', () => {
    const r = result('orders list, SLUICE_ENDPOINT without a scheme');
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'orders list: SLUICE_ENDPOINT="127.0.0.1:9" is not an http(s) URL',
      'Set it to the endpoint npm start printed, e.g. export SLUICE_ENDPOINT=http://127.0.0.1:9, or unset it (the default is http://127.0.0.1:4566).',
    ]);
  });

  it('refuses a well-formed order the contract rejects as a failed run (exit 1), before reaching any stack', () => {
    const undeclared = result('orders publish --file, an undeclared field');
    expect(undeclared.code, undeclared.stderr).toBe(1);
    expect(undeclared.stderr).toContain('orders publish: nothing published: 1 order(s) violate the OrderPlaced contract.');
    expect(undeclared.stderr).toMatch(/order #2 of 2:\n\s+giftWrap: is not a field of OrderPlaced: remove it/);
    const r = result('orders publish --quantity 0');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('orders publish: nothing published: 1 order(s) violate the OrderPlaced contract.');
    expect(r.stderr).toMatch(/quantity: must be >= 1/);
    expect(r.stderr).not.toContain('no local stack answers');
  });

  it('prints a command’s own help for `help <command>`, at any depth', () => {
    expect(result('orders help publish')).toMatchObject({ code: 0, stderr: '' });
    expect(lines(result('orders help publish').stdout)[0]).toBe('Usage: npx orders publish [options]');
    expect(result('orders help publish').stdout).toContain('--item-name <name>');
    expect(lines(result('orders help dlq list').stdout)[0]).toBe('Usage: npx orders dlq list [options]');
  });

  it('prints its version at every level', () => {
    expect(result('orders version').stdout.trim()).toMatch(SEMVER);
    expect(result('orders dlq --version')).toMatchObject({ code: 0, stdout: result('orders version').stdout });
  });

  it('says what is wrong and to start the stack when nothing listens, without a class name or a stack; exit 1', () => {
    const r = result('orders list, no stack');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const [cause, next, ...rest] = lines(r.stderr);
    expect(cause).toBe('orders list: no local stack answers at http://127.0.0.1:9');
    expect(next).toMatch(/^Start it .*`npm start`/);
    expect(rest).toEqual([]);
    expect(r.stderr).not.toMatch(CLASS_NAME);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('says how to configure AWS when --aws has no region, or no credentials: set AWS_REGION or a profile; exit 1', () => {
    const region = result('orders list --aws, no region');
    expect(region.code, region.stderr).toBe(1);
    const [cause, next, ...rest] = lines(region.stderr);
    expect(cause).toBe('orders list: --aws: no AWS region is configured (the SDK says: Region is missing)');
    expect(next).toMatch(/^Set AWS_REGION \(e\.g\. `export AWS_REGION=eu-west-1`\), or use a profile with a region: `AWS_PROFILE=<name>`/);
    expect(rest).toEqual([]);
    const credentials = result('orders list --aws, no credentials');
    expect(credentials.code, credentials.stderr).toBe(1);
    expect(lines(credentials.stderr)[0]).toMatch(/^orders list: --aws: no AWS credentials found \(the SDK says: Could not load credentials from any providers\)$/);
    expect(lines(credentials.stderr)[1]).toMatch(/^Configure them: `aws configure` .*AWS_PROFILE=<name>.*AWS_ACCESS_KEY_ID/);
    expect(credentials.stderr).not.toMatch(STACK);
  });

  it('adds the stack with --debug', () => {
    const r = result('orders list, no stack, --debug');
    expect(r.code, r.stderr).toBe(1);
    expect(lines(r.stderr)[0]).toMatch(/^orders list: no local stack answers/);
    expect(r.stderr).toMatch(STACK);
  });

  it('exits quietly when its reader has gone (`npx orders list | head -1`)', () => {
    expect(result('orders --help, stdout closed')).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
  });

  it('is a real bin: `npx orders --help` works from the repository root', () => {
    const r = result('npx orders --help');
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0]).toBe('Usage: npx orders <command> [options]');
  });

  it('names itself `npm run orders --` when run by `npm run orders -- …`', () => {
    const r = result('npm run orders -- --help');
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).find((l) => l.startsWith('Usage: '))).toBe('Usage: npm run orders -- <command> [options]');
    expect(r.stdout).toContain('Run `npm run orders -- help <command>`');
  });
});
