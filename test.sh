#!/usr/bin/env bash
# Runs every Portal test: unit, endpoint, bUnit and real-browser (Debian Chromium), on SQLite and PostgreSQL.
# On a fresh Debian machine it first installs what the tests need and is missing.
# Ends with one line "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
need_package() { # need_package <command-or-path> <debian-package>
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    echo "test.sh: installing $2 from Debian"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$2" >/dev/null
  fi
}

# The browser tests drive Debian's Chromium through Microsoft.Playwright; no browser download.
need_package /usr/bin/chromium chromium
# One browser test runs Segment's real analytics.js (from npm, pinned by its package-lock.json).
need_package node nodejs
need_package npm npm
segment=Portal.Tests/Browser/segment
if [ ! -f "$segment/node_modules/@segment/analytics-next/dist/umd/index.js" ]; then
  echo "test.sh: installing Segment's analytics.js from npm"
  npm ci --prefix "$segment" --no-audit --no-fund --loglevel=error
fi

# The provider-sensitive suites run on PostgreSQL too: a private server for this run, stopped at the end.
# Test data is thrown away, so no fsync: a busy disk does not set the pace.
pg_dir="$(mktemp -d -t portal-test-pg-XXXXXX)"
trap 'scripts/private-postgres.sh stop "$pg_dir"' EXIT
PORTAL_TEST_POSTGRES="$(scripts/private-postgres.sh start "$pg_dir" -c fsync=off -c full_page_writes=off)"
export PORTAL_TEST_POSTGRES

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results=TestResults
rm -rf "$results"
status=0
dotnet test Portal.sln --logger "trx;LogFileName=portal.trx" --results-directory "$results" "$@" || status=$?

trx=$(find "$results" -name '*.trx' 2>/dev/null | head -n 1)
if [ -z "$trx" ]; then
  echo "test.sh: no test results were written (build failure?)"
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
passed=$(count passed)
failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
