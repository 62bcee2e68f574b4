/**
 * `npm run contract:validate`: sample payloads a producer team hands over, checked as a consumer
 * would check them, one line each, exit 1 when any fails. Run in the single-consumer fixture's
 * project (tests/fixtures/single-consumer, its generated validators), with the samples copied into
 * it, not in the order application.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageContract, MessageMap } from '@sluice/runtime/contract';
import { fixtureProject, type FixtureProject } from '../../../tests/helpers/fixture-project.ts';
import { tenantHeaderProject } from '../../../tests/helpers/tenant-header-project.ts';
import { validateDocuments } from '../src/validate-cli.ts';

const validateCli = path.resolve(import.meta.dirname, '../src/validate-cli.ts');
let fixture: FixtureProject;
/** The project the command runs in: the fixture's, with the samples in its `samples/` folder. */
let root: string;
let samples: string;
/** The fixture contract's messages. */
let messages: Readonly<Record<string, MessageContract>>;
/** The version of OrderPlaced the samples are checked against (the contract's x-schema-version). */
let version: string;
/** The version the samples' messages carry (their schemaVersion attribute): not the contract's. */
const SENT = '1.0.0';

beforeAll(async () => {
  fixture = await fixtureProject('single-consumer');
  root = fixture.dir;
  samples = path.join(root, 'samples');
  cpSync(path.join(import.meta.dirname, 'samples'), samples, { recursive: true });
  ({ messages } = await fixture.contract());
  version = messages.OrderPlaced!.schemaVersion;
  expect(version).not.toBe(SENT);
}, 60_000);
afterAll(() => fixture?.dispose());

function validate(...args: string[]) {
  return spawnSync(process.execPath, [validateCli, ...args], { cwd: root, encoding: 'utf8' });
}

describe('npm run contract:validate', () => {
  it('prints one line per payload of every file under a folder, and exits 1 when any is invalid', () => {
    // The samples are OrderPlaced v1 (bare payloads among them): checked as OrderPlaced whatever
    // else the contract declares.
    const result = validate(path.relative(root, samples), '--message', 'OrderPlaced');
    const lines = result.stdout.trim().split('\n');
    const shown = (file: string) => path.join('samples', file);
    // A message with a schemaVersion is named by it (it was named by the contract's version), then what it was checked against.
    expect(lines.slice(0, 6)).toEqual([
      `${shown('invalid-order.json')}: INVALID PAYLOAD_INVALID: quantity: must be >= 1; status: must be one of "PENDING", "CONFIRMED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED"`,
      `${shown('nested/sns-envelope.json')}: valid OrderPlaced schemaVersion ${SENT}, checked against the contract's OrderPlaced ${version}`,
      `${shown('nested/sqs-event.json')}#Records[0]: valid OrderPlaced schemaVersion ${SENT}, checked against the contract's OrderPlaced ${version}`,
      expect.stringMatching(new RegExp(`^${shown('nested/sqs-event.json').replaceAll('/', '\\/')}#Records\\[1\\]: INVALID UNSUPPORTED_SCHEMA_VERSION: schemaVersion attribute is "2.0.0"`)),
      expect.stringMatching(/not-json\.json: INVALID BODY_NOT_JSON: not JSON/),
      `${shown('valid-order.json')}: valid OrderPlaced (no schemaVersion attribute), checked against the contract's OrderPlaced ${version}`,
    ]);
    expect(lines.at(-1)).toBe('3 valid, 3 invalid (5 file(s)).');
    expect(result.status).toBe(1);
  });

  it('exits 0 when every payload is valid, and answers JSON for scripts', () => {
    const result = validate(path.join(samples, 'valid-order.json'), '--json', '--message', 'OrderPlaced');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ source: path.relative(root, path.join(samples, 'valid-order.json')), ok: true, message: 'OrderPlaced', checkedAgainst: version }]);
    const envelope = validate(path.join(samples, 'nested', 'sns-envelope.json'), '--json');
    expect(JSON.parse(envelope.stdout)).toEqual([{ source: path.relative(root, path.join(samples, 'nested', 'sns-envelope.json')), ok: true, message: 'OrderPlaced', schemaVersion: SENT, checkedAgainst: version }]);
  });

  it('warns, on stderr, when the contract changed since the last codegen: its verdicts are the previous contract\'s (it said nothing)', () => {
    const spec = path.join(root, 'asyncapi.yaml');
    const before = readFileSync(spec, 'utf8');
    expect(validate(path.join(samples, 'valid-order.json'), '--message', 'OrderPlaced').stderr).toBe('');
    writeFileSync(spec, `${before}# edited after the last codegen\n`);
    try {
      const result = validate(path.join(samples, 'valid-order.json'), '--message', 'OrderPlaced');
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(/^warning: generated\/ is stale: .*npm run codegen.* Until then these verdicts are the contract generated\/ holds \(the previous one\)\.\n$/);
    } finally {
      writeFileSync(spec, before);
    }
  });

  it("says so when the contract refers to a file that no longer exists (the freshness check, as infra:plan's, failed with Node's bare ENOENT)", () => {
    const spec = path.join(root, 'asyncapi.yaml');
    const before = readFileSync(spec, 'utf8');
    writeFileSync(spec, before.replace("$ref: './schemas/order-placed.v1.json'", "$ref: './schemas/order-placed.v9.json'"));
    try {
      const result = validate(path.join(samples, 'valid-order.json'), '--message', 'OrderPlaced');
      expect(result.stderr).toMatch(/^warning: asyncapi\.yaml refers to schemas\/order-placed\.v9\.json, which does not exist \(a \$ref to a missing file\)/);
      expect(result.stderr).not.toMatch(/ENOENT/);
    } finally {
      writeFileSync(spec, before);
    }
  });

  it("shows what the payload files hold as escapes, never as codes the terminal obeys: their versions, the reasons quoting them, their files' names, and in JSON (a valid schemaVersion 1.<ESC>]0;x<BEL> set the terminal's title)", () => {
    const folder = path.join(root, 'escapes');
    mkdirSync(folder, { recursive: true });
    const envelope = JSON.parse(readFileSync(path.join(samples, 'nested', 'sns-envelope.json'), 'utf8'));
    const sent = (eventType: string, schemaVersion: string) =>
      JSON.stringify({ ...envelope, MessageAttributes: { eventType: { Type: 'String', Value: eventType }, schemaVersion: { Type: 'String', Value: schemaVersion } } });
    // The decoder takes any schemaVersion that starts with the major and a dot: this one is valid.
    writeFileSync(path.join(folder, 'title.json'), sent('OrderPlaced', '1.\u001b]0;x\u0007'));
    // A C1 CSI that clears the screen, quoted in the reason; a right-to-left override in the file's name.
    writeFileSync(path.join(folder, 'clear\u202e.json'), sent('OrderPlaced\u009b2J', '1.0.0'));
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

    const result = validate('escapes');
    expect(result.stdout).not.toMatch(raw);
    expect(result.stdout).toContain(`escapes/title.json: valid OrderPlaced schemaVersion 1.\\x1b]0;x\\x07, checked against the contract's OrderPlaced ${version}`);
    expect(result.stdout).toMatch(/^escapes\/clear\\u202e\.json: INVALID \S+: eventType attribute is "OrderPlaced\\x9b2J"/m);
    expect(result.status).toBe(1);
    // JSON keeps the values (JSON.parse gives them back), written as \u escapes.
    const json = validate('escapes', '--json');
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.parse(json.stdout).map((v: { source: string; schemaVersion?: string }) => [v.source, v.schemaVersion])).toEqual([
      [path.join('escapes', 'clear\u202e.json'), '1.0.0'],
      [path.join('escapes', 'title.json'), '1.\u001b]0;x\u0007'],
    ]);
  });

  it('refuses a path that does not exist and a message the contract does not have, as usage errors', () => {
    const missing = validate('nowhere/');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\/ does not exist/);
    const unknown = validate(samples, '--message', 'NoSuchMessage');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(`--message "NoSuchMessage" is not a message of the contract: ${Object.keys(messages).join(', ')}`);
  });

  it('names every path that does not exist, in one line (it named the first only: "nowhere/ does not exist")', () => {
    const missing = validate('nowhere/', path.join(samples, 'valid-order.json'), 'gone.json');
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('contract:validate: nowhere/, gone.json do not exist: give existing JSON files, or folders that hold some');
    expect(missing.stderr).toContain('--help');
  });

  it('names the files from the folder the command was typed in, where npm ran it in the root, so that a name shown can be typed again (it showed samples/valid-order.json to a command typed in samples/nested)', () => {
    const typedIn = path.join(samples, 'nested');
    // As npm runs a script: in the project's root, its command line naming this entry file, INIT_CWD where it was typed.
    const env = { ...process.env, npm_lifecycle_event: 'contract:validate', npm_lifecycle_script: `node ${path.basename(validateCli)}`, npm_package_json: path.join(root, 'package.json'), INIT_CWD: typedIn };
    const result = spawnSync(process.execPath, [validateCli, '../valid-order.json', 'sns-envelope.json', '--message', 'OrderPlaced'], { cwd: root, encoding: 'utf8', env });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      `${path.join('..', 'valid-order.json')}: valid OrderPlaced (no schemaVersion attribute), checked against the contract's OrderPlaced ${version}`,
      `sns-envelope.json: valid OrderPlaced schemaVersion ${SENT}, checked against the contract's OrderPlaced ${version}`,
    ]);
    const missing = spawnSync(process.execPath, [validateCli, 'gone.json', path.join(root, 'elsewhere.json')], { cwd: root, encoding: 'utf8', env });
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe(`contract:validate: gone.json, ${path.join(root, 'elsewhere.json')} do not exist: give existing JSON files, or folders that hold some`);
  });
});

describe('validateDocuments', () => {
  it('checks a bare payload against the only message of the contract, naming it', () => {
    // A contract of one message (the application's may have more).
    const [verdict] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [{ source: 'x', text: '{"orderId":"o"}' }]);
    expect(verdict).toMatchObject({ ok: false, message: 'OrderPlaced' });
    expect(verdict!.reason).toMatch(/^PAYLOAD_INVALID: userId: is required/);
  });

  it("refuses an SNS envelope no subscription admits (no eventType or schemaVersion) and framework headers a consumer drops; a consumer's tolerance made them valid", () => {
    const payload = readFileSync(path.join(import.meta.dirname, 'samples', 'valid-order.json'), 'utf8');
    const envelope = (attributes: Record<string, string>) =>
      JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:000000000000:OrderTopic', Message: payload, MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }])) });
    const [ok, noVersion, noType, badHeaders] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [
      { source: 'ok', text: envelope({ eventType: 'OrderPlaced', schemaVersion: version }) },
      { source: 'no-version', text: envelope({ eventType: 'OrderPlaced' }) },
      { source: 'no-type', text: envelope({ schemaVersion: version }) },
      { source: 'bad-headers', text: envelope({ eventType: 'OrderPlaced', schemaVersion: version, correlationId: 'bad value!', traceparent: 'zz' }) },
    ]);
    expect(ok).toMatchObject({ ok: true, message: 'OrderPlaced', schemaVersion: version, checkedAgainst: version });
    expect(noVersion).toMatchObject({ ok: false, reason: expect.stringMatching(/^FILTERED_OUT: no schemaVersion attribute: the subscriptions admit only messages that carry eventType and schemaVersion .*unrouted queue keeps it/) });
    expect(noType).toMatchObject({ ok: false, reason: expect.stringMatching(/^FILTERED_OUT: no eventType attribute/) });
    expect(badHeaders).toMatchObject({ ok: false, message: 'OrderPlaced', schemaVersion: version, checkedAgainst: version, reason: expect.stringMatching(/^HEADERS_INVALID: correlationId: must match .*; traceparent: must match .*: a consumer drops those headers/) });
    // A bare payload or an SQS record carries no SNS filter: judged as before.
    const [bare] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [{ source: 'bare', text: payload }]);
    expect(bare).toEqual({ source: 'bare', ok: true, message: 'OrderPlaced', checkedAgainst: version });
  });

  it("names a UTF-8 byte-order mark at the start of a file, and what to do, not as the parser's invisible token (it said Unexpected token '<the mark, unseen>', \"{ \"orderI\"... is not valid JSON)", () => {
    const payload = readFileSync(path.join(import.meta.dirname, 'samples', 'valid-order.json'), 'utf8');
    const [bom] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [{ source: 'bom.json', text: `\uFEFF${payload}` }]);
    expect(bom).toMatchObject({ ok: false, reason: 'BODY_NOT_JSON: it starts with a UTF-8 byte-order mark (BOM, the bytes EF BB BF), which JSON does not allow and JSON parsers (a consumer\'s too) refuse: save the file as UTF-8 without BOM' });
  });

  it("shows an invisible character the parser quotes as an escape (a no-break space pasted from a page read as Unexpected token ' ')", () => {
    const [nbsp] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [{ source: 'nbsp.json', text: '{"quantity":\u00a01}' }]);
    expect(nbsp).toMatchObject({ ok: false, reason: expect.stringMatching(/^BODY_NOT_JSON: not JSON \(Unexpected token '\\u00a0'.*\)$/) });
    expect((nbsp as { reason: string }).reason).not.toContain('\u00a0');
  });

  it('says every problem of an SQS record without an eventType attribute, judged with the attributes it has (a bad correlationId went unsaid: only eventType and schemaVersion were kept)', () => {
    const payload = JSON.parse(readFileSync(path.join(import.meta.dirname, 'samples', 'valid-order.json'), 'utf8'));
    const record = (body: unknown, attributes: Record<string, string>) =>
      JSON.stringify({ Records: [{ messageId: 'm-1', body: JSON.stringify(body), messageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }])) }] });
    // Two messages: with one, the decoder takes a record without eventType for it; with several, it cannot tell which.
    const two: MessageMap = { OrderPlaced: messages.OrderPlaced!, OrderNoted: { ...messages.OrderPlaced!, name: 'OrderNoted', eventType: 'OrderNoted' } };
    const [valid, invalid] = validateDocuments(two, [
      { source: 'valid', text: record(payload, { correlationId: 'has space' }) },
      { source: 'invalid', text: record({ ...payload, quantity: 0 }, { correlationId: 'has space' }) },
    ]);
    expect(valid).toMatchObject({ ok: false, message: 'OrderPlaced or OrderNoted', reason: expect.stringMatching(/^HEADERS_INVALID: correlationId: must match .*: a consumer drops that header/) });
    expect(invalid).toMatchObject({ ok: false, message: 'OrderPlaced', reason: expect.stringMatching(/^not any message of the contract; as OrderPlaced: PAYLOAD_INVALID: quantity: must be >= 1; and HEADERS_INVALID: correlationId: must match /) });
  });

  it('says every problem of a message in its one verdict: a framework header a consumer drops and an invalid payload (it said only PAYLOAD_INVALID: quantity: must be >= 1)', () => {
    const payload = { ...JSON.parse(readFileSync(path.join(import.meta.dirname, 'samples', 'valid-order.json'), 'utf8')), quantity: 0 };
    const attributes = { eventType: 'OrderPlaced', schemaVersion: version, correlationId: 'has space' };
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:000000000000:OrderTopic', Message: JSON.stringify(payload), MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }])) });
    const [both] = validateDocuments({ OrderPlaced: messages.OrderPlaced! }, [{ source: 'both', text: envelope }]);
    expect(both).toMatchObject({ ok: false, message: 'OrderPlaced', schemaVersion: version, reason: expect.stringMatching(/^PAYLOAD_INVALID: quantity: must be >= 1; and HEADERS_INVALID: correlationId: must match .*: a consumer drops that header/) });
  });

  it("says a payload's problems beside the headers the contract requires (it said only MESSAGE_HEADERS_INVALID: tenantId: is required)", async () => {
    const tenant = await tenantHeaderProject();
    try {
      const generated = (await import(pathToFileURL(path.join(tenant.project.generated, 'index.js')).href)) as { messages: MessageMap };
      const record = JSON.stringify({ messageId: 'r-1', body: JSON.stringify({ userId: 7, email: 'ada@example.com' }), messageAttributes: { eventType: { stringValue: 'UserSignedUp' }, schemaVersion: { stringValue: '1.0.0' }, correlationId: { stringValue: 'has space' } } });
      const [verdict] = validateDocuments(generated.messages, [{ source: 'record', text: record }]);
      expect(verdict).toMatchObject({ ok: false, message: 'UserSignedUp', reason: expect.stringMatching(/^MESSAGE_HEADERS_INVALID: tenantId: is required; and PAYLOAD_INVALID: userId: must be a string; and HEADERS_INVALID: correlationId: must match /) });
    } finally {
      tenant.dispose();
    }
  }, 60_000);
});
