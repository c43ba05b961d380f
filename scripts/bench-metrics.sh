#!/usr/bin/env bash
# The cost of the Prometheus metrics (issue 14): `socketio-bench throughput` against
# `socketio-server e2e --metrics on` and `--metrics off`, alternated ROUNDS times in one run so
# that both see the same machine, then the ratios of the medians. Release builds.
#
#   ./scripts/bench-metrics.sh                    # 5 rounds of 15 s each way
#   ROUNDS=3 SECONDS_EACH=10 ./scripts/bench-metrics.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
SECONDS_EACH="${SECONDS_EACH:-15}"
CLIENTS="${CLIENTS:-100}"
PORT="${PORT:-39400}"
if [ -z "${SKIP_BUILD:-}" ]; then
  swift build -c release --product socketio-server >&2
  swift build -c release --product socketio-bench >&2
fi
BIN="$(swift build -c release --show-bin-path)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

run() {
  local mode="$1"
  "$BIN/socketio-server" e2e --port "$PORT" --log-level error --metrics "$mode" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    (exec 9<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
  "$BIN/socketio-bench" throughput --port "$PORT" --pid "$pid" -n "$CLIENTS" --duration "$SECONDS_EACH" 2>&1 | grep '^{' | tail -1 >>"$OUT/$mode.jsonl"
  kill -TERM "$pid"
  wait "$pid" || true
}

for round in $(seq 1 "$ROUNDS"); do
  # Alternate which goes first, so neither always runs on a warmer machine.
  if [ $((round % 2)) -eq 1 ]; then run on; run off; else run off; run on; fi
  echo "round $round done" >&2
done

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
rows = {mode: [json.loads(line) for line in open(f"{out}/{mode}.jsonl")] for mode in ("on", "off")}
for mode in ("on", "off"):
    for row in rows[mode]:
        print(f"metrics {mode:3}: {row['ackedPerSecond']:>10} acked/s  {row['serverMicrosecondsPerEvent']:>6} µs CPU/event  p99 {row['p99ms']} ms")
med = lambda mode, key: statistics.median(float(r[key]) for r in rows[mode])
tp = med("on", "ackedPerSecond") / med("off", "ackedPerSecond")
cpu = med("on", "serverMicrosecondsPerEvent") / med("off", "serverMicrosecondsPerEvent")
print(f"median acked/s on/off: {tp:.4f} ({(tp - 1) * 100:+.2f} %)")
print(f"median server CPU per event on/off: {cpu:.4f} ({(cpu - 1) * 100:+.2f} %)")
# Round by round (each round ran both, back to back), the median of the ratios.
pairs = list(zip(rows["on"], rows["off"]))
tp_pairs = statistics.median(float(a["ackedPerSecond"]) / float(b["ackedPerSecond"]) for a, b in pairs)
cpu_pairs = statistics.median(float(a["serverMicrosecondsPerEvent"]) / float(b["serverMicrosecondsPerEvent"]) for a, b in pairs)
print(f"median of the per-round ratios: acked/s {tp_pairs:.4f} ({(tp_pairs - 1) * 100:+.2f} %), CPU per event {cpu_pairs:.4f} ({(cpu_pairs - 1) * 100:+.2f} %)")
PY
