#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (with AddressSanitizer) and runs each one.
#
# Usage: ./scripts/fuzz.sh                     60 s per target
#        FUZZ_SECONDS=20 ./scripts/fuzz.sh     another time budget (the test script uses 20)
#        FUZZ_RUNS=10000000 ./scripts/fuzz.sh  a number of executions instead of a time
#        ./scripts/fuzz.sh FuzzRESP FuzzMessagePack   some targets only
#        FUZZ_ARGS=-detect_leaks=0 ./scripts/fuzz.sh  more libFuzzer flags
#
# Each target starts from its committed seeds (Fuzz/Corpus/TARGET, wire strings from the
# protocol docs) plus what earlier runs here found (.build-fuzz/corpus/TARGET, not committed).
# A crash, a trap, a leak, an input that takes over 10 s or 2 GiB fails the run; the input
# that did it is left in .build-fuzz/artifacts/ and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SCRATCH="$ROOT/.build-fuzz"
ALL="FuzzEngineIOPacket FuzzSocketIOPacket FuzzBinaryReassembly FuzzMessagePack FuzzSocketIOMessagePack FuzzRESP FuzzStreams FuzzHTTPPipeline FuzzCompressionHeaders FuzzBcrypt FuzzISO8601Date"
TARGETS="${*:-$ALL}"

# `-sanitize=fuzzer` would link libFuzzer's own `main`, which clashes with the one SwiftPM gives
# every executable (ld.gold fails). So: libFuzzer's instrumentation (what -sanitize=fuzzer
# turns on) with AddressSanitizer, libFuzzer without its main, and each target's main calls
# LLVMFuzzerRunDriver (Fuzz/Sources/FuzzSupport).
RUNTIME="$(dirname "$(dirname "$(command -v swiftc)")")/lib/clang"
NO_MAIN="$(ls "$RUNTIME"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)"
[ -n "$NO_MAIN" ] || { echo "fuzz.sh: libclang_rt.fuzzer_no_main not found under $RUNTIME" >&2; exit 1; }
FLAGS=(-c release --scratch-path "$SCRATCH"
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
  -Xlinker "$NO_MAIN" -Xlinker -lstdc++)
echo "== building the fuzzers (release, AddressSanitizer, libFuzzer) in $SCRATCH" >&2
(cd Fuzz && swift build "${FLAGS[@]}" >&2)
BIN="$(cd Fuzz && swift build "${FLAGS[@]}" --show-bin-path)"

mkdir -p "$SCRATCH/artifacts"
status=0
for target in $TARGETS; do
  corpus="$SCRATCH/corpus/$target"
  mkdir -p "$corpus"
  if [ -n "${FUZZ_RUNS:-}" ]; then budget=(-runs="$FUZZ_RUNS"); else budget=(-max_total_time="${FUZZ_SECONDS:-60}"); fi
  log="$SCRATCH/$target.log"
  echo "== $target ${budget[*]}" >&2
  if "$BIN/$target" "$corpus" "Fuzz/Corpus/$target" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
      -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$target-" ${FUZZ_ARGS:-} >"$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
    seconds="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || true)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)"
    echo "$target: ${runs:-?} executions in ${seconds:-?} s, $cov, no crash" >&2
  else
    echo "$target: FAILED; the log is $log, the input in $SCRATCH/artifacts/" >&2
    tail -30 "$log" >&2
    status=1
  fi
done
exit $status
