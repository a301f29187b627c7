#!/usr/bin/env bash
# `make fuzz`: run every fuzz target of the module for the given time each
# (default 10m). Seed corpora already run as plain tests in `make test`;
# crashers go to the package's testdata/fuzz and become seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10m}
found=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    found=$((found + 1))
    echo "== $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
  done
done
echo "fuzz: $found targets ran for $t each"
