#!/usr/bin/env bash
# Prepares .sst/platform (SST's component sources, @pulumi/* and the providers sst.config.ts
# declares) for the offline infrastructure checks: `tsc -p tsconfig.sst.json` and
# packages/infra/tests. Needs only the npm registry.
#
# The switches below keep `sst install` off everything else (bun and pulumi binary downloads,
# telemetry, the EC2 metadata endpoint). They belong to this offline check only: `npm run dev`,
# `deploy` and `remove` run the plain CLI, which needs its dependencies.
#
# Skipped when the installed platform matches the sst version in node_modules (it takes about a
# minute). After changing `providers` in sst.config.ts, run it with --force.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: npm run sst:install -- [--force]     (sluice-sst-install [--force] in a created project)

Prepares .sst/platform, SST's component sources and the providers sst.config.ts declares, for the
offline infrastructure checks: npm run infra:plan (which runs this itself the first time), and in
the Sluice repository npm run typecheck:infra and the infra tests. Needs
only the npm registry: no AWS account, no bun or pulumi downloads, no telemetry. Skipped when the
platform installed matches node_modules/sst's version (it takes about a minute).

Options:
  --force     install again (after changing `providers` in sst.config.ts)
  -h, --help  show this help
  --version   print the version (of @sluice/infra, which holds this script)

Run it in the project root. npm run dev, deploy and remove use the plain sst CLI, not this.
USAGE
}
# A usage error as every entry point says one (@sluice/cli): one line saying what is wrong, the
# word echoed, and what to type instead; then where the usage is. Exit 2, nothing done.
usage_error() {
  echo "sst:install: $1" >&2
  echo "Run \`npm run sst:install -- --help\` for usage." >&2
  exit 2
}
# A word as JSON quotes it (the convention's echo): backslashes and double quotes escaped.
quoted() {
  local word=${1//\\/\\\\}
  printf '"%s"' "${word//\"/\\\"}"
}
force=0
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    # The version of the package this script is in: @sluice/infra (packages/infra here).
    # Run through its bin link (node_modules/.bin/sluice-sst-install, in a created project), the
    # script's own folder is the link's target's: resolved first.
    --version) node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).version' "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/package.json"; exit 0 ;;
    --force) force=1 ;;
    --force=*) usage_error "--force takes no value, got $(quoted "${arg#--force=}"): give --force alone" ;;
    -*) usage_error "unknown option $arg: it takes --force, --help and --version" ;;
    *) usage_error "unexpected argument $(quoted "$arg"): it installs for the project it runs in, no name; it takes --force, --help and --version" ;;
  esac
done

# In the project root: the working directory, where npm runs every script (`npm run sst:install`
# here, `sluice-sst-install` in a project that installed @sluice/infra) and where infra:plan runs it.
if [[ ! -f package.json || ! -e node_modules/sst ]]; then
  echo "sst:install: run it in the project root (a package.json and node_modules/sst), not in $PWD" >&2
  exit 1
fi

want="$(node -p "require('./node_modules/sst/package.json').version")"
stamp=.sst/offline-install.ok
if [[ $force == 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "sst:install: .sst/platform for sst $want is already installed (--force to redo)"
  exit 0
fi

rm -f "$stamp"
started=$(date +%s)
# Any stage will do: install only evaluates app() to learn the providers.
SST_STAGE=offline-check \
SST_SKIP_DEPENDENCY_CHECK=1 \
SST_NO_BUN=1 \
SST_TELEMETRY_DISABLED=1 \
AWS_EC2_METADATA_DISABLED=true \
  ./node_modules/.bin/sst install
# Written last, so an interrupted install is redone next time.
echo "$want" > "$stamp"
echo "sst:install: .sst/platform for sst $want installed in $(( $(date +%s) - started )) s"
