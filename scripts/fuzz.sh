#!/usr/bin/env bash
# `make fuzz`: run every fuzz target of the module for the given time each
# (default 10m). Seed corpora already run as plain tests in `make test`;
# a crasher is written to the package's testdata/fuzz (commit it with the
# fix: it becomes a seed) and the run goes on to the next target.
#
#   FUZZPARALLEL  fuzzing workers per target (default: GOMAXPROCS)
set -uo pipefail
cd "$(dirname "$0")/.."
t=${1:-10m}
par=()
if [ -n "${FUZZPARALLEL:-}" ]; then par=(-parallel "$FUZZPARALLEL"); fi
found=0
failed=()
start=$(date +%s)
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    found=$((found + 1))
    echo "== $pkg $f ($t)"
    if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "${par[@]}" "$pkg"; then
      failed+=("$pkg $f")
    fi
  done
done
echo "fuzz: $found targets ran for $t each in $(( $(date +%s) - start )) s; ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  FAILED: $f (crasher in its testdata/fuzz)"; done
[ ${#failed[@]} -eq 0 ]
