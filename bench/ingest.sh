#!/usr/bin/env bash
# Ingestion benchmark: Release build, fresh database, wrk on the same machine.
#   (a) GET /healthz — the HTTP ceiling of this server
#   (b) single ~600-byte track messages, unique messageIds, 32 connections
#   (c) 100-message batches (bare arrays, as Webhooks (Actions) batches)
# Prints req/s, events/s, p50/p99 and the ratios (b)/(a), (c)/(a) in events/s, then checks that the
# stored event count matches the 200 responses. Env: DURATION (default 15s), CONNECTIONS (32), THREADS (2), PORT (5199),
# RANDOM_IDS=1 for random messageIds as Segment sends them (the default is a counter per wrk thread).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-5199}"
BATCH_SIZE=100
URL="http://127.0.0.1:${PORT}"

if ! command -v wrk >/dev/null; then
  echo "Installing wrk…"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null

echo "Building Release…"
dotnet build "$ROOT/Portal/Portal.csproj" -c Release -v quiet -nologo >/dev/null
BIN="$ROOT/Portal/bin/Release/net10.0"

WORK="$(mktemp -d -t portal-bench-XXXXXX)"
export ASPNETCORE_ENVIRONMENT=Production
export Database__SqlitePath="$WORK/portal.db"
export KeyRing__Path="$WORK/keys"
export Ingestion__RateLimit__RequestsPerSecond=0
export Serilog__WriteTo__1__Args__path="$WORK/logs/portal-.log"
export Serilog__MinimumLevel__Default=Warning

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cd "$BIN"
dotnet Portal.dll apps create --name Benchmark >/dev/null
# Log lines may precede the JSON on stdout: read from the first line that opens an object.
KEY="$(dotnet Portal.dll keys create --app Benchmark --label bench --json \
  | python3 -c 'import json,sys; s=sys.stdin.read(); i=0 if s.startswith("{") else s.index("\n{")+1; print(json.loads(s[i:])["key"])')"
echo "Provisioned an application and key …${KEY: -4} in $WORK"

dotnet Portal.dll --urls "$URL" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fs "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$URL/healthz" >/dev/null || { echo "Portal did not start"; cat "$WORK/server.out"; exit 1; }

export INGEST_PATH="/data/segmentio/$KEY"
LUA="$ROOT/bench/track.lua"

# value of "KEY n" lines printed by the Lua done() hook
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

run() { # name, then wrk args
  local name="$1"; shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$WORK/$name.txt" 2>&1
}

echo "Warming up (JIT, connection pools)…"
PREFIX=warm BATCH=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$LUA" "$URL" >/dev/null 2>&1
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$URL/healthz" >/dev/null 2>&1

echo "(a) GET /healthz for $DURATION…"
cat >"$WORK/healthz.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("BENCH_OK %d\nBENCH_SENT %d\nBENCH_P50_US %d\nBENCH_P99_US %d\nBENCH_RPS %.1f\n",
    summary.requests - summary.errors.status, summary.requests, latency:percentile(50), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
LUA
run a -s "$WORK/healthz.lua" "$URL/healthz"
echo "(b) single track messages for $DURATION…"
PREFIX=b BATCH=1 run b -s "$LUA" "$URL"
echo "(c) $BATCH_SIZE-message batches for $DURATION…"
PREFIX=c BATCH=$BATCH_SIZE run c -s "$LUA" "$URL"

# Let the writer finish what was in flight when wrk stopped.
sleep 1

stored() { sqlite3 "$WORK/portal.db" "SELECT COUNT(*) FROM Events WHERE MessageId LIKE '$1-%';"; }

printf '\n%-26s %12s %12s %10s %10s\n' "run" "req/s" "events/s" "p50 ms" "p99 ms"
declare -A EPS
STATUS=0
for name in a b c; do
  f="$WORK/$name.txt"
  rps=$(field BENCH_RPS "$f"); p50=$(field BENCH_P50_US "$f"); p99=$(field BENCH_P99_US "$f")
  per=1; [[ $name == c ]] && per=$BATCH_SIZE
  eps=$(awk -v r="$rps" -v p="$per" 'BEGIN { printf "%.0f", r * p }')
  EPS[$name]=$eps
  label="(a) GET /healthz"; [[ $name == b ]] && label="(b) single track"; [[ $name == c ]] && label="(c) batches of $BATCH_SIZE"
  printf '%-26s %12.0f %12s %10.2f %10.2f\n' "$label" "$rps" "$eps" "$(awk -v u="$p50" 'BEGIN{print u/1000}')" "$(awk -v u="$p99" 'BEGIN{print u/1000}')"
  grep -q "Socket errors" "$f" && grep "Socket errors" "$f" | sed "s/^/    $name: /"
  grep -q "Non-2xx" "$f" && { grep "Non-2xx" "$f" | sed "s/^/    $name: /"; STATUS=1; }
done

ratio_b=$(awk -v b="${EPS[b]}" -v a="${EPS[a]}" 'BEGIN { printf "%.1f", 100 * b / a }')
ratio_c=$(awk -v c="${EPS[c]}" -v a="${EPS[a]}" 'BEGIN { printf "%.1f", 100 * c / a }')
p99_b=$(awk -v u="$(field BENCH_P99_US "$WORK/b.txt")" 'BEGIN { print u / 1000 }')
echo
echo "(b)/(a) events/s: ${ratio_b}%  (target >= 20%, p99 <= 50 ms: p99 ${p99_b} ms)"
echo "(c)/(a) events/s: ${ratio_c}%  (target >= 60%)"

echo
echo "Stored-count check (wrk stops with requests in flight: those may be stored yet never answered):"
for name in b c; do
  per=1; [[ $name == c ]] && per=$BATCH_SIZE
  ok=$(field BENCH_OK "$WORK/$name.txt")
  expected=$((ok * per))
  got=$(stored "$name")
  extra=$((got - expected))
  if (( extra >= 0 && extra <= CONNECTIONS * per )); then verdict="OK"; else verdict="MISMATCH"; STATUS=1; fi
  echo "  ($name) 200 responses ${ok} x ${per} = ${expected}; stored ${got}; unanswered in-flight ${extra} (<= ${CONNECTIONS} x ${per}): ${verdict}"
done

awk -v b="$ratio_b" -v c="$ratio_c" -v p="$p99_b" 'BEGIN { exit !(b >= 20 && c >= 60 && p <= 50) }' \
  && echo "Targets met." || { echo "Targets NOT met."; STATUS=1; }
exit $STATUS
