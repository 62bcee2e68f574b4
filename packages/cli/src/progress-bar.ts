/** Not on a terminal: a line at least this often while work goes on (a quarter of a long run is a long silence in a log). */
export const PROGRESS_LINE_EVERY_MS = 10_000;

/**
 * A one-line progress bar for long CLI work; redraws in place on a terminal, prints sparse lines
 * otherwise: at each quarter, and at least every {@link PROGRESS_LINE_EVERY_MS} between them.
 *
 * @example
 * ```ts
 * import { ProgressBar } from '@sluice/cli';
 *
 * const bar = new ProgressBar(500, 'publishing');
 * bar.update(250); // publishing [###############...............] 250/500 50%
 * bar.finish('published 500 orders');
 * ```
 */
export class ProgressBar {
  private lastPrinted = -1;
  private readonly started = Date.now();
  private lastLineAt = Date.now();
  private readonly now: () => number;
  private readonly total: number;
  private readonly label: string;
  private readonly out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };

  constructor(total: number, label: string, out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } = process.stderr, now: () => number = Date.now) {
    this.now = now;
    this.lastLineAt = now();
    this.total = total;
    this.label = label;
    this.out = out;
  }

  /** Shows `done` of `total`. */
  update(done: number): void {
    const ratio = this.total === 0 ? 1 : done / this.total;
    const percent = Math.floor(ratio * 100);
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${percent}%`);
    } else if (percent >= this.lastPrinted + 25 || done === this.total || this.now() - this.lastLineAt >= PROGRESS_LINE_EVERY_MS) {
      if (percent >= this.lastPrinted + 25 || done === this.total) this.lastPrinted = percent;
      this.lastLineAt = this.now();
      this.out.write(`${this.label}: ${done}/${this.total} (${percent}%)\n`);
    }
  }

  /** Ends the bar with a summary line. */
  finish(summary: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    this.out.write(`${this.out.isTTY ? '\n' : ''}${summary} in ${seconds} s\n`);
  }
}
