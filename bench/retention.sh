#!/usr/bin/env bash
# Retention at scale: a copy of the 1M-event seed (bench/pages.sh seeds it; BENCH_DB=<file> reuses one), Portal
# (Release) with Ingestion:Retention:TrackEventDays=DAYS (default 15: about half of the seed's 30 days of events
# expire), and wrk sending single track messages throughout. Prints how long the expired events took to delete, and
# ingestion's latency (p50 / p99 / max) while they are deleted next to a baseline run with retention off.
# Env: BENCH_DB (required: a seeded database; it is copied, not changed), DAYS (15), CONNECTIONS (8), PORT (5197).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
[ -f "${BENCH_DB:-}" ] || { echo "Set BENCH_DB to a database seeded by bench/pages.sh (BENCH_DB=/tmp/x.db bench/pages.sh seeds one)." >&2; exit 2; }
DAYS=${DAYS:-15}
CONNECTIONS=${CONNECTIONS:-8}
PORT=${PORT:-5197}
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/portal-retention-bench.XXXXXX)
trap 'kill "${PORTAL_PID:-}" 2>/dev/null || true; wait "${PORTAL_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null

dotnet build "$ROOT/Portal/Portal.csproj" -c Release -v quiet -nologo >/dev/null
BIN="$ROOT/Portal/bin/Release/net10.0"
echo "== copying $BENCH_DB"
sqlite3 "$BENCH_DB" "VACUUM INTO '$WORK/portal.db'"
export ASPNETCORE_ENVIRONMENT=Production Database__SqlitePath="$WORK/portal.db" KeyRing__Path="$WORK/keys" \
       Serilog__MinimumLevel__Default=Warning Serilog__WriteTo__1__Args__path="$WORK/logs/portal-.log" \
       Ingestion__RateLimit__RequestsPerSecond=0 Ingestion__LogPruneIntervalSeconds=1
cd "$BIN"
dotnet Portal.dll apps create --name "Retention bench" >/dev/null
KEY="$(dotnet Portal.dll keys create --app "Retention bench" --label bench --json \
  | python3 -c 'import json,sys; s=sys.stdin.read(); i=0 if s.startswith("{") else s.index("\n{")+1; print(json.loads(s[i:])["key"])')"
export INGEST_PATH="/data/segmentio/$KEY"

start_portal() {
  dotnet Portal.dll --urls "$URL" >"$WORK/server.out" 2>&1 &
  PORTAL_PID=$!
  for _ in $(seq 1 120); do curl -fs "$URL/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  cat "$WORK/server.out"; exit 1
}
stop_portal() { kill "$PORTAL_PID"; wait "$PORTAL_PID" 2>/dev/null || true; PORTAL_PID=""; }
latency() { # wrk output file → "p50 p99 max" in ms
  awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Latency/ && !max {max=$4} END {print p50, p99, max}' "$1"
}

echo "== baseline: retention off, 15 s of single track messages"
start_portal
PREFIX=warm BATCH=1 wrk -t2 -c"$CONNECTIONS" -d3s -s "$ROOT/bench/track.lua" "$URL" >/dev/null 2>&1
PREFIX=base BATCH=1 wrk -t2 -c"$CONNECTIONS" -d15s --latency -s "$ROOT/bench/track.lua" "$URL" >"$WORK/base.txt" 2>&1
stop_portal

CUTOFF=$(python3 -c "import time; print(int((time.time() - $DAYS*86400) * 10**7) + 621355968000000000)")
LAST_EXPIRED=$(sqlite3 "$WORK/portal.db" "SELECT coalesce(max(Id), 0) FROM Events WHERE ReceivedAt < $CUTOFF")
EXPIRED=$(sqlite3 "$WORK/portal.db" "SELECT count(*) FROM Events WHERE Type = 'track' AND ReceivedAt < $CUTOFF")
TOTAL=$(sqlite3 "$WORK/portal.db" "SELECT count(*) FROM Events")
echo "== retention on (${DAYS} days): $EXPIRED of $TOTAL events have expired"
export Ingestion__Retention__TrackEventDays="$DAYS"
start_portal
STARTED=$(date +%s.%N)
PREFIX=ret BATCH=1 wrk -t2 -c"$CONNECTIONS" -d600s --latency -s "$ROOT/bench/track.lua" "$URL" >"$WORK/ret.txt" 2>&1 &
WRK_PID=$!
while :; do
  mark=$(sqlite3 "$WORK/portal.db" "SELECT coalesce((SELECT EventId FROM IndexWatermarks WHERE Name = 'TrackEventRetention'), 0)" 2>/dev/null || echo 0)
  (( mark >= LAST_EXPIRED )) && break
  sleep 0.5
done
FINISHED=$(date +%s.%N)
kill -INT "$WRK_PID"; wait "$WRK_PID" 2>/dev/null || true
stop_portal
LEFT=$(sqlite3 "$WORK/portal.db" "SELECT count(*) FROM Events WHERE Type = 'track' AND ReceivedAt < $CUTOFF")
SECONDS_TAKEN=$(python3 -c "print(round($FINISHED - $STARTED, 1))")

read -r b50 b99 bmax < <(latency "$WORK/base.txt")
read -r r50 r99 rmax < <(latency "$WORK/ret.txt")
echo
printf '%-34s %10s %10s %10s %12s\n' "single track messages" "p50" "p99" "max" "req/s"
printf '%-34s %10s %10s %10s %12s\n' "baseline (retention off)" "$b50" "$b99" "$bmax" "$(awk '/Requests\/sec/ {print $2}' "$WORK/base.txt")"
printf '%-34s %10s %10s %10s %12s\n' "while deleting expired events" "$r50" "$r99" "$rmax" "$(awk '/Requests\/sec/ {print $2}' "$WORK/ret.txt")"
echo
echo "Deleted $((EXPIRED - LEFT)) expired track events in ${SECONDS_TAKEN} s ($(python3 -c "print(round(($EXPIRED - $LEFT) / max($SECONDS_TAKEN, 0.1)))") events/s); $LEFT expired left."
(( LEFT == 0 )) || { echo "Retention did not finish."; exit 1; }
