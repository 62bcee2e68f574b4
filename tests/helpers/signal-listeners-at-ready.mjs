/**
 * Preloaded (`--import`) into a program a test starts: the first time the program writes a chunk
 * holding `$SLUICE_TEST_READY_TEXT` to stdout (its "ready" line), it also writes to stderr how many
 * SIGINT and SIGTERM listeners it has at that moment, beyond those it had when this module loaded:
 * `[at ready] SIGINT 1 SIGTERM 1`. A program that says "Ctrl-C to stop" with 0 dies of Node's
 * default action when the Ctrl-C comes right after the line, whatever its handler would have done.
 */
const marker = process.env.SLUICE_TEST_READY_TEXT;
if (marker) {
  const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
  const write = process.stdout.write.bind(process.stdout);
  let told = false;
  process.stdout.write = (chunk, ...rest) => {
    if (!told && String(chunk).includes(marker)) {
      told = true;
      process.stderr.write(`[at ready] SIGINT ${process.listenerCount('SIGINT') - before.SIGINT} SIGTERM ${process.listenerCount('SIGTERM') - before.SIGTERM}\n`);
    }
    return write(chunk, ...rest);
  };
}
