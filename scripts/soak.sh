#!/usr/bin/env bash
# `make soak`: every soak scenario (tests named TestSoak* behind the "soak"
# build tag, living beside the code they exercise), one package at a time so
# kill timings and outages are not distorted by another scenario's load, then
# one summary table. Exits non-zero if any scenario failed or lost anything.
#
#   SOAK_RUN   regexp of scenarios to run (default: all TestSoak*)
#   SOAK_PKGS  packages to search (default: ./...)
#   SOAK_LOG   where the verbose test output goes (default: soak.log)
#   SOAK_REPORT  rows file to append to and print (default: a fresh temp file),
#                to build one table from several partial runs
set -uo pipefail
cd "$(dirname "$0")/.."
run=${SOAK_RUN:-^TestSoak}
pkgs=${SOAK_PKGS:-./...}
log=${SOAK_LOG:-soak.log}
if [ -n "${SOAK_REPORT:-}" ]; then
  report=$SOAK_REPORT
else
  report=$(mktemp -t atlasd-soak.XXXXXX.jsonl)
  trap 'rm -f "$report"' EXIT
fi
export ATLASD_SOAK_REPORT=$report

echo "soak: running $run in $pkgs; verbose output in $log"
start=$(date +%s)
go test -tags soak -p 1 -count=1 -timeout 6h -run "$run" -v $pkgs >"$log" 2>&1
rc=$?
grep -E '^(=== RUN|--- (PASS|FAIL)|ok |FAIL|panic)|soak: ' "$log" | grep -v '^=== RUN' | sed 's/^/  /' | tail -n 60
echo
echo "soak: finished in $(( $(date +%s) - start )) s"
go run ./internal/soakreport/cmd/soaktable "$report"
table=$?
if [ $rc -ne 0 ]; then echo "soak: go test failed (exit $rc); see $log"; exit $rc; fi
exit $table
