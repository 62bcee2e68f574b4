/**
 * Child-process entry: a dynalite server (in memory) on a free loopback port. It runs in its own
 * process so that the DynamoDB emulator and the handler under test do not share one event loop
 * (and, on a 2-core machine, get one core each).
 *
 * `argv[2]`: milliseconds to hold each request before dynalite sees it (default 0), to stand in
 * for the network round trip to a real DynamoDB endpoint, which loopback does not have.
 *
 * IPC: reports `{ port }` once listening; answers `'cpu'` with its own `process.cpuUsage()`, so the
 * bench can tell emulator time from handler time. Exits with its parent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

const latencyMs = Number(process.argv[2] ?? 0);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
if (latencyMs > 0) {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    setTimeout(() => {
      for (const listener of listeners) listener.call(server, req, res);
    }, latencyMs);
  });
}
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
