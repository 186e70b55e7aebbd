#!/usr/bin/env bash
# Erasure at scale, on copies of a database seeded by bench/pages.sh (BENCH_DB, 1M track events, 100k visitors):
#   1. inside Portal (bench/EraseBench): single track messages through the ingestion service from 8 senders, alone and
#      while ErasureService erases COUNT visitors, as from a visitor's page or a list: every step goes through the
#      writer's queue, so ingestion waits for one step at most;
#   2. from the command line (`visitors delete`) while a Portal server takes single messages from wrk: another process,
#      taking turns with the server's writer through SQLite's lock.
# Each prints the erasure's time and both latency profiles (p99/max should stay near the baseline's).
# Env: BENCH_DB (required), DURATION (20s), CONNECTIONS (8), COUNT (1000), PORT (a free one).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
: "${BENCH_DB:?set BENCH_DB to a database seeded by bench/pages.sh}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-8}"
COUNT="${COUNT:-1000}"
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
URL="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null

WORK="$(mktemp -d -t portal-erase-XXXXXX)"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  cp "$WORK/server.log" "${TMPDIR:-/tmp}/portal-erase-server.log" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "Copying $BENCH_DB and building Release…"
cp "$BENCH_DB" "$WORK/inside.db"
dotnet build "$ROOT/bench/EraseBench" -c Release -v quiet -nologo >/dev/null
dotnet build "$ROOT/Portal/Portal.csproj" -c Release -v quiet -nologo >/dev/null
echo "== 1. inside Portal (${DURATION%s} s of load per phase)"
dotnet "$ROOT/bench/EraseBench/bin/Release/net10.0/EraseBench.dll" "$WORK/inside.db" "$COUNT" "${DURATION%s}"
rm -f "$WORK"/inside.db*

echo "== 2. from the command line, beside a running server"
cp "$BENCH_DB" "$WORK/portal.db"
BIN="$ROOT/Portal/bin/Release/net10.0"
export ASPNETCORE_ENVIRONMENT=Production Database__SqlitePath="$WORK/portal.db" KeyRing__Path="$WORK/keys" \
       Ingestion__RateLimit__RequestsPerSecond=0 Serilog__MinimumLevel__Default=Warning \
       Serilog__WriteTo__1__Args__path="$WORK/logs/portal-.log" ASPNETCORE_URLS="$URL"
cd "$BIN"
APP=$(sqlite3 "$WORK/portal.db" "SELECT Name FROM Applications LIMIT 1")
KEY="$(dotnet Portal.dll keys create --app "$APP" --label erase-bench --json \
  | python3 -c 'import json,sys; s=sys.stdin.read(); i=0 if s.startswith("{") else s.index("\n{")+1; print(json.loads(s[i:])["key"])')"
sqlite3 "$WORK/portal.db" "SELECT VisitorId FROM Visitors ORDER BY random() LIMIT $COUNT" >"$WORK/ids.txt"
EVENTS=$(sqlite3 "$WORK/portal.db" "SELECT count(*) FROM Events")
echo "Database: $EVENTS events; erasing $(wc -l <"$WORK/ids.txt") visitors of '$APP'"

dotnet Portal.dll >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do curl -fs "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
export INGEST_PATH="/data/segmentio/$KEY"
PREFIX=warm BATCH=1 wrk -t2 -c"$CONNECTIONS" -d3s -s "$ROOT/bench/track.lua" "$URL" >/dev/null 2>&1

echo "== ingestion alone ($DURATION)"
PREFIX=alone BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/track.lua" "$URL" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|Socket errors"

echo "== ingestion while erasing ($DURATION)"
PREFIX=erasing BATCH=1 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/track.lua" "$URL" >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
sleep 2
dotnet Portal.dll visitors delete --app "$APP" --file "$WORK/ids.txt" | tail -n 1
wait "$WRK_PID"
grep -E "Latency|50%|99%|Requests/sec|Non-2xx|Socket errors" "$WORK/wrk.txt"
kill -0 "$SERVER_PID" || { echo "the server stopped: see ${TMPDIR:-/tmp}/portal-erase-server.log"; exit 1; }
