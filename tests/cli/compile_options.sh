#!/usr/bin/env bash
# rbc compile's instrumentation and options: --list-passes, --print-after, --time-passes,
# --cores, --emit json telemetry; and every pipeline in examples/ compiles.
set -u
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cd "$RBC_SOURCE_DIR" || exit 1
golden=tests/golden/transforms.yaml

passes=$("$RBC" compile --list-passes | awk 'NR > 1 {print $1}' | paste -sd' ')
[ "$passes" = "bind validate eligibility parallelism transform-penalty concurrency aggregation lanes commit-protocol" ] || fail "--list-passes order: $passes"

banners=$("$RBC" compile "$golden" --cores 16 --print-after=all | grep '^// -----' | paste -sd'|')
expected="// ----- after pass 'bind' (unchanged) -----|// ----- after pass 'validate' (unchanged) -----|// ----- after pass 'eligibility' (changed) -----|// ----- after pass 'parallelism' (changed) -----|// ----- after pass 'transform-penalty' (changed) -----|// ----- after pass 'concurrency' (changed) -----|// ----- after pass 'aggregation' (unchanged) -----|// ----- after pass 'lanes' (changed) -----|// ----- after pass 'commit-protocol' (changed) -----"
[ "$banners" = "$expected" ] || fail "--print-after=all banners: $banners"
after=$("$RBC" compile "$golden" --cores 16 --print-after=parallelism)
echo "$after" | grep -q "^parallelism: mode=auto effective=1 cap=16 cores=16 eligible_streams=2 per_stream_target=4 base_target=8 transforms=0" \
  || fail "--print-after=parallelism should show the base target before the penalty"
"$RBC" compile "$golden" --print-after=nope >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown pass must exit 2"

timed=$("$RBC" compile "$golden" --time-passes 2>&1 >/dev/null | awk '/ ms$/ {print $1}' | paste -sd' ')
[ "$timed" = "bind validate eligibility parallelism transform-penalty concurrency aggregation lanes commit-protocol total" ] || fail "--time-passes: $timed"

"$RBC" compile "$golden" --cores 2 | grep -q "effective=2 cap=2 cores=2 eligible_streams=2 per_stream_target=1 base_target=2 transforms=2" \
  || fail "--cores 2 plan"

json=$("$RBC" compile "$golden" --cores 16 --emit json)
for field in '"parallelism_mode": "auto"' '"parallelism_effective": 6' '"parallelism_cap": 16' \
             '"parallelism_available_cores": 16' '"parallelism_eligible_streams": 2' '"parallelism_transform_count": 2'; do
  echo "$json" | grep -qF "$field" || fail "json lacks $field"
done

for example in examples/*.yaml; do
  "$RBC" compile "$example" >/dev/null 2>&1 || fail "$example does not compile"
done
[ "$failures" -eq 0 ] && echo "compile options: all ok"
exit "$failures"
