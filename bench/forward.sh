#!/usr/bin/env bash
# Forwarding benchmark: what forwarding to Pendo costs ingestion, and how fast the forwarder delivers.
# Release build, wrk on the same machine (bench/track.lua), two Portals side by side on fresh SQLite databases:
#   off  forwarding off (PORT)
#   on   forwarding on (PORT+1) to a local sink (a region named Sink on 127.0.0.1): bench/PendoSink (the default: plain
#        sockets, ~30-40 µs of CPU per 100-message request where a Kestrel sink took ~137) or, with SINK_KIND=python,
#        bench/pendo-sink.py, which takes a visible share of a two-core machine's CPU.
#        The sink stands for Pendo, which runs elsewhere: it runs at nice SINK_NICE (19), so it takes the CPU Portal leaves
#        rather than competing with the writer for it; it still receives everything (the delivery check below). Portal's
#        own forwarding work is not niced. SINK_NICE=0 measures it as an equal.
# Both are warmed (WARMUP of each shape, long enough for .NET's tiered JIT to finish the forwarder's code), then loaded in
# turn, one at a time, in SLICE-long slices: single track messages, then 100-message batches, SLICES pairs of each in
# alternating order (off/on, on/off, ...). After each slice the loaded Portal is left to finish (the outbox drained, its CPU
# quiet) before the next one starts, so neither pays for the other's work. Why slices and not one long run each: on the
# machine this was built on, the same build's events/s drift by a third over tens of seconds (15-second runs on fresh
# processes put the same pair anywhere from 59% to 109%); slices seconds apart see the same machine.
# Prints every slice's events/s, the ratio of the sums per shape (target: "on" keeps >= 90% of "off"), the median of the
# pairs' ratios and their mean with its 95% interval, then the forwarder: for each "on" slice, messages the sink received
# during the load per second of it (it keeps up when that is close to the slice's events/s), the backlog when the load
# stopped and how long the outbox took to empty after it, and the CPU Portal (off / on) and the sink used per event from
# the slice's start until Portal was quiet again (the drain included); then checks every stored message was delivered.
# The machine's CPU is saturated during a slice, so CPU per event rises whenever events/s fall, whatever the cause:
# compare slices of similar events/s.
# Env: SLICE (5s), SLICES (20), WARMUP (30s), CONNECTIONS (32), THREADS (2), PORT (5299, and PORT+1), SINK_PORT (5298),
# SINK_KIND (dotnet | python), SINK_NICE (19), FWD_BATCH (Forwarding:BatchSize, 100), FWD_CONCURRENCY (4).
# BASELINE=<folder of another Release build's Portal.dll> compares builds instead: the first Portal runs that build, both
# forward, and the columns are the baseline and this build. Its slices vary as much as off/on ones (67%-125% on the
# machine this was built on), so it tells apart only changes larger than the interval it prints.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SLICE="${SLICE:-5s}"
SLICES="${SLICES:-20}"
WARMUP="${WARMUP:-30s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-5299}"
SINK_PORT="${SINK_PORT:-5298}"
SINK="http://127.0.0.1:${SINK_PORT}"
LUA="$ROOT/bench/track.lua"

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null

SINK_KIND="${SINK_KIND:-dotnet}"
SINK_NICE="${SINK_NICE:-19}"
echo "Building Release…"
dotnet build "$ROOT/Portal/Portal.csproj" -c Release -v quiet -nologo >/dev/null
[[ $SINK_KIND == python ]] || dotnet build "$ROOT/bench/PendoSink/PendoSink.csproj" -c Release -v quiet -nologo >/dev/null
BIN="$ROOT/Portal/bin/Release/net10.0"
BASELINE="${BASELINE:-}"
[[ -z $BASELINE || -f $BASELINE/Portal.dll ]] || { echo "BASELINE: no Portal.dll in $BASELINE" >&2; exit 2; }

WORK="$(mktemp -d -t portal-fwd-bench-XXXXXX)"
export ASPNETCORE_ENVIRONMENT=Production
export Ingestion__RateLimit__RequestsPerSecond=0
export Serilog__MinimumLevel__Default=Warning
export Forwarding__Regions__0__Name=Sink
export Forwarding__Regions__0__BaseUrl="$SINK"
export Forwarding__BatchSize="${FWD_BATCH:-100}"
export Forwarding__Concurrency="${FWD_CONCURRENCY:-4}"
export Forwarding__PollMilliseconds=100

declare -A PID DIR URL KEY
SINK_PID=""
cleanup() {
  for pid in "${PID[off]:-}" "${PID[on]:-}" "$SINK_PID"; do
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
HZ=$(getconf CLK_TCK)
# Microseconds of CPU per event, from clock ticks and a count of events ("-" when nothing was accepted).
per_event() { awk -v t="$1" -v hz="$HZ" -v e="$2" 'BEGIN { if (e > 0) printf "%.1f", t / hz * 1e6 / e; else print "-" }'; }
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
now() { date +%s.%N; }
# Messages waiting in the outbox (an entry holds a commit's messages of the application).
waiting() { sqlite3 "$1" "SELECT coalesce(SUM(Count), 0) FROM ForwardingOutbox WHERE State = 0;"; }

# A Portal on a fresh database: provision, (for "on") turn forwarding on, start.
start_portal() { # off | on, port
  local mode="$1" dir="$WORK/$1"
  mkdir -p "$dir"
  DIR[$mode]="$dir"; URL[$mode]="http://127.0.0.1:$2"
  export Database__SqlitePath="$dir/portal.db" KeyRing__Path="$dir/keys" Serilog__WriteTo__1__Args__path="$dir/logs/portal-.log"
  if [[ $mode == off && -n $BASELINE ]]; then cd "$BASELINE"; else cd "$BIN"; fi
  dotnet Portal.dll apps create --name Benchmark >/dev/null
  # Segment sends with the application's Pendo key: Portal accepts it and forwards with it.
  KEY[$mode]="$(python3 -c 'import uuid; print(uuid.uuid4())')"
  dotnet Portal.dll keys import --app Benchmark --key "${KEY[$mode]}" >/dev/null
  [[ $mode == on || -n $BASELINE ]] && dotnet Portal.dll apps forward --app Benchmark --region Sink --key-hint "${KEY[$mode]: -4}" >/dev/null
  dotnet Portal.dll --urls "${URL[$mode]}" >"$dir/server.out" 2>&1 &
  PID[$mode]=$!
  wait_up "${URL[$mode]}/healthz"
}

load() { # mode, batch, prefix, duration, output
  PREFIX="$3" BATCH="$2" INGEST_PATH="/data/segmentio/${KEY[$1]}" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$4" -s "$LUA" "${URL[$1]}" >"$5" 2>&1
}

# Until the loaded Portal has finished what the load left it (the outbox drained, the WAL checkpoint, housekeeping): its
# CPU still for half a second (at most 2 ticks), or 30 s.
settle() { # mode
  local pid="${PID[$1]}" before after
  for _ in $(seq 1 60); do
    before=$(cpu_ticks "$pid"); sleep 0.5; after=$(cpu_ticks "$pid")
    (( after - before <= 2 )) && return 0
  done
}

# The mean of the slices' ratios (one per line) with its 95% interval (Student's t): how far the machine's noise leaves the
# figure from what more slices would give.
mean_interval() {
  awk '{ v[NR] = $1; s += $1 } END {
    n = NR; m = s / n; for (i = 1; i <= n; i++) q += (v[i] - m) ^ 2
    split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 2.12 2.11 2.10 2.09 2.09", t, " ")
    if (n < 2) { printf "mean of the slices: %.1f%%", m; exit }
    h = (n - 1 <= 20 ? t[n - 1] : 2.05) * sqrt(q / (n - 1) / n)
    printf "mean of the slices: %.1f%%, 95%% interval %.1f-%.1f%%", m, m - h, m + h }'
}

# Results, by shape (1 | 100), mode and slice.
declare -A EPS FWD_RATE FWD_BACKLOG FWD_DRAIN CPU SINK_CPU
slice() { # mode, batch, slice number
  local mode="$1" batch="$2" n="$3" out="$WORK/$1-$2-$3.txt"
  local start sink_before; start=$(now); sink_before=$(curl -fs "$SINK/count")
  local cpu_before sink_cpu_before; cpu_before=$(cpu_ticks "${PID[$mode]}"); sink_cpu_before=$(cpu_ticks "$SINK_PID")
  load "$mode" "$batch" "s$batch-$n" "$SLICE" "$out"
  local load_end sink_end; load_end=$(now); sink_end=$(curl -fs "$SINK/count")
  EPS[$batch-$mode-$n]=$(awk -v r="$(field BENCH_RPS "$out")" -v b="$batch" 'BEGIN { printf "%.0f", r * b }')
  if [[ $mode == on || -n $BASELINE ]]; then
    local db="${DIR[$mode]}/portal.db" backlog left
    backlog=$(waiting "$db"); left=$backlog
    for _ in $(seq 1 1200); do (( left > 0 )) || break; sleep 0.1; left=$(waiting "$db"); done
    local drained; drained=$(now)
    if [[ $mode == on ]]; then
      FWD_BACKLOG[$batch-$n]=$backlog
      FWD_DRAIN[$batch-$n]=$(awk -v a="$drained" -v b="$load_end" 'BEGIN { printf "%.1f", a - b }')
      FWD_RATE[$batch-$n]=$(awk -v d="$(( sink_end - sink_before ))" -v a="$load_end" -v s="$start" 'BEGIN { printf "%.0f", d / (a - s) }')
    fi
  fi
  settle "$mode"
  # CPU per event from the load's start until the Portal is quiet again: what the slice cost, the forwarder's drain included.
  local events=$(( $(field BENCH_OK "$out") * batch ))
  CPU[$batch-$mode-$n]=$(per_event "$(( $(cpu_ticks "${PID[$mode]}") - cpu_before ))" "$events")
  SINK_CPU[$batch-$mode-$n]=$(per_event "$(( $(cpu_ticks "$SINK_PID") - sink_cpu_before ))" "$events")
}

start_portal off "$PORT"
start_portal on "$((PORT + 1))"
for mode in off on; do
  name=$mode; [[ -z $BASELINE ]] || { [[ $mode == off ]] && name=baseline || name="this build"; }
  echo "[$name] warming up: $WARMUP of single messages, $WARMUP of batches…"
  load "$mode" 1 "w1" "$WARMUP" /dev/null
  load "$mode" 100 "w100" "$WARMUP" /dev/null
  settle "$mode"
done

for batch in 1 100; do
  echo "Loading in turn, $SLICES pairs of $SLICE slices of $([[ $batch == 1 ]] && echo 'single track messages' || echo '100-message batches')…"
  for n in $(seq 1 "$SLICES"); do
    if (( n % 2 == 1 )); then slice off "$batch" "$n"; slice on "$batch" "$n"; else slice on "$batch" "$n"; slice off "$batch" "$n"; fi
  done
done

for batch in 1 100; do
  label="single track"; [[ $batch == 100 ]] && label="batches of 100"
  if [[ -n $BASELINE ]]; then columns=("baseline" "this build" "this/base"); else columns=("forwarding off" "forwarding on" "on/off"); fi
  printf '\n%-24s %14s %14s %9s %12s %10s %8s %16s %9s\n' "$label, events/s" "${columns[@]}" "delivered/s" "backlog" "drained" "Portal CPU µs/ev" "sink µs/ev"
  off_sum=0; on_sum=0; ratios=()
  for n in $(seq 1 "$SLICES"); do
    off=${EPS[$batch-off-$n]}; on=${EPS[$batch-on-$n]}
    off_sum=$((off_sum + off)); on_sum=$((on_sum + on))
    ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.1f", 100 * a / b }'); ratios+=("$ratio")
    printf '%-24s %14s %14s %8s%% %12s %10s %7ss %16s %9s\n' "slice $n" "$off" "$on" "$ratio" "${FWD_RATE[$batch-$n]}" "${FWD_BACKLOG[$batch-$n]}" \
      "${FWD_DRAIN[$batch-$n]}" "${CPU[$batch-off-$n]} / ${CPU[$batch-on-$n]}" "${SINK_CPU[$batch-on-$n]}"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '%-24s %14s %14s %8.1f%%   (median of the slices: %s%%)\n' "all slices" "$off_sum" "$on_sum" \
    "$(awk -v a="$on_sum" -v b="$off_sum" 'BEGIN { print 100 * a / b }')" "$median"
  printf '%-24s %s\n' "" "$(printf '%s\n' "${ratios[@]}" | mean_interval)"
done

DB="${DIR[on]}/portal.db"
STORED=$(sqlite3 "$DB" "SELECT COUNT(*) FROM Events;")
# Both Portals forward to the one sink.
[[ -z $BASELINE ]] || STORED=$(( STORED + $(sqlite3 "${DIR[off]}/portal.db" "SELECT COUNT(*) FROM Events;") ))
DELIVERED=$(curl -fs "$SINK/count")
LEFT=$(waiting "$DB")
DEAD=$(sqlite3 "$DB" "SELECT coalesce(SUM(Count), 0) FROM ForwardingOutbox WHERE State = 2;")
echo
echo "Forwarder (batch ${Forwarding__BatchSize}, concurrency ${Forwarding__Concurrency}, ${SINK_KIND} sink at nice ${SINK_NICE}): delivered/s above is what"
echo "  the sink received during each slice's load; backlog is what waited when the load stopped, drained how long it took to empty."
echo "  stored events ${STORED} (warm-up included), delivered to the sink ${DELIVERED}, still waiting ${LEFT}, dead letters ${DEAD}"
STATUS=0
[[ $LEFT == 0 && $DEAD == 0 ]] || { echo "Forwarding check FAILED: every stored event must be delivered."; STATUS=1; }
(( DELIVERED >= STORED )) || { echo "Forwarding check FAILED: the sink received fewer messages than were stored."; STATUS=1; }
exit $STATUS
