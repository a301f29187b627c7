#!/usr/bin/env bash
# `make run` until the devnet exists: replay every shipped reference scenario
# through atlasd and check each block's consensus hash against the
# reference implementation's.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=../shared/data/consensus/scenarios
[ -d "$dir" ] || { echo "run: $dir not found (shared/ must sit beside the repo)" >&2; exit 2; }
pass=0; fail=0; blocks=0
for b in "$dir"/*.blocks.jsonl; do
  name=$(basename "$b" .blocks.jsonl)
  got=$(./bin/atlasd replay --params "$dir/$name.params.json" --blocks "$b")
  want=$(python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.dumps(json.loads(l), separators=(",", ":")))' "$dir/$name.expected.jsonl")
  n=$(printf '%s\n' "$got" | wc -l)
  blocks=$((blocks + n))
  if [ "$got" == "$want" ]; then
    pass=$((pass + 1)); printf '  ok    %-70s %4d blocks  %s\n' "$name" "$n" "$(printf '%s\n' "$got" | tail -1)"
  else
    fail=$((fail + 1)); printf '  FAIL  %s\n' "$name"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -5
  fi
done
echo "scenarios: $pass passed, $fail failed; $blocks blocks replayed"
[ "$fail" -eq 0 ]
