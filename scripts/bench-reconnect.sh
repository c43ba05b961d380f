#!/usr/bin/env bash
# Connection state recovery under a wave of drops (issue 13): `socketio-bench reconnect` against
#   one      one `socketio-server e2e --connection-state-recovery` (the in-memory adapter)
#   two      two of them on one redis-server through the Redis Streams adapter
#            (`--redis-adapter streams`): every client comes back to the other server
#   off      one server without recovery, the control: reconnects are new sessions, and its
#            memory while the clients are away is what a session costs without recovery
# Each run: N clients drop their transports at once while a client keeps broadcasting RATE
# events per second; they come back AWAY seconds later. Results: one JSON line per run in
# .build-bench/reconnect-DATE.jsonl, and the tool's summary on stdout.
#
# Usage: ./scripts/bench-reconnect.sh                  N=5000 RATE=5 AWAY=5, all three runs
#        RECONNECT_RUNS="one" N=1000 ./scripts/bench-reconnect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$ROOT/.build-bench"
mkdir -p "$OUT"
RESULTS="$OUT/reconnect-$(date -u +%Y-%m-%dT%H%M%SZ).jsonl"
N="${N:-5000}" RATE="${RATE:-5}" AWAY="${AWAY:-5}"
RUNS="${RECONNECT_RUNS:-one two off}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

swift build -c release --product socketio-server >&2
swift build -c release --product socketio-bench >&2
BIN="$(swift build -c release --show-bin-path)"

PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts `socketio-server e2e ARGS`; sets PORT and SPID.
start() {
  local fifo
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  "$BIN/socketio-server" e2e --port 0 --log-level error "$@" >"$fifo" &
  SPID=$!
  PIDS+=("$SPID")
  read -r line <"$fifo"
  rm -f "$fifo"
  PORT="${line##*:}"
}

run() {
  local label=$1
  shift
  printf '\n== %s: %s clients, %s broadcasts/s, away %s s\n' "$label" "$N" "$RATE" "$AWAY"
  "$BIN/socketio-bench" reconnect -n "$N" --rate "$RATE" --duration "$AWAY" "$@" | tee /dev/stderr | tail -n 1 \
    | sed "s/^{/{\"run\":\"$label\",\"date\":\"$(date -u +%FT%TZ)\",\"nproc\":$(nproc),/" >>"$RESULTS"
}

for what in $RUNS; do
  case "$what" in
    one)
      start --connection-state-recovery 120000
      run one --port "$PORT" --pid "$SPID"
      kill "$SPID"
      ;;
    off)
      start
      run off --port "$PORT" --pid "$SPID"
      kill "$SPID"
      ;;
    two)
      if ! "$BIN/socketio-server" --help 2>&1 | grep -q -- "--redis-adapter"; then
        echo "two: skipped (this build has no --redis-adapter)"
        continue
      fi
      REDIS_PORT="$(free_port)"
      redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null &
      PIDS+=($!)
      REDIS_PID=$!
      sleep 0.5
      start --connection-state-recovery 120000 --redis "redis://127.0.0.1:$REDIS_PORT/0" --redis-adapter streams
      PORT_A="$PORT" PID_A="$SPID"
      start --connection-state-recovery 120000 --redis "redis://127.0.0.1:$REDIS_PORT/0" --redis-adapter streams
      run two --port "$PORT_A" --pid "$PID_A" --port2 "$PORT"
      kill "$PID_A" "$SPID" "$REDIS_PID"
      ;;
    *) echo "unknown run: $what"; exit 64 ;;
  esac
  sleep 1
done
echo "results: $RESULTS"
