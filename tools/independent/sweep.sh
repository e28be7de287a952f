#!/bin/bash
# sweep.sh BIN seed...: generate, investigate, score
BIN=$1; shift
for s in "$@"; do
  d=/tmp/ind-s$s; rm -rf $d $d-out; python3 "$(dirname "$0")"/gen.py $d $s ${STORY:-webshell} > /dev/null
  $BIN investigate $d --out $d-out --quiet > /dev/null 2>&1; echo "seed $s rc=$?"
  python3 "$(dirname "$0")"/score.py $d-out/report.json $d.truth.json | grep -E "BAD|RESULT|findings"
done
