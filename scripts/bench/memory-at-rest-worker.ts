/**
 * Child-process entry for section 6: a local runtime at rest, with every consumer of the
 * application (`argv[2]` = `all`) or none (`none`), nothing published.
 *
 * Once started it waits `argv[3]` ms (long enough for the consumers' idle instances to be retired:
 * the section sets `SLUICE_INSTANCE_IDLE_MS` short), then reports `{ rest: MemoryAtRest }` (its own
 * RSS and each descendant process's VmRSS, from /proc) and stops.
 */
import { startLocalRuntime } from '@sluice/local';
import { descendantsOf, procAvailable, procMemory } from './proc-tree.ts';

/** The resident sets of a runtime at rest (bytes). */
export interface MemoryAtRest {
  /** The runtime process (emulators, gateway, function host). */
  runtimeRssBytes: number;
  /** Each consumer process (and anything under it), by pid. */
  consumers: { name: string; rssBytes: number }[];
  /** How many functions the runtime started: the application's consumers and the framework's triage functions. */
  consumerCount: number;
  /** How many of them are the application's own consumers (the rest are its topics' triage functions). */
  applicationConsumers: number;
  procAvailable: boolean;
}

const which = process.argv[2] === 'none' ? false : true;
const settleMs = Number(process.argv[3] ?? 3000);
const runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', consumers: which, onLog: () => {} });
await new Promise((resolve) => setTimeout(resolve, settleMs));
const rest: MemoryAtRest = {
  runtimeRssBytes: process.memoryUsage.rss(),
  consumers: descendantsOf(process.pid).map((p) => ({ name: p.name, rssBytes: procMemory(p.pid, 'VmRSS') ?? 0 })),
  consumerCount: runtime.functions?.functions.length ?? 0,
  applicationConsumers: (runtime.functions?.functions ?? []).filter((f) => runtime.application.handlers[f.operationId] !== undefined).length,
  procAvailable: procAvailable(),
};
await runtime.stop();
process.send?.({ rest }, () => process.exit(0));
