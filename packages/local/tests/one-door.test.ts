/**
 * One door to the local stack: `npm start` listens on one TCP port, the gateway, and whatever a web
 * page sends to any TCP port of its process tree (the consumers run in its process by default; their processes, with `--function-processes separate`, would be probed too) is refused:
 * a DynamoDB Scan from a foreign origin (which dynalite alone would answer with
 * `Access-Control-Allow-Origin: *`) and a form-encoded SNS Publish (what an HTML form posts without
 * a preflight, which fauxqs alone would accept). The emulators listen on Unix sockets in a 0700
 * folder. The data folder is private too: 0700 folders and 0600 files, also while the stack runs
 * and also what an earlier run left world-readable.
 *
 * The ports are found the way an attacker's scan would not need to: from the tree's open sockets
 * (/proc/<pid>/fd) matched against the listening sockets in /proc/net/tcp and tcp6, so a port
 * nobody knows about is probed too. `--inspect` (a debugger port per consumer) is opt-in and not
 * started here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { descendantsOf, procAvailable } from '../../../scripts/bench/proc-tree.ts';
import { waitFor } from '../../../tests/helpers/wait-for.ts';
import { killAndWait } from '../../../tests/helpers/kill-child.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const dirs: string[] = [];
let child: ChildProcess | undefined;

afterAll(async () => {
  await killAndWait(child);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The inodes of the sockets the process has open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // exited
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Listening TCP sockets (IPv4 and IPv6) of the namespace `pid` is in: inode → port. */
function listeningTcp(pid: number): Map<string, number> {
  const ports = new Map<string, number>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A: LISTEN
      ports.set(fields[9]!, parseInt(fields[1]!.split(':').pop()!, 16));
    }
  }
  return ports;
}

/** Path-bound Unix sockets of the namespace `pid` is in: inode → path. */
function unixSockets(pid: number): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 8 && fields[7]!.startsWith('/')) paths.set(fields[6]!, fields[7]!);
  }
  return paths;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1:port as a foreign web page sends it; a refused connection counts as a refusal (status 0). */
function probe(port: number, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { origin: 'https://evil.example', ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.setTimeout(5_000, () => req.destroy());
    req.on('error', (error) => resolve({ status: 0, headers: {}, body: error.message }));
    req.end(body);
  });
}

/** A refusal: no connection (0), or a 4xx answer (the gateway answers 403). */
const refused = (status: number) => status === 0 || (status >= 400 && status < 500);

/** Every folder and file under `dir` whose mode is not 0700 (folders) or 0600 (files). */
function notPrivate(dir: string): string[] {
  const wrong: string[] = [];
  const visit = (folder: string) => {
    const mode = statSync(folder).mode & 0o777;
    if (mode !== 0o700) wrong.push(`${folder} ${mode.toString(8)}`);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) {
        const fileMode = statSync(full).mode & 0o777;
        if (fileMode !== 0o600) wrong.push(`${full} ${fileMode.toString(8)}`);
      }
    }
  };
  visit(dir);
  return wrong;
}

describe.runIf(procAvailable())('npm start has one door', () => {
  it('refuses a foreign page on every TCP port of its process tree, and keeps its data folder private', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-one-door-'));
    dirs.push(dataDir);
    // What an earlier run (before the data was private) left: a world-readable folder and file.
    chmodSync(dataDir, 0o755);
    mkdirSync(path.join(dataDir, 'dynamodb'), { mode: 0o755 });
    writeFileSync(path.join(dataDir, 'dynamodb', 'LOG.old'), 'earlier run\n', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'dynamodb', 'LOG.old'), 0o644);

    child = spawn(process.execPath, ['packages/local/src/bin/start.ts', '--port', '0', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // A stack that exits instead (it refused to start: a stale generated/, …) fails the wait at once, with what it said.
    let earlyExit: string | undefined;
    child.once('exit', (code, signal) => (earlyExit = `npm start exited (${code ?? signal}) before printing its endpoint:\n${output}`));
    const endpoint = await waitFor('the stack to print its endpoint', () => {
      if (earlyExit) throw new Error(earlyExit);
      return /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    }, 60_000);
    const topicArn = /topic\s+(arn:aws:sns:\S+)/.exec(output)![1]!;
    // The consumers run too (in the stack's process, by default): their ports (if any) belong to the tree.
    await waitFor('a consumer to be ready', () => /ready \(pid \d+/.test(output) || undefined, 60_000);

    const dynamodb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
      expect(TableNames.length).toBeGreaterThan(0);
      const table = TableNames[0]!;

      const tree = [child.pid!, ...descendantsOf(child.pid!).map((p) => p.pid)];
      const listening = listeningTcp(child.pid!);
      const ports = new Set<number>();
      for (const pid of tree) for (const inode of socketInodes(pid)) if (listening.has(inode)) ports.add(listening.get(inode)!);
      const gatewayPort = Number(new URL(endpoint).port);
      // The emulators have no TCP port; whatever else listens (the gateway, a console) is probed below.
      expect(ports).toContain(gatewayPort);

      const orderId = `one-door-${process.pid}`;
      for (const port of ports) {
        const scan = await probe(port, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' }, JSON.stringify({ TableName: table }));
        expect(scan.status, `Scan on port ${port}`).toSatisfy(refused);
        expect(scan.headers['access-control-allow-origin'], `Scan on port ${port}`).toBeUndefined();
        expect(scan.body).not.toMatch(/"Items"/);

        const message = JSON.stringify({ orderId, userId: 'usr-evil', itemName: 'Injected', quantity: 1, status: 'PAID', timestamp: '2026-03-01T10:00:00Z' });
        const form = new URLSearchParams({ Action: 'Publish', TopicArn: topicArn, Message: message }).toString();
        const publish = await probe(port, { 'content-type': 'application/x-www-form-urlencoded' }, form);
        expect(publish.status, `Publish on port ${port}`).toSatisfy(refused);
        expect(publish.body).not.toMatch(/MessageId/);
      }

      // The emulators' sockets are in a folder only this user can open.
      const unix = unixSockets(child.pid!);
      const socketPaths = [...new Set([...socketInodes(child.pid!)].filter((inode) => unix.has(inode)).map((inode) => unix.get(inode)!))];
      expect(socketPaths.map((p) => path.basename(p)).sort()).toEqual(['dynamodb.sock', 'sns-sqs.sock']);
      for (const socketPath of socketPaths) expect((statSync(path.dirname(socketPath)).mode & 0o777).toString(8)).toBe('700');

      // The data folder while the stack runs: the emulators' files included.
      expect(readdirSync(path.join(dataDir, 'sns-sqs'))).toContain('fauxqs.db');
      expect(notPrivate(dataDir)).toEqual([]);

      // Nothing the probes sent was stored.
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
      expect(JSON.stringify(Items)).not.toContain(orderId);
    } finally {
      dynamodb.destroy();
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(notPrivate(dataDir)).toEqual([]);
  }, 120_000);
});
