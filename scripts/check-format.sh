#!/usr/bin/env bash
# Fails on any `swift format` finding in the Swift sources, with the committed .swift-format:
# layout (4-space indent, 150 columns, import order, ...) and a `///` comment on every public
# declaration (AllPublicDeclarationsHaveDocumentation).
#
# Layout findings are fixed by `swift format -i` (see `--fix`); missing doc comments are not.
# Usage: ./scripts/check-format.sh          report findings, exit 1 if there are any
#        ./scripts/check-format.sh --fix    format the files in place first, then report
set -euo pipefail
cd "$(dirname "$0")/.."

PATHS=(Package.swift Sources Tests Examples benchmarks Fuzz)

if [ "${1:-}" = "--fix" ]; then
  swift format format --in-place --parallel --configuration .swift-format --recursive "${PATHS[@]}"
fi

# --strict turns warnings into errors, so the exit status reports every finding.
if swift format lint --strict --parallel --configuration .swift-format --recursive "${PATHS[@]}"; then
  echo "swift format: no findings"
else
  echo "swift format: findings above; './scripts/check-format.sh --fix' fixes the layout ones," \
    "missing doc comments need writing" >&2
  exit 1
fi
