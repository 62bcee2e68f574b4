/**
 * A one-line progress bar for long CLI work; redraws in place on a terminal, prints sparse lines otherwise.
 */
export class ProgressBar {
  private lastPrinted = -1;
  private readonly started = Date.now();
  private readonly total: number;
  private readonly label: string;
  private readonly out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };

  constructor(total: number, label: string, out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } = process.stderr) {
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
    } else if (percent >= this.lastPrinted + 25 || done === this.total) {
      this.lastPrinted = percent;
      this.out.write(`${this.label}: ${done}/${this.total} (${percent}%)\n`);
    }
  }

  /** Ends the bar with a summary line. */
  finish(summary: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    this.out.write(`${this.out.isTTY ? '\n' : ''}${summary} in ${seconds} s\n`);
  }
}
