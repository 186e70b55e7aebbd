#!/usr/bin/env bash
# Ingestion benchmark: Release build, fresh database, wrk on the same machine.
#   (a) GET /healthz — the HTTP ceiling of this server
#   (b) single ~600-byte track messages, unique messageIds, 32 connections
#   (c) 100-message batches (bare arrays, as Webhooks (Actions) batches)
# Prints req/s, events/s, p50/p99 and the ratios (b)/(a), (c)/(a) in events/s, then checks that the
# stored event count matches the 200 responses. Env: DURATION (default 15s), WARMUP (10s of single messages and then of
# batches, on every instance, before anything is measured), CONNECTIONS (32), THREADS (2), PORT (5199),
# RANDOM_IDS=1 for random messageIds as Segment sends them (the default is a counter per wrk thread).
# Options: --provider sqlite (default) | postgres — PostgreSQL runs as a private server started here (default
# durability: fsync and synchronous_commit on), removed at the end; --instances 2 starts a second Portal on the same
# PostgreSQL database (PORT+1) and drives each instance with its own wrk (CONNECTIONS each); figures are the sums.
set -euo pipefail

PROVIDER=sqlite
INSTANCES=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --provider) PROVIDER="$2"; shift 2 ;;
    --instances) INSTANCES="$2"; shift 2 ;;
    *) echo "usage: $0 [--provider sqlite|postgres] [--instances 1|2]" >&2; exit 2 ;;
  esac
done
[[ $PROVIDER == sqlite || $PROVIDER == postgres ]] || { echo "--provider is sqlite or postgres" >&2; exit 2; }
[[ $INSTANCES == 1 || $PROVIDER == postgres ]] || { echo "several instances need --provider postgres" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-5199}"
BATCH_SIZE=100
URL="http://127.0.0.1:${PORT}"
URL2="http://127.0.0.1:$((PORT + 1))"

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
SERVER2_PID=""
PG_DIR=""
cleanup() {
  for pid in "$SERVER_PID" "$SERVER2_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  [[ -n "$PG_DIR" ]] && "$ROOT/scripts/private-postgres.sh" stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $PROVIDER == postgres ]]; then
  PG_DIR="$(mktemp -d -u -t portal-bench-pg-XXXXXX)"  # outside $WORK, which user postgres cannot enter
  echo "Starting a private PostgreSQL (default durability)…"
  PG_ADMIN="$("$ROOT/scripts/private-postgres.sh" start "$PG_DIR")"
  PG_PORT="$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$PG_ADMIN")"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE portal_bench" >/dev/null
  export Database__Provider=Postgres
  export Database__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=portal_bench;Maximum Pool Size=64"
fi

cd "$BIN"
dotnet Portal.dll apps create --name Benchmark >/dev/null
# Log lines may precede the JSON on stdout: read from the first line that opens an object.
KEY="$(dotnet Portal.dll keys create --app Benchmark --label bench --json \
  | python3 -c 'import json,sys; s=sys.stdin.read(); i=0 if s.startswith("{") else s.index("\n{")+1; print(json.loads(s[i:])["key"])')"
echo "Provisioned an application and key …${KEY: -4} in $WORK"

wait_up() { # url, log
  for _ in $(seq 1 60); do
    curl -fs "$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "Portal did not start at $1"; cat "$2"; exit 1
}
dotnet Portal.dll --urls "$URL" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
wait_up "$URL" "$WORK/server.out"
if [[ $INSTANCES == 2 ]]; then
  Serilog__WriteTo__1__Args__path="$WORK/logs2/portal-.log" dotnet Portal.dll --urls "$URL2" >"$WORK/server2.out" 2>&1 &
  SERVER2_PID=$!
  wait_up "$URL2" "$WORK/server2.out"
fi
echo "Provider: $PROVIDER, instances: $INSTANCES"

export INGEST_PATH="/data/segmentio/$KEY"
LUA="$ROOT/bench/track.lua"


run() { # name, then wrk args (the last one the URL); with two instances a second wrk drives the second one
  local name="$1"; shift
  if [[ $INSTANCES == 2 ]]; then
    local args=("$@"); unset 'args[${#args[@]}-1]'
    local last="${!#}"
    local path="${last#"$URL"}"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$WORK/$name.txt" 2>&1 &
    local first=$!
    PREFIX="${PREFIX:-x}2" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}" "$URL2$path" >"$WORK/$name-2.txt" 2>&1
    wait "$first"
  else
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$WORK/$name.txt" 2>&1
  fi
}

# Every instance, both shapes, long enough for .NET's tiered JIT to finish the hot paths. Warming only the first
# instance (3 s, as this script once did) left the second to compile its code during (b): p99 was ~730 ms there.
warm() { # url, prefix
  PREFIX="$2" BATCH=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" "$1" >/dev/null 2>&1
  PREFIX="${2}b" BATCH=$BATCH_SIZE wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" "$1" >/dev/null 2>&1
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$1/healthz" >/dev/null 2>&1
}
echo "Warming up every instance for 2 x $WARMUP (JIT, connection pools)…"
warm "$URL" warm &
WARM_PID=$!
[[ $INSTANCES == 2 ]] && warm "$URL2" warm2
wait "$WARM_PID"

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

stored() { # events whose messageId starts with the run's prefix (both instances' prefixes)
  if [[ $PROVIDER == postgres ]]; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d portal_bench -tAc "SELECT COUNT(*) FROM \"Events\" WHERE \"MessageId\" LIKE '$1%-%';"
  else
    sqlite3 "$WORK/portal.db" "SELECT COUNT(*) FROM Events WHERE MessageId LIKE '$1-%';"
  fi
}
# A figure of a run: summed over both wrk outputs for counts and rates, the larger for latencies.
field() { # key, file
  local k="$1" f="$2" v
  v=$(awk -v k="$k" '$1 == k { print $2 }' "$f")
  if [[ $INSTANCES == 2 && -f "${f%.txt}-2.txt" ]]; then
    local v2; v2=$(awk -v k="$k" '$1 == k { print $2 }' "${f%.txt}-2.txt")
    case "$k" in
      BENCH_P50_US|BENCH_P99_US) v=$(awk -v a="$v" -v b="$v2" 'BEGIN { print (a > b ? a : b) }') ;;
      *) v=$(awk -v a="$v" -v b="$v2" 'BEGIN { printf "%.1f", a + b }') ;;
    esac
  fi
  echo "$v"
}

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
  ok=$(field BENCH_OK "$WORK/$name.txt"); ok=${ok%.*}
  expected=$((ok * per))
  got=$(stored "$name")
  extra=$((got - expected))
  if (( extra >= 0 && extra <= INSTANCES * CONNECTIONS * per )); then verdict="OK"; else verdict="MISMATCH"; STATUS=1; fi
  echo "  ($name) 200 responses ${ok} x ${per} = ${expected}; stored ${got}; unanswered in-flight ${extra} (<= ${CONNECTIONS} x ${per}): ${verdict}"
done

if [[ $PROVIDER == postgres ]]; then
  echo "PostgreSQL log: $(grep -c 'deadlock detected' "$PG_DIR/server.log" || true) deadlock(s), $(grep -c 'ERROR' "$PG_DIR/server.log" || true) error line(s)"
fi

awk -v b="$ratio_b" -v c="$ratio_c" -v p="$p99_b" 'BEGIN { exit !(b >= 20 && c >= 60 && p <= 50) }' \
  && echo "Targets met." || { echo "Targets NOT met."; STATUS=1; }
exit $STATUS
