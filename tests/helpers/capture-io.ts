import type { CliIO } from '@sluice/cli';

/** CLI I/O captured in memory, for asserting on what a command printed. */
export function captureIO(answer?: boolean): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    progress: { write: (s: string) => void (err += s), isTTY: false },
    ...(answer === undefined ? {} : { confirm: async () => answer }),
    stdout: () => out,
    stderr: () => err,
  };
}
