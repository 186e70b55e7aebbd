#!/usr/bin/env bash
# Forwarding benchmark: what forwarding to Pendo costs ingestion, and how fast the forwarder delivers.
# Runs on fresh SQLite databases, Release build, wrk on the same machine (bench/track.lua):
#   off  forwarding off: single track messages, then 100-message batches
#   on   the same with forwarding on to a local sink (a region named Sink on 127.0.0.1): bench/PendoSink (Kestrel, the
#        default) or, with SINK_KIND=python, bench/pendo-sink.py, which takes a visible share of a two-core machine's CPU.
#        The sink stands for Pendo, which runs elsewhere: it runs at nice SINK_NICE (19), so it takes the CPU Portal leaves
#        rather than competing with the writer for it; it still receives everything (the delivery check below). Portal's
#        own forwarding work is not niced. SINK_NICE=0 measures it as an equal.
# ROUNDS (default 2) pairs of runs, in alternating order (off/on, on/off, …) so a machine whose load drifts does not
# favour one side. Prints events/s of every run, the ratio of the sums (target: "on" keeps >= 90% of "off"), then the forwarder's
# delivered/s: messages delivered from the start of the load until the outbox is empty, over that time, and the
# backlog when the load stopped. Env: DURATION (15s), WARMUP (10s of each shape before the measured load), CONNECTIONS (32), THREADS (2), PORT (5299),
# SINK_PORT (5298), SINK_KIND (kestrel | python), SINK_NICE (19), FWD_BATCH (Forwarding:BatchSize, 100), FWD_CONCURRENCY (4), ROUNDS (2).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-5299}"
SINK_PORT="${SINK_PORT:-5298}"
URL="http://127.0.0.1:${PORT}"
SINK="http://127.0.0.1:${SINK_PORT}"
LUA="$ROOT/bench/track.lua"

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null

SINK_KIND="${SINK_KIND:-kestrel}"
SINK_NICE="${SINK_NICE:-19}"
echo "Building Release…"
dotnet build "$ROOT/Portal/Portal.csproj" -c Release -v quiet -nologo >/dev/null
[[ $SINK_KIND == python ]] || dotnet build "$ROOT/bench/PendoSink/PendoSink.csproj" -c Release -v quiet -nologo >/dev/null
BIN="$ROOT/Portal/bin/Release/net10.0"

WORK="$(mktemp -d -t portal-fwd-bench-XXXXXX)"
export ASPNETCORE_ENVIRONMENT=Production
export Ingestion__RateLimit__RequestsPerSecond=0
export Serilog__MinimumLevel__Default=Warning
export Forwarding__Regions__0__Name=Sink
export Forwarding__Regions__0__BaseUrl="$SINK"
export Forwarding__BatchSize="${FWD_BATCH:-100}"
export Forwarding__Concurrency="${FWD_CONCURRENCY:-4}"
export Forwarding__PollMilliseconds=100

SERVER_PID=""
SINK_PID=""
cleanup() {
  for pid in "$SERVER_PID" "$SINK_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $SINK_KIND == python ]]; then
  nice -n "$SINK_NICE" python3 "$ROOT/bench/pendo-sink.py" "$SINK_PORT" &
else
  nice -n "$SINK_NICE" dotnet "$ROOT/bench/PendoSink/bin/Release/net10.0/PendoSink.dll" "$SINK_PORT" >/dev/null &
fi
SINK_PID=$!

wait_up() { # url
  for _ in $(seq 1 60); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "Nothing answers at $1"; exit 1
}
wait_up "$SINK/count"

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# Messages waiting in the outbox (an entry holds a commit's messages of the application).
waiting() { sqlite3 "$1" "SELECT coalesce(SUM(Count), 0) FROM ForwardingOutbox WHERE State = 0;"; }

# One run on a fresh database: provision, (optionally) turn forwarding on, load, then wait for the outbox to drain.
run_mode() { # off | on, round
  local mode="$1" dir="$WORK/$1-$2"
  mkdir -p "$dir"
  export Database__SqlitePath="$dir/portal.db" KeyRing__Path="$dir/keys" Serilog__WriteTo__1__Args__path="$dir/logs/portal-.log"
  cd "$BIN"
  dotnet Portal.dll apps create --name Benchmark >/dev/null
  # Segment sends with the application's Pendo key: Portal accepts it and forwards with it.
  local key; key="$(python3 -c 'import uuid; print(uuid.uuid4())')"
  dotnet Portal.dll keys import --app Benchmark --key "$key" >/dev/null
  [[ $mode == on ]] && dotnet Portal.dll apps forward --app Benchmark --region Sink --key-hint "${key: -4}" >/dev/null
  dotnet Portal.dll --urls "$URL" >"$dir/server.out" 2>&1 &
  SERVER_PID=$!
  wait_up "$URL/healthz"
  local sink_before; sink_before=$(curl -fs "$SINK/count")
  export INGEST_PATH="/data/segmentio/$key"
  # Both shapes, long enough for .NET's tiered JIT to finish the hot paths (the forwarder's included): 8 s into a load the
  # JIT still took 13% of Portal's CPU with forwarding off and 28% with it on (a CPU profile); the warm-up used to be 3 s.
  PREFIX=warm1 BATCH=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" "$URL" >/dev/null 2>&1
  PREFIX=warm2 BATCH=100 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$LUA" "$URL" >/dev/null 2>&1

  local start; start=$(date +%s.%N)
  local cpu_server cpu_sink; cpu_server=$(cpu_ticks "$SERVER_PID"); cpu_sink=$(cpu_ticks "$SINK_PID")
  echo "[$mode, round $2] single track messages for $DURATION…"
  PREFIX=b BATCH=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL" >"$dir/b.txt" 2>&1
  echo "[$mode, round $2] 100-message batches for $DURATION…"
  PREFIX=c BATCH=100 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL" >"$dir/c.txt" 2>&1
  local load_end; load_end=$(date +%s.%N)
  CPU_SERVER[$mode-$2]=$(( $(cpu_ticks "$SERVER_PID") - cpu_server )); CPU_SINK[$mode-$2]=$(( $(cpu_ticks "$SINK_PID") - cpu_sink ))
  EPS_B[$mode-$2]=$(awk -v r="$(field BENCH_RPS "$dir/b.txt")" 'BEGIN { printf "%.0f", r }')
  EPS_C[$mode-$2]=$(awk -v r="$(field BENCH_RPS "$dir/c.txt")" 'BEGIN { printf "%.0f", r * 100 }')

  if [[ $mode == on ]]; then
    BACKLOG=$(waiting "$dir/portal.db")
    local waiting=$BACKLOG
    for _ in $(seq 1 600); do
      waiting=$(waiting "$dir/portal.db")
      [[ $waiting == 0 ]] && break
      sleep 0.5
    done
    local drained; drained=$(date +%s.%N)
    STORED=$(sqlite3 "$dir/portal.db" "SELECT COUNT(*) FROM Events;")
    ENTRIES=$(sqlite3 "$dir/portal.db" "SELECT COUNT(*) FROM ForwardingOutbox;")
    DELIVERED=$(( $(curl -fs "$SINK/count") - sink_before ))
    DEAD=$(sqlite3 "$dir/portal.db" "SELECT coalesce(SUM(Count), 0) FROM ForwardingOutbox WHERE State = 2;")
    LEFT=$waiting
    DRAIN_SECONDS=$(awk -v a="$drained" -v b="$load_end" 'BEGIN { printf "%.1f", a - b }')
    DELIVERED_PER_S=$(awk -v d="$DELIVERED" -v a="$drained" -v s="$start" 'BEGIN { printf "%.0f", d / (a - s) }')
  fi
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  # The run's files go and what they left dirty is written out now: otherwise the next run's commits (each an fsync) would
  # pay for this run's writeback, and an "on" run writes more than an "off" one.
  rm -rf "$dir"
  sync
}

declare -A EPS_B EPS_C CPU_SERVER CPU_SINK
BACKLOG=0; STORED=0; ENTRIES=0; DELIVERED=0; DEAD=0; LEFT=0; DRAIN_SECONDS=0; DELIVERED_PER_S=0
ROUNDS="${ROUNDS:-2}"
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then run_mode off "$round"; run_mode on "$round"; else run_mode on "$round"; run_mode off "$round"; fi
done

printf '\n%-30s %14s %14s %8s\n' "events/s" "forwarding off" "forwarding on" "on/off"
for run in b c; do
  label="single track"; [[ $run == c ]] && label="batches of 100"
  off_sum=0; on_sum=0
  for round in $(seq 1 "$ROUNDS"); do
    if [[ $run == b ]]; then off=${EPS_B[off-$round]}; on=${EPS_B[on-$round]}; else off=${EPS_C[off-$round]}; on=${EPS_C[on-$round]}; fi
    off_sum=$((off_sum + off)); on_sum=$((on_sum + on))
    printf '%-30s %14s %14s %7.1f%%\n' "$label, round $round" "$off" "$on" "$(awk -v a="$on" -v b="$off" 'BEGIN { print 100 * a / b }')"
  done
  printf '%-30s %14s %14s %7.1f%%\n' "$label, all rounds" "$off_sum" "$on_sum" "$(awk -v a="$on_sum" -v b="$off_sum" 'BEGIN { print 100 * a / b }')"
done
echo
# Where the CPU went during the load (both phases): what forwarding costs Portal itself, and what the sink takes of the
# same two cores (on a real deployment Pendo's share runs elsewhere).
TICKS=$(getconf CLK_TCK)
for round in $(seq 1 "$ROUNDS"); do
  for mode in off on; do
    printf 'CPU during the load, %-3s round %s: Portal %5.1f s, sink %5.1f s\n' "$mode" "$round" \
      "$(awk -v t="${CPU_SERVER[$mode-$round]}" -v h="$TICKS" 'BEGIN { print t / h }')" "$(awk -v t="${CPU_SINK[$mode-$round]}" -v h="$TICKS" 'BEGIN { print t / h }')"
  done
done
echo
echo "Forwarder, last run with forwarding on (batch ${Forwarding__BatchSize}, concurrency ${Forwarding__Concurrency}, ${SINK_KIND} sink at nice ${SINK_NICE}): ${DELIVERED} messages delivered to the sink, ${DELIVERED_PER_S}/s from the start of the load until the outbox was empty"
echo "  backlog when the load stopped: ${BACKLOG}; drained ${DRAIN_SECONDS} s later; still waiting: ${LEFT}; dead letters: ${DEAD}"
echo "  stored events ${STORED} (warm-up included); outbox entries left (delivered ones leave): ${ENTRIES}"
STATUS=0
[[ $LEFT == 0 && $DEAD == 0 ]] || { echo "Forwarding check FAILED: every stored event must be delivered."; STATUS=1; }
(( DELIVERED >= STORED )) || { echo "Forwarding check FAILED: the sink received fewer messages than were stored."; STATUS=1; }
exit $STATUS
