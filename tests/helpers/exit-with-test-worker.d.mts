/** Types of tests/helpers/exit-with-test-worker.mjs (plain JavaScript: every Node the tests start preloads it). */

/** The env variable naming the test worker: `pid:start mark` (the mark empty where there is no /proc). */
export declare const TEST_WORKER_ENV: 'SLUICE_TEST_WORKER';
/** `pid`'s start time in clock ticks since boot; undefined when it is gone, a zombie, or there is no /proc. */
export declare function startMark(pid: number): string | undefined;
/** Whether the worker named by `value` (`pid:mark`) still runs. */
export declare function workerRuns(value: string): boolean;
