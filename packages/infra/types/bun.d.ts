// Stands in for the `bun` module in `tsc -p tsconfig.sst.json` (tsconfig.sst.json maps it here).
// SST's platform sources import one type from it (`Shell`, the type of `$shell` in sst.config.ts),
// and the real declarations (bun-types) also redeclare Node's globals (URL, Buffer, fetch, ...)
// the Bun way: a URL made by the project's code would then not be a URL to Node's types.
// The framework never uses `$shell`.
export type Shell = (strings: TemplateStringsArray, ...values: unknown[]) => Promise<unknown>;
