/**
 * Runs the consumer functions of a topology and keeps them running. Each function has its own
 * event-source poller and its own instances (worker threads: their own module state, one
 * invocation at a time, the function's timeout), as Lambda runs each instance in a sandbox of its
 * own. Where the pollers run is {@link FunctionHostOptions.functionProcesses}: all in this process
 * (`'shared'`, the default: one more function costs a poller, not a process), or one child
 * process per function (`'separate'`, `function-worker.ts`, always so with `inspect`, which gives
 * each function its own debugger port). Either way:
 * - a function that fails its init or crashes is started again after a pause (the messages wait
 *   in the queue, as they do when a Lambda function cannot start), unless its init failed after
 *   its operation left the contract (`outOfContract`: `npm run codegen` removed it, which a restart
 *   applies): that is said once, and not retried;
 * - with `watch`, a change to any source file a function's handler imports (the application's and
 *   the workspace packages', not node_modules) reloads that function: the batches in flight finish
 *   and are acknowledged, then a new process loads the new code; nothing queued is lost. After
 *   every start (a reload, or the retry timer after a failed init) the watch covers every file
 *   the handler imports again; while they cannot be read (a syntax error, the handler moved away,
 *   an import of a file not written yet) the files watched before stay watched, with the handler,
 *   the file the build error names and the file (or folder) an import cannot find, so saving the
 *   fix, or creating that file, reloads at once;
 * - without `watch`, a function keeps the code it loaded while its instances live; an instance
 *   started later (after the idle ones were retired, or to scale up) loads the handler again, so
 *   before it starts the function checks the files its handler imports (`sourceChangesSince`):
 *   when one changed, one line says so, the instances on the old code finish their batch in flight
 *   and stop, and the new instance starts after them on the changed code (old and new never run
 *   side by side);
 * - with `inspect`, each function listens for a debugger on its own port (9229, 9230, …).
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrorsOf, formatCompileErrors, lineSplitter, type LineSplitter } from '@sluice/cli';
import { childOutput, type ChildOutput } from './child-output.ts';
import type { BatchReport } from './event-source-poller.ts';
import type { FunctionSpec } from './function-environment.ts';
import { runFunction, type RunningFunction } from './function-runner.ts';
import { appearedSinceLaunch, filesNamedBy, importsNotFound, insideRoot, resolutionsOf, sourceChangesSince, sourceDependencies } from './source-files.ts';
import { TRIAGE_HANDLER_FILE } from './triage-function.ts';
import { CODE_CHANGES_ENV, FUNCTION_SPEC_ENV, INSTANCE_IDLE_ENV, INSTANCE_INIT_TIMEOUT_ENV, INSTANCE_SCALE_UP_ENV, instanceSetting, type HostMessage, type WorkerMessage } from './worker-protocol.ts';

/** The worker beside this module: `.ts` in this workspace, the compiled `.js` in an installed copy. */
const WORKER = fileURLToPath(new URL(`./function-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
/**
 * The V8 options of a process that hosts functions (`npm start`, `npm run subscriber`, each
 * `'separate'` function's process): a young generation of at most 2 × 8 MiB. V8 sizes a main
 * thread's young generation by the machine's memory (up to 2 × 64 MiB on a large one), and the
 * host's main thread (emulators, gateway, pollers) filled all of it with short-lived request and
 * batch garbage under load: about 100 MiB of the runtime's peak. 2 × 16 MiB still stayed
 * committed at rest and at the peak; 2 × 8 MiB took another 16 MiB off both, at no throughput
 * measurable on the 10,000-order run (bench section 4). Only effective when the process starts
 * with them (`node --max-semi-space-size=8`, `tsx --max-semi-space-size=8`): V8 sizes the heap
 * once. The instances' own limits are `instanceResourceLimits`.
 */
export const HOST_V8_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];

/**
 * How a process that hosts functions loads TypeScript: through tsx, the loader its functions'
 * instances need anyway (a handler may be written in any TypeScript, with imports that name no
 * extension, which Node's own type stripping refuses). `npm start`, `npm run subscriber` and
 * `npm run demo` start with it (package.json's scripts), as does each `'separate'` function's
 * process and the bench's runs of the local runtime. On Node's type stripping instead, the host's
 * process would hold both loaders, Node's type stripper beside tsx: about 20 MiB more at rest
 * (`npm start` on the order application, 214–217 MiB against 193–196 with tsx alone).
 */
export const HOST_TYPESCRIPT_LOADER: readonly string[] = ['--import', 'tsx'];

/** First debugger port; function i gets `INSPECT_BASE_PORT + i`. */
export const INSPECT_BASE_PORT = 9229;

/**
 * Where a host runs its functions' pollers: `'shared'`, all in the host's own process (their
 * instances are worker threads of it); `'separate'`, one child process per function.
 */
export type FunctionProcesses = 'shared' | 'separate';

/**
 * The process model a host uses: what is asked, else `'separate'` with `inspect` (a debugger port
 * per function needs a process per function) and `'shared'` otherwise.
 *
 * @param options - `functionProcesses` and `inspect`, as given to the host
 * @returns the process model
 * @throws when `'shared'` is asked together with `inspect`
 *
 * @example
 * ```ts
 * import { functionProcessesOf } from '@sluice/local';
 *
 * functionProcessesOf({}); // 'shared'
 * functionProcessesOf({ inspect: true }); // 'separate'
 * ```
 */
export function functionProcessesOf(options: { functionProcesses?: FunctionProcesses | undefined; inspect?: boolean | number | undefined }): FunctionProcesses {
  if (options.functionProcesses === 'shared' && options.inspect) {
    throw new Error("a debugger port per function needs a process per function: use functionProcesses 'separate' (or leave it out) with inspect");
  }
  return options.functionProcesses ?? (options.inspect ? 'separate' : 'shared');
}

/** The environment a function inherits from its host: the host's, less its AWS, SST and Powertools settings and the host's own switches. */
function inheritedEnvironment(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('SST_') && !k.startsWith('POWERTOOLS_') && k !== INSTANCE_IDLE_ENV && k !== INSTANCE_SCALE_UP_ENV && k !== INSTANCE_INIT_TIMEOUT_ENV && k !== FUNCTION_SPEC_ENV && k !== CODE_CHANGES_ENV),
  );
}

/** The instance switches set in the host's environment ({@link INSTANCE_IDLE_ENV}, {@link INSTANCE_SCALE_UP_ENV}, {@link INSTANCE_INIT_TIMEOUT_ENV}). */
function hostSwitches(): Record<string, string> {
  return Object.fromEntries([INSTANCE_IDLE_ENV, INSTANCE_SCALE_UP_ENV, INSTANCE_INIT_TIMEOUT_ENV].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
}

/** The options of a {@link FunctionHost}. */
export interface FunctionHostOptions {
  /** The functions to run (see `functionSpec`). */
  functions: FunctionSpec[];
  /**
   * The application's settings module (timeouts, memory, batch sizes, concurrency): with `watch`,
   * watched for every function, and a change reloads the code but says that the settings of the
   * functions apply only when the stack restarts (they were read once, at its start).
   */
  settingsFile?: string;
  /**
   * Where the functions' pollers run: all in this process, or one child process each (see
   * {@link functionProcessesOf} for the default).
   */
  functionProcesses?: FunctionProcesses;
  /** Reload a function when a source file it depends on changes. */
  watch?: boolean;
  /** Open a debugger port per function; `true` starts at 9229. */
  inspect?: boolean | number;
  /** One report per batch handled by any function. */
  onBatch?: (operationId: string, report: BatchReport) => void;
  /** Lifecycle lines for the terminal: started, reloading, crashed, init failed. */
  onEvent?: (line: string) => void;
  /**
   * Each line a function writes (its logs). Without it, functions write straight to this
   * process's stdout and stderr.
   */
  onLog?: (operationId: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Pause before starting a function again after a crash or a failed init. @default 2000 */
  restartDelayMs?: number;
  /**
   * Answers at once the receives waiting on a long poll on the queue named `queue`: the local
   * stack's `Emulators.endLongPollsOn` when its emulators run in this process, else a request to
   * the stack's gateway (`npm run subscriber`). A function stops (the host's stop, a reload) after
   * its receive in flight, which on an empty queue otherwise waits out its long poll (up to a
   * second), before the new code loads or the stop returns. Without it, that wait stays.
   */
  endLongPolls?: (queue: string) => void;
  /** Project root: only files under it are watched, and paths are shown relative to it. @default cwd */
  root?: string;
  /**
   * Whether a function's operation has left the contract since the host started (`npm run codegen`
   * removed it; the running stack keeps the topology it started with): why, when it has, as the
   * end of a sentence (`it is no longer in the contract …: restart npm start to apply it`);
   * undefined while it is still there. Asked when a function's init fails, and by
   * {@link FunctionHost.contractChanged}: a function out of the contract whose init fails is not
   * started again on the retry timer (its init fails for that, not for its code: the advice to fix
   * the code, and a retry every 2 … 30 s, would be wrong); with `watch`, a save of its code still
   * reloads it (the contract may bring the operation back). Without it, every failure is retried.
   */
  outOfContract?: (operationId: string) => string | undefined;
}

interface Running {
  spec: FunctionSpec;
  child: ChildProcess | undefined;
  /** The function, when it runs in this process (`'shared'`). */
  inProcess: RunningFunction | undefined;
  /** A start in this process under way (`'shared'`). */
  starting: Promise<void> | undefined;
  /** The last stop of its function in this process (`'shared'`), settled, whatever its outcome, once its batches in flight are done. */
  inProcessStop?: Promise<void>;
  /** Says the last line its instances left without a newline, if any (`'shared'`). */
  outputEnds: (() => void) | undefined;
  /**
   * Resolves when the current (or last) child has exited, and after a crash once the crash is said
   * (its output read first, for a moment at most).
   */
  exited: Promise<void> | undefined;
  watchers: FSWatcher[];
  /** The files `watchers` watch: the handler's imports as last read. */
  watched: string[];
  /** The last "cannot read its imports" line said: each retry of the same failure does not say it again. */
  importsNote: string | undefined;
  /**
   * Reads of the handler's imports begun (a reload's and the retry timer's run side by side): only
   * the newest begun is applied, as an older one may finish later, having read an older file.
   */
  importReads: number;
  /** The error its last init failure said (undefined once it is ready): the same one again is said in a few words. */
  initError: string | undefined;
  /** The imports that could not be found at the last read of the handler's imports (absolute). */
  notFound: string[];
  /**
   * The files of `notFound` (each name an import of it finds) that existed when the last launch
   * began: one of them there now that was not then appeared after it, and the launch did not see it.
   */
  presentAtLaunch: ReadonlySet<string>;
  restartTimer: NodeJS.Timeout | undefined;
  /** The last init failed while its operation was out of the contract: not started again on the timer. */
  heldOutOfContract: boolean;
  crashes: number;
  batches: number;
  reloads: number;
  inspectPort: number | undefined;
  /** A reload is under way; a change seen meanwhile is kept in `changed` and reloads again after. */
  reloading: boolean;
  changed: string | undefined;
  debounce: NodeJS.Timeout | undefined;
}

/**
 * @example
 * const host = new FunctionHost({ functions, watch: true, onEvent: console.log });
 * await host.start();
 * await host.stop(); // every function finishes its batches in flight first
 */
export class FunctionHost {
  private readonly running = new Map<string, Running>();
  /** Processes stopped on purpose (reload, stop): their exit is not a crash. */
  private readonly stoppedOnPurpose = new WeakSet<ChildProcess>();
  private stopping = false;
  /** The output of the functions' processes whose pipes are still open ('separate', with onLog): silenced when the host stops. */
  private readonly outputs = new Set<ChildOutput>();
  private readonly options: FunctionHostOptions;
  private readonly root: string;
  /** Where the functions' pollers run. */
  readonly processes: FunctionProcesses;

  constructor(options: FunctionHostOptions) {
    this.options = options;
    this.processes = functionProcessesOf(options);
    this.root = path.resolve(options.root ?? process.cwd());
    const base = typeof options.inspect === 'number' ? options.inspect : INSPECT_BASE_PORT;
    options.functions.forEach((spec, i) => {
      this.running.set(spec.operationId, {
        spec,
        child: undefined,
        inProcess: undefined,
        starting: undefined,
        outputEnds: undefined,
        exited: undefined,
        watchers: [],
        watched: [],
        importsNote: undefined,
        importReads: 0,
        initError: undefined,
        notFound: [],
        presentAtLaunch: new Set(),
        restartTimer: undefined,
        heldOutOfContract: false,
        crashes: 0,
        batches: 0,
        reloads: 0,
        inspectPort: options.inspect ? base + i : undefined,
        reloading: false,
        changed: undefined,
        debounce: undefined,
      });
    });
  }

  /** Functions by operation id, with their batch counts and debugger ports. */
  get functions(): { operationId: string; functionName: string; batches: number; reloads: number; inspectPort: number | undefined; pid: number | undefined }[] {
    return [...this.running.values()].map((r) => ({
      operationId: r.spec.operationId,
      functionName: r.spec.functionName,
      batches: r.batches,
      reloads: r.reloads,
      inspectPort: r.inspectPort,
      pid: this.processes === 'shared' ? (r.inProcess ? process.pid : undefined) : r.child?.pid,
    }));
  }

  /** Total batches handled by every function. */
  get batches(): number {
    return [...this.running.values()].reduce((n, r) => n + r.batches, 0);
  }

  /** Starts every function; resolves when each has loaded its handler (or failed to, which is reported and retried). */
  async start(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => this.launch(r)));
    if (this.options.watch) await Promise.all([...this.running.values()].map((r) => this.watchSources(r)));
  }

  /**
   * The files whose change reloads a function (absolute, sorted): what its handler imports, as last
   * read; with `watch` only.
   */
  watchedFiles(operationId: string): string[] {
    return [...(this.running.get(operationId)?.watched ?? [])];
  }

  /** The child process of a function (`'separate'` only; tests kill it to simulate a lost instance). */
  processOf(operationId: string): ChildProcess | undefined {
    return this.running.get(operationId)?.child;
  }

  /** Reloads one function: its batches in flight finish, then new instances (and, `'separate'`, a new process) load the code again. */
  async reload(operationId: string, why = 'reload requested'): Promise<void> {
    const r = this.running.get(operationId);
    if (!r || this.stopping) return;
    if (r.reloading) {
      r.changed = why;
      return;
    }
    r.reloading = true;
    try {
      this.emit(`${r.spec.operationId}: ${why}: reloading (batches in flight finish first)`);
      await this.stopChild(r, true);
      r.reloads++;
      await this.launch(r);
      if (this.options.watch) await this.watchSources(r);
    } finally {
      r.reloading = false;
    }
    // Edited again while this reload ran (the old watchers stay until the new ones are in place).
    const again = r.changed;
    r.changed = undefined;
    if (again) await this.reload(operationId, again);
  }

  /** Stops every function after its batches in flight, and the watchers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.values()].map(async (r) => {
        clearTimeout(r.restartTimer);
        clearTimeout(r.debounce);
        for (const w of r.watchers) w.close();
        r.watchers = [];
        await this.stopChild(r, true);
      }),
    );
    // Nothing is said after stop(): a process a function started may still hold its pipes.
    for (const output of this.outputs) output.silence();
    this.outputs.clear();
  }

  /**
   * The contract changed (`npm run codegen` rewrote the topology): each function waiting on the
   * retry timer after a failed init whose operation is now out of it
   * ({@link FunctionHostOptions.outOfContract}) is not started again, which is said once. (Its init
   * failure was read before the contract changed: it was retried as a fault of its code.)
   *
   * @example
   * ```ts
   * import { FunctionHost } from '@sluice/local';
   *
   * const host = new FunctionHost({ functions: [], watch: true, outOfContract: () => undefined });
   * host.contractChanged(); // after npm run codegen
   * ```
   */
  contractChanged(): void {
    if (this.stopping) return;
    for (const r of this.running.values()) {
      if (r.heldOutOfContract) continue;
      const reason = this.options.outOfContract?.(r.spec.operationId);
      if (!reason) continue;
      r.heldOutOfContract = true;
      if (r.restartTimer !== undefined) {
        clearTimeout(r.restartTimer);
        r.restartTimer = undefined;
        this.emit(`${r.spec.operationId}: not started again: ${reason}${this.afterHeld()}`);
        continue;
      }
      // Running: its pollers would go on taking messages its new instances cannot handle (the
      // generated operation gone, its handler perhaps moved away), each failure using up a
      // receive until the dead-letter queue. It stops after its batches in flight, then says so;
      // its messages wait in its queue.
      const running = this.processes === 'shared' ? r.inProcess !== undefined || r.starting !== undefined : r.child !== undefined;
      if (!running) continue;
      void this.stopChild(r, true).then(
        () => this.emit(`${r.spec.operationId}: stopped: ${reason}; its messages wait in its queue${this.afterHeld()}`),
        (error: unknown) => this.emit(`${r.spec.operationId}: could not be stopped (${(error as Error)?.message ?? String(error)}): ${reason}; restart npm start to stop it`),
      );
    }
  }

  /** The end of a line about a function held out of the contract: what still brings it back. */
  private afterHeld(): string {
    return this.options.watch ? ' (a save of its code reloads it, should the contract bring it back)' : '';
  }

  /**
   * The line for `r`'s failed init, and whether it is started again on the timer: not when its
   * operation is out of the contract ({@link FunctionHostOptions.outOfContract}), which the line
   * then says instead of advice to fix the code.
   */
  private initFailure(r: Running, message: string): { line: string; retry: boolean } {
    const reason = this.options.outOfContract?.(r.spec.operationId);
    r.heldOutOfContract = reason !== undefined;
    // A compile error (tsx's "Transform failed with 1 error:" and esbuild's line) as the watch says it: one line, the file relative, the column from 1.
    const text = String(message);
    const compiled = compileErrorsOf(text);
    // Any other error names files by their absolute paths (Node's "Cannot find module '/…/x.ts'
    // imported from /…/y.ts"): those of the project as the rest of the terminal does, relative to it.
    const gone = handlerGone(text, r.spec.handlerFile);
    const said = gone
      ? reason
        ? // Out of the contract too: its handler going with it is expected, not to be put back.
          `its handler ${path.relative(this.root, r.spec.handlerFile)} is gone`
        : `its handler ${path.relative(this.root, r.spec.handlerFile)} does not exist (deleted, moved or renamed?): the handler of ${r.spec.operationId} is read from that path, the project's consumers folder and the operation's id; put it back there`
      : compiled
        ? formatCompileErrors(compiled.errors, { base: this.root, shown: SHOWN_BUILD_ERRORS, total: compiled.total })
        : text.split(`${this.root}${path.sep}`).join('');
    const again = said === r.initError;
    r.initError = said;
    if (reason) return { line: `${r.spec.operationId}: init failed: ${said}: ${reason}; not started again${this.afterHeld()}`, retry: false };
    const hint = this.options.watch ? (gone ? ' (it reloads once the file is there)' : ' (fix the code: it reloads on save)') : '';
    return { line: again ? `${r.spec.operationId}: init failed again, the same error${hint}` : `${r.spec.operationId}: init failed: ${said}${hint}`, retry: true };
  }

  /**
   * The line for an init of `r` that passed Lambda's init limit and is retried within the first
   * invocation, or for how that retry ended: the project's files named relative to it, as in the
   * line of a failed init.
   */
  private initRetryLine(r: Running, message: string): string {
    return `${r.spec.operationId}: ${message.split(`${this.root}${path.sep}`).join('')}`;
  }

  /**
   * The line for a change of `r`'s code found as an instance starts (without `watch`). A file found
   * gone is said to be missing, not to have changed: the handler itself gone (moved, renamed) is
   * said with where it is looked for and what to do, as no instance can start without it.
   */
  private codeChangeLine(r: Running, files: readonly string[]): string {
    const { operationId, handlerFile } = r.spec;
    const listed = (some: readonly string[]) => `${path.relative(this.root, some[0]!)}${some.length > 1 ? ` and ${some.length - 1} more file${some.length > 2 ? 's' : ''}` : ''}`;
    const gone = files.filter((file) => !existsSync(file));
    if (gone.some((file) => path.resolve(file) === path.resolve(handlerFile))) {
      return (
        `${operationId}: its handler ${path.relative(this.root, handlerFile)} is missing (moved, renamed or deleted since its instances loaded it): new instances cannot load it, and the messages they take fail (each failure a receive towards the dead-letter queue); ` +
        `put it back there (the handler of ${operationId} is read from that path: the project's consumers folder and the operation's id): the next instance loads it`
      );
    }
    const changed = files.filter((file) => !gone.includes(file));
    const said = [
      ...(changed.length > 0 ? [`${listed(changed)} changed`] : []),
      ...(gone.length > 0 ? [`${listed(gone)} ${gone.length > 1 ? 'are' : 'is'} missing (moved, renamed or deleted?)`] : []),
    ].join(' and ');
    return `${operationId}: ${said} since its instances loaded it: new instances run the ${gone.length > 0 ? 'code as it is now (where it still imports a missing file, they cannot load it)' : 'changed code'}, started once those on the old code have finished their batches in flight (--watch reloads at every save)`;
  }

  private emit(line: string): void {
    this.options.onEvent?.(line);
  }

  /** The lines of a function's `stream` to {@link FunctionHostOptions.onLog}: a blank line is no message, and is left out. */
  private logLines(operationId: string, stream: 'stdout' | 'stderr'): LineSplitter {
    return lineSplitter((line) => {
      if (line) this.options.onLog!(operationId, line, stream);
    });
  }

  private launch(r: Running): Promise<void> {
    // A reload or a retry under way when the host was stopped: nothing starts after the stop.
    if (this.stopping) return Promise.resolve();
    // Which of the imports not found before are there now, as this launch begins (no clock: a file's
    // ctime comes from a coarser clock than Date.now(), and a file written just after the launch
    // began was stamped before it nearly every time).
    r.presentAtLaunch = new Set([...r.notFound, r.spec.handlerFile].flatMap(resolutionsOf).filter((f) => existsSync(f)));
    r.heldOutOfContract = false;
    if (this.processes === 'shared') {
      r.starting = this.startInProcess(r).finally(() => (r.starting = undefined));
      return r.starting;
    }
    const { spec } = r;
    const inherited = inheritedEnvironment();
    const execArgv = [...HOST_TYPESCRIPT_LOADER, ...HOST_V8_OPTIONS, ...(r.inspectPort ? [`--inspect=127.0.0.1:${r.inspectPort}`] : [])];
    const child = fork(WORKER, [], {
      cwd: this.root,
      execArgv,
      // The host's instance switches go to the function's process, which reads them and keeps
      // them from the handler's environment (inheritedEnvironment leaves them out).
      env: { ...inherited, ...spec.environment, ...hostSwitches(), ...(this.options.watch ? {} : { [CODE_CHANGES_ENV]: '1' }), [FUNCTION_SPEC_ENV]: JSON.stringify(spec) },
      stdio: ['ignore', this.options.onLog ? 'pipe' : 'inherit', this.options.onLog ? 'pipe' : 'inherit', 'ipc'],
    });
    r.child = child;
    const output = this.options.onLog ? childOutput(child, (line, stream) => this.options.onLog!(spec.operationId, line, stream)) : undefined;
    if (output) {
      this.outputs.add(output);
      void output.closed.then(() => this.outputs.delete(output));
    }
    // Said once its output is read: the handler's last words come before the host's.
    let initError: string | undefined;
    let ready: () => void;
    const loaded = new Promise<void>((resolve) => (ready = resolve));
    r.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (r.child === child) r.child = undefined;
        if (this.stopping || this.stoppedOnPurpose.has(child)) {
          // Stopped on purpose (Ctrl-C, a reload): nothing to report, so nothing to wait for. What
          // it wrote before it exited has been read by now (libuv reads the pipes ready before it
          // reports an exit); what a process it started writes later is said as it comes, until
          // the host stops.
          output?.flush();
          ready();
          resolve();
          return;
        }
        // A crash, or a failed init: said after its last words, once its output is read to the end,
        // or for a moment at most (a process it started may hold its pipes).
        void (output ? Promise.race([output.closed, pause(OUTPUT_AFTER_EXIT_MS)]) : Promise.resolve()).then(() => {
          output?.flush();
          // Stopping (Ctrl-C, a reload) meanwhile: not a failure to report.
          const onPurpose = this.stopping || this.stoppedOnPurpose.has(child);
          if (initError !== undefined && !onPurpose) this.emit(this.initFailure(r, initError).line);
          ready();
          resolve();
          // Its init failed out of the contract: said with the failure, not started again.
          if (onPurpose || r.heldOutOfContract) return;
          r.crashes++;
          const delay = Math.min(30_000, (this.options.restartDelayMs ?? 2000) * 2 ** Math.min(r.crashes - 1, 4));
          this.emit(`${spec.operationId}: process exited (${signal ?? `code ${code}`}); starting it again in ${(delay / 1000).toFixed(0)} s — messages wait in the queue meanwhile`);
          r.restartTimer = setTimeout(() => {
            r.restartTimer = undefined;
            void this.relaunch(r);
          }, delay);
        });
      });
    });
    child.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          r.crashes = 0;
          r.initError = undefined;
          this.emit(`${spec.operationId}: ${spec.functionName} ready (pid ${child.pid}${r.inspectPort ? `, debugger on 127.0.0.1:${r.inspectPort}` : ''})`);
          ready();
          break;
        case 'batch':
          r.batches++;
          this.options.onBatch?.(spec.operationId, message.report);
          break;
        case 'init-error':
          // Said as it exits, which it does next.
          initError = message.message;
          break;
        case 'poller-error':
          this.emit(pollerErrorLine(spec, message.message));
          break;
        case 'code-changed':
          this.emit(this.codeChangeLine(r, message.files));
          break;
        case 'init-retry':
          this.emit(this.initRetryLine(r, message.message));
          break;
        case 'stopped':
          break;
      }
    });
    return loaded;
  }

  /** Starts `r` in this process; an init that fails is reported and tried again after a pause. */
  private async startInProcess(r: Running): Promise<void> {
    const { spec } = r;
    const output = this.options.onLog ? { stdout: this.logLines(spec.operationId, 'stdout'), stderr: this.logLines(spec.operationId, 'stderr') } : undefined;
    // Its instances end their lines as they end (see InstancePool's onLog): a line left is said
    // when the function has stopped, or its init has failed, before the host says so.
    const outputEnds = () => {
      output?.stdout.end();
      output?.stderr.end();
    };
    r.outputEnds = outputEnds;
    try {
      const idleTimeoutMs = instanceSetting(process.env, INSTANCE_IDLE_ENV);
      const scaleUpDelayMs = instanceSetting(process.env, INSTANCE_SCALE_UP_ENV);
      const initTimeoutMs = instanceSetting(process.env, INSTANCE_INIT_TIMEOUT_ENV);
      const fn = await runFunction(spec, {
        ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
        ...(scaleUpDelayMs !== undefined ? { scaleUpDelayMs } : {}),
        ...(initTimeoutMs !== undefined ? { initTimeoutMs } : {}),
        // An init that passed Lambda's init limit, retried within the first invocation, and how that ended.
        onInitRetry: (message) => this.emit(this.initRetryLine(r, message)),
        instanceEnv: { ...inheritedEnvironment(), ...spec.environment },
        ...(instanceExecArgv() ? { instanceExecArgv: instanceExecArgv()! } : {}),
        onLog: (text, stream) => (output ? output[stream].write(text) : process[stream].write(text)),
        onBatch: (report) => {
          r.batches++;
          this.options.onBatch?.(spec.operationId, report);
        },
        onPollerError: (message) => this.emit(pollerErrorLine(spec, message)),
        // Without the watch, a change is found when an instance starts: said, and the old instances go first.
        ...(this.options.watch ? {} : { codeChangedSince: sourceChangesSince(spec.handlerFile, this.root), onCodeChange: (files: string[]) => this.emit(this.codeChangeLine(r, files)) }),
      });
      r.inProcess = fn;
      r.crashes = 0;
      r.initError = undefined;
      this.emit(`${spec.operationId}: ${spec.functionName} ready (pid ${process.pid}, with the other functions)`);
    } catch (error) {
      outputEnds();
      // Stopping meanwhile (Ctrl-C): not a failure to report, nor to retry.
      if (this.stopping) return;
      const failure = this.initFailure(r, (error as Error)?.message ?? String(error));
      this.emit(failure.line);
      if (!failure.retry) return;
      r.crashes++;
      const delay = Math.min(30_000, (this.options.restartDelayMs ?? 2000) * 2 ** Math.min(r.crashes - 1, 4));
      this.emit(`${spec.operationId}: starting it again in ${(delay / 1000).toFixed(0)} s — messages wait in the queue meanwhile`);
      r.restartTimer = setTimeout(() => {
        r.restartTimer = undefined;
        void this.relaunch(r);
      }, delay);
    }
  }

  /**
   * Starts `r` again on the retry timer and, with `watch`, watches what its handler imports now:
   * a function back on the timer (its code fixed where the watch could not see it) reloads on the
   * next save like any other.
   */
  private async relaunch(r: Running): Promise<void> {
    await this.launch(r);
    if (this.options.watch && !this.stopping) await this.watchSources(r);
  }

  /**
   * While `r` stops (the host's stop, a reload, a contract change): its queue's long polls
   * ended at once, and again every {@link HURRY_EVERY_MS} for {@link HURRY_FOR_MS} (its pollers
   * read the stop a moment later, a function in a process of its own later still, and may begin one
   * more receive before they do). A receive answered early takes what the queue holds, and its
   * messages are handled, by the code being replaced, before the stop ends, as any batch in flight.
   */
  private hurryReceives(r: Running): { done(): void } {
    const end = this.options.endLongPolls;
    if (!end) return { done: () => {} };
    const queue = r.spec.queueUrl.slice(r.spec.queueUrl.lastIndexOf('/') + 1);
    let said = false;
    // What cannot end them leaves them to run out, as without it: said once, never in the stop's way.
    const endNow = () => {
      try {
        end(safeDecode(queue));
      } catch (error) {
        clearInterval(timer);
        if (said) return;
        said = true;
        this.emit(`${r.spec.operationId}: could not end the long polls of its queue (${error instanceof Error ? error.message : String(error)}); its stop waits out each receive in flight (a second at most)`);
      }
    };
    const started = Date.now();
    const timer = setInterval(() => {
      endNow();
      if (Date.now() - started >= HURRY_FOR_MS) clearInterval(timer);
    }, HURRY_EVERY_MS);
    timer.unref();
    endNow();
    return { done: () => clearInterval(timer) };
  }

  /**
   * Stops `r`'s function after its batches in flight; with `hurry`, its queue's long polls are
   * ended meanwhile ({@link hurryReceives}).
   */
  private async stopChild(r: Running, hurry = false): Promise<void> {
    let hurried: { done(): void } | undefined;
    try {
      if (hurry) hurried = this.hurryReceives(r);
      await this.stopFunctionOf(r);
    } finally {
      hurried?.done();
    }
  }

  private async stopFunctionOf(r: Running): Promise<void> {
    clearTimeout(r.restartTimer);
    r.restartTimer = undefined;
    if (this.processes === 'shared') {
      await r.starting;
      clearTimeout(r.restartTimer);
      r.restartTimer = undefined;
      const fn = r.inProcess;
      r.inProcess = undefined;
      // A stop begun by another caller (a reload, when the host is stopped during it) is waited
      // for too: the host's stop must not return, and the stack close its emulators, under a batch
      // still being handled (its deletes would fail, and its messages come back to be handled twice).
      const stopping = fn?.stop();
      if (stopping) r.inProcessStop = stopping.then(() => undefined, () => undefined);
      await (stopping ?? r.inProcessStop);
      r.outputEnds?.();
      return;
    }
    const child = r.child;
    if (child) {
      this.stoppedOnPurpose.add(child);
      askToStop(child, { type: 'stop' } satisfies HostMessage);
    }
    // Gone already, by a crash said once its output is read: waited for too, so that its last
    // lines are not said after a stop, and its retry does not follow a reload.
    await r.exited;
    clearTimeout(r.restartTimer);
    r.restartTimer = undefined;
  }

  /**
   * Watches the files `r`'s handler imports (after each launch, by a reload or the retry timer).
   * When they cannot be read (a syntax error, the handler gone, an import of a file not there yet),
   * the files watched so far stay watched, with the handler, the files the build error names and
   * those its imports would be: saving the fix, or creating the file (or its folder), reloads at once.
   */
  private async watchSources(r: Running): Promise<void> {
    const read = ++r.importReads;
    const imports = await sourceDependencies(r.spec.handlerFile, this.root).then(
      (files) => ({ files }),
      (error: unknown) => ({ error }),
    );
    // A read begun after this one is under way, or done: it read the files as they are now, this
    // one perhaps as they were (a save caught half written), and it alone says and watches them.
    // Stopped meanwhile: a stopped host says nothing more (its project may be gone already).
    if (read !== r.importReads || this.stopping) return;
    let files: string[];
    let notFound: string[] = [];
    if ('files' in imports) {
      files = imports.files;
      // The application's functions read its settings; the framework's triage does not.
      const settings = this.options.settingsFile && r.spec.handlerFile !== TRIAGE_HANDLER_FILE && path.resolve(this.options.settingsFile);
      if (settings && !files.includes(settings)) files = [...files, settings].sort();
      r.importsNote = undefined;
    } else {
      const { error } = imports;
      const named = filesNamedBy(error, this.root);
      notFound = importsNotFound(error, this.root);
      files = [...new Set([...r.watched, r.spec.handlerFile, ...named, ...notFound])].sort();
      const shown = [...new Set([r.spec.handlerFile, ...named, ...notFound])].map((f) => path.relative(this.root, f)).join(', ');
      // The error itself only when the init failure just said has not (e.g. an import not found, which the instance meets only when it runs).
      // A handler gone: the init failure said so, the build's "Could not resolve <its absolute path>" would say it again.
      const gone = entryNotFound(error, r.spec.handlerFile);
      const text = gone ? '' : buildErrorText(error, this.root, r.initError);
      const watching = `watching ${shown}${r.watched.length ? ' and the files it imported before' : ''}: ${gone ? 'putting the handler back' : 'saving the fix'} reloads it`;
      const note = text ? `${r.spec.operationId}: cannot read its imports (${text}); ${watching}` : `${r.spec.operationId}: ${watching}`;
      // Said once per failure: the retry timer's next starts meet the same one (their init failure is said anyway).
      if (note !== r.importsNote) this.emit(note);
      r.importsNote = note;
    }
    if (this.stopping) return;
    // The new watchers first, then the old ones go: a change is never missed in between. They go a
    // moment later: a change they saw during the read (the handler deleted) and not yet delivered
    // would be lost with them, and the new ones, set after it, do not see it.
    const old = r.watchers;
    r.watchers = this.watchFiles(r, files);
    r.watched = files;
    setTimeout(() => {
      for (const w of old) w.close();
    }, 100).unref();
    // An import not found, or the handler, created after the launch that failed for want of it but
    // before the watch of its folder was in place: no event will come, reload now. (Created before
    // that launch, it was found by it: no reload again and again for a file that still does not build.)
    const before = r.notFound;
    r.notFound = notFound;
    const down = this.processes === 'shared' ? !r.inProcess : !r.child;
    const appeared = down ? appearedSinceLaunch([...notFound, ...before, r.spec.handlerFile], r.presentAtLaunch) : undefined;
    if (appeared) this.changed(r, appeared);
  }

  /** A watched file of `r` changed (or appeared): reloads it once the writes are done. */
  private changed(r: Running, file: string): void {
    if (this.stopping) return;
    clearTimeout(r.debounce);
    // Editors write a file in several steps; reload once they are done.
    // The settings were read once, when the stack started: the function's own (timeout, memory,
    // batch size, concurrency) do not follow a reload, and saying nothing let a new timeout seem applied.
    const settings = this.options.settingsFile !== undefined && path.resolve(file) === path.resolve(this.options.settingsFile);
    const why = `${path.relative(this.root, file)} changed${settings ? ' (the code reloads now; its timeout, memory, batch size, concurrency and tables apply after a restart, which creates a new table: they were read at the start)' : ''}`;
    r.debounce = setTimeout(() => void this.reload(r.spec.operationId, why), 150);
  }

  /**
   * Watchers of `files` for `r`: each file's own, or, for a file that does not exist (a handler
   * moved away, deleted; an import not written yet), its folder's, for that name (and the names an
   * import of it finds: `next.ts` for `./next.js`), so that the file coming reloads too; when its
   * folder does not exist either, the nearest folder of the project that does, for the name of the
   * folder to come.
   */
  private watchFiles(r: Running, files: readonly string[]): FSWatcher[] {
    const watchers: FSWatcher[] = [];
    const missing = new Map<string, Set<string>>();
    const awaited = (dir: string, ...names: string[]) => {
      const set = missing.get(dir) ?? new Set();
      for (const name of names) set.add(name);
      missing.set(dir, set);
    };
    for (const file of files) {
      try {
        watchers.push(watch(file, () => this.changed(r, file)));
      } catch {
        let dir = path.dirname(file);
        let names = resolutionsOf(file).map((f) => path.basename(f));
        // Up to the nearest folder there, inside the project: the first folder to come is awaited.
        while (!existsSync(dir) && insideRoot(path.dirname(dir), this.root, { orRoot: true })) {
          names = [path.basename(dir)];
          dir = path.dirname(dir);
        }
        awaited(dir, ...names);
      }
    }
    for (const [dir, names] of missing) {
      try {
        watchers.push(
          watch(dir, (_event, name) => {
            if (name && names.has(String(name))) this.changed(r, path.join(dir, String(name)));
          }),
        );
      } catch {
        // Outside the project, or gone meanwhile: the retry timer starts the function again, and watches again.
      }
    }
    return watchers;
  }
}

/**
 * The line for an error of a function's poller (it retries, backing off): a queue gone (deleted
 * outside npm start) says what that means here and what brings it back.
 */
function pollerErrorLine(spec: { operationId: string; queueUrl: string }, message: string): string {
  const queue = decodeURIComponent(spec.queueUrl.split('/').pop() ?? spec.queueUrl);
  if (/queue does not exist/i.test(message)) {
    return `${spec.operationId}: poller: queue ${queue} does not exist (deleted outside npm start?): nothing is consumed, and what the topic delivers to it is lost here (on AWS it would go to the queue's dead-letter queue). Restart npm start to create it again (retrying meanwhile, less and less often)`;
  }
  return `${spec.operationId}: poller: ${message} (retrying)`;
}

/** A queue URL's last segment as its name: percent-decoded, or as it is when it is not valid percent-encoding. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** How often a reload ends its queue's long polls while the function stops ({@link FunctionHost.hurryReceives}). */
const HURRY_EVERY_MS = 50;
/** For how long: the local pollers' long poll (1 s) begun just before the stop was read, and a margin for a busy machine. */
const HURRY_FOR_MS = 2_000;

/** Build errors shown in full; more are counted. */
const SHOWN_BUILD_ERRORS = 3;

/** How long a function's process that has crashed is given to close its stdout and stderr before the crash is said (a process it started may hold them). */
const OUTPUT_AFTER_EXIT_MS = 1_000;

/**
 * What an esbuild build error says, on one line: each error as `file:line:column: text` (the file
 * relative to `root`, the column from 1, as editors take it), the first few of them; any other
 * error's message, its lines joined.
 */
/**
 * Whether an init failure is the handler file itself missing: Node's "Cannot find module
 * '<handler>' imported from <the framework's loader>", which named the framework's file and said
 * to fix the code, though no code of the handler exists to fix.
 */
function handlerGone(message: string, handlerFile: string): boolean {
  const missing = /Cannot find module '([^']+)'/.exec(message)?.[1];
  if (!missing) return false;
  const file = missing.startsWith('file:') ? fileURLToPath(missing) : missing;
  return path.resolve(file) === path.resolve(handlerFile);
}

/** Whether an esbuild build error is its entry, the handler, not found (esbuild's `Could not resolve "<handler>"`, at no place). */
function entryNotFound(error: unknown, handlerFile: string): boolean {
  const messages = (error as { errors?: { text?: string; location?: unknown }[] } | undefined)?.errors ?? [];
  return messages.some((m) => !m.location && path.resolve(/^Could not resolve "(.+)"$/.exec(m.text ?? '')?.[1] ?? '') === path.resolve(handlerFile));
}

function buildErrorText(error: unknown, root: string, said = ''): string {
  const messages = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] } | undefined)?.errors;
  if (!messages?.length) return String((error as Error)?.message ?? error).split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  const located = messages.flatMap(({ text, location: at }) => (at ? [{ file: at.file, line: at.line, column: at.column, text }] : []));
  // Errors without a place (rare: a plugin's) as their text only.
  if (located.length < messages.length) return messages.slice(0, SHOWN_BUILD_ERRORS).map((m) => m.text).join('; ');
  // Those the init failure just said (tsx stops at the first file that does not compile; this
  // build reads them all) are not said again.
  const unsaid = located.filter((e) => !said.includes(formatCompileErrors([e], { base: root })));
  return unsaid.length ? formatCompileErrors(unsaid, { base: root, shown: SHOWN_BUILD_ERRORS }) : '';
}

/**
 * Asks a function's process to stop (its `stop` message), else, when its channel is gone, SIGTERM.
 * The channel can close between the `connected` check and the write (the process ending on its
 * own, a failed start): the write then fails with EPIPE, which a `send` without a callback throws
 * as the child's 'error' event, uncaught (seen ending a test run; in `npm start` it would end the
 * stack). With the callback, a failed write falls back to the signal.
 *
 * @param child - the function's process (forked with an IPC channel)
 * @param message - what asks it to stop
 */
export function askToStop(child: ChildProcess, message: Serializable): void {
  if (!child.connected) {
    child.kill('SIGTERM');
    return;
  }
  child.send(message, (error) => {
    if (error) child.kill('SIGTERM');
  });
}

/**
 * Node options for instances started in this process: its own, with tsx's loader added when this
 * process runs without it (the handlers are TypeScript); undefined when its own will do. V8's
 * heap sizes are left out: a worker refuses them in `execArgv` (its limits are its
 * `resourceLimits`), though it inherits a process that has them.
 */
function instanceExecArgv(): string[] | undefined {
  if (process.execArgv.some((a) => a.includes('tsx'))) return undefined;
  return [...process.execArgv.filter((a) => !/^--(?:max|min)-(?:semi|old)-space-size\b|^--max-heap-size\b/.test(a)), ...HOST_TYPESCRIPT_LOADER];
}

/** Resolves after `ms`, not keeping the process alive meanwhile. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
