#!/usr/bin/env bash
# A new project as a user gets it, with the framework INSTALLED (not linked to this workspace):
# every @sluice package built (npm run build:packages) and packed (npm pack), a project created
# from a small contract depending on those tarballs (file: paths; third-party packages from the
# npm registry, nothing published), `npm install`, then in it: codegen, typecheck, test,
# infra:plan --json and npm start (started, banner seen, npm run ops -- status and dlq list run
# against it, stopped with Ctrl-C).
#
#   scripts/try-create.sh [--contract <file>] [--keep]
#
# Prints each step's time and exit code, and a summary; exits non-zero when a step failed. The
# temp folder is removed at the end unless --keep (its path is printed).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
contract="$root/packages/create/tests/fixtures/tiny/asyncapi.yaml"
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --contract) contract="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "try-create: unknown argument $1 (--contract <file>, --keep)" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/sluice-try-create-XXXXXX")"
app="$work/try-app"
log="$work/logs"
mkdir -p "$work/tarballs" "$log"
summary=()
failed=0
cleanup() {
  if [[ $keep == 1 ]]; then echo "try-create: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# step <name> <dir> <command...>: runs it, output to $log/<name>.log, records time and exit code.
step() {
  local name="$1" dir="$2"; shift 2
  local started=$(date +%s.%N)
  (cd "$dir" && "$@") >"$log/$name.log" 2>&1
  local code=$?
  local took=$(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)")
  summary+=("$(printf '%-22s exit %-3s %7s s' "$name" "$code" "$took")")
  echo "try-create: $name: exit $code in $took s"
  if [[ $code != 0 ]]; then
    failed=1
    echo "--- last lines of $name ---"; tail -40 "$log/$name.log"; echo "---"
  fi
  return $code
}

packages=(cli runtime model diagram codegen governance infra ops local create)
run_all() {
  step build:packages "$root" npm run build:packages || return
  local workspaces=()
  for p in "${packages[@]}"; do workspaces+=(-w "packages/$p"); done
  SLUICE_PACKAGES_BUILT=1 step pack "$root" npm pack "${workspaces[@]}" --pack-destination "$work/tarballs" || return
  ls "$work/tarballs"
  step create "$root" npm run create -- "$app" --contract "$contract" --framework "$work/tarballs" || return
  step "npm install" "$app" npm install --no-audit --no-fund || return
  step codegen "$app" npm run codegen || return
  step typecheck "$app" npm run typecheck
  step test "$app" npm test
  step "infra:plan --json" "$app" bash -c 'npm run --silent infra:plan -- --json > plan.json && node -e "const p = JSON.parse(require(\"fs\").readFileSync(\"plan.json\", \"utf8\")); console.log(p.resources.length + \" resources: \" + p.resources.map((r) => r.name).join(\", \"))"'
  step "npm start" "$app" bash -c '
    # Its own process group, as a terminal runs a command: Ctrl-C reaches npm and the node under it.
    setsid npm start > start.log 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do
      if grep -q "^Local runtime for" start.log; then break; fi
      if ! kill -0 $pid 2>/dev/null; then break; fi
      sleep 0.5
    done
    cat start.log
    if ! grep -q "^Local runtime for" start.log; then echo "no banner"; kill -TERM -- -$pid 2>/dev/null; wait $pid; exit 1; fi
    # The operator commands (the ops script, its eventContract.operatorCommand) against that stack.
    for _ in $(seq 1 40); do grep -q "Ctrl-C to stop" start.log && break; sleep 0.5; done
    endpoint=$(sed -n "s/^  endpoint  *\([^ ]*\).*/\1/p" start.log)
    SLUICE_ENDPOINT=$endpoint npm run ops -- status && SLUICE_ENDPOINT=$endpoint npm run ops -- dlq list
    ops=$?
    echo "--- npm run ops -- status, dlq list: exit $ops"
    kill -INT -- -$pid
    for _ in $(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.5; done
    if kill -0 $pid 2>/dev/null; then echo "still running 20 s after Ctrl-C"; kill -KILL -- -$pid; exit 1; fi
    wait $pid
    code=$?
    echo "--- after Ctrl-C (exit $code):"; tail -5 start.log
    [[ ($code == 0 || $code == 130) && $ops == 0 ]]'
}

overall_started=$(date +%s)
run_all
echo
echo "try-create: $(( $(date +%s) - overall_started )) s in all, in $work (contract $contract)"
for line in "${summary[@]}"; do echo "  $line"; done
echo "  logs: $log (kept with --keep)"
exit $failed
