#!/usr/bin/env bash
# Runs every test of Earnest and ends with one line: "N passed, N failed" (", N skipped" when any were skipped).
# It installs what the tests need when it is missing: Node.js (the client written in a second language), curl and
# jq (the README walkthrough), Chromium (the web app tests), PostgreSQL (the PostgreSQL store's tests), and the
# pinned npm packages of tests/clients/solana (the Solana reference client, and LiteSVM behind JSON-RPC).
set -uo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
need_package() { # need_package <command> <debian package>
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2 (needed by the tests)"
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq && apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
need_package node nodejs
need_package npm npm
need_package curl curl
need_package jq jq
need_package chromium chromium # the web apps are tested in a real browser (Playwright drives Debian's build)
# The PostgreSQL store is tested against a real server the tests start; Debian keeps its binaries off PATH.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (needed by the tests)"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq && apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# The Solana encoder is compared with @solana/kit and the RPC client runs against LiteSVM: install their pinned
# packages when missing or older than package.json. `npm install`, not `npm ci`: litesvm's native binary is an
# optional dependency per platform, and npm records only the installing platform's in the lock file, which `npm ci`
# then refuses; `npm install` picks the binary of this machine (litesvm-linux-x64-gnu on Debian x64).
[ tests/clients/solana/node_modules/.package-lock.json -nt tests/clients/solana/package.json ] || (cd tests/clients/solana && npm install --no-audit --no-fund)

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
dotnet test Earnest.slnx --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" 2>&1 \
  | grep -vE '^\s*$' | tee "$results/console.log"
status=${PIPESTATUS[0]}

# Repeat each failure (name, message, first lines of its stack) next to the summary, where a reader of only the
# output's last lines still sees which test failed and why.
awk '/^  (Passed|Skipped) |^\[xUnit|^Results File|^Test Run/ { keep = 0 }
     /^  Failed [A-Za-z]/ { keep = 1; lines = 0; print "" }
     keep && lines++ < 30 { print }' "$results/console.log" | sed 's/^/  | /' > "$results/failures.txt"
if [ -s "$results/failures.txt" ]; then
  echo "failures, repeated:"
  cat "$results/failures.txt"
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  value() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # a build or runner failure counts as a failure

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
