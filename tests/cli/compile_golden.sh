#!/usr/bin/env bash
# Golden plans: every tests/golden/NAME.yaml or NAME.rbc compiled for a 16-core machine must print
# exactly NAME.txt (text), NAME.dot (DOT) and, where present, NAME.json.
# RBC_UPDATE_GOLDEN=1 rewrites the expected files instead (review the diff!).
set -u
cd "$RBC_SOURCE_DIR/tests/golden" || exit 1
failures=0
for pipeline in *.yaml *.rbc; do
  name=${pipeline%.*}
  for format in txt dot json; do
    expected=$name.$format
    [ "$format" = json ] && [ ! -f "$expected" ] && [ -z "${RBC_UPDATE_GOLDEN:-}" ] && continue
    emit=$format; [ "$format" = txt ] && emit=text
    actual=$("$RBC" compile "$pipeline" --cores 16 --emit "$emit" 2>&1)
    if [ -n "${RBC_UPDATE_GOLDEN:-}" ]; then
      [ "$format" = json ] && [ ! -f "$expected" ] && continue
      printf '%s\n' "$actual" > "$expected"
    elif ! diff -u "$expected" <(printf '%s\n' "$actual"); then
      echo "FAIL: $pipeline --emit $emit differs from $expected"
      failures=$((failures + 1))
    fi
  done
  # DOT must be byte-identical from run to run, and render.
  if [ "$("$RBC" compile "$pipeline" --cores 16 --emit dot)" != "$("$RBC" compile "$pipeline" --cores 16 --emit dot)" ]; then
    echo "FAIL: $pipeline DOT output is not stable"; failures=$((failures + 1))
  fi
  if command -v dot >/dev/null && ! "$RBC" compile "$pipeline" --cores 16 --emit dot | dot -Tsvg >/dev/null; then
    echo "FAIL: $pipeline DOT does not render"; failures=$((failures + 1))
  fi
done
# No secret may appear in any output.
if grep -l hunter2 ./*.txt ./*.dot ./*.json 2>/dev/null; then echo "FAIL: a password leaked"; failures=$((failures + 1)); fi
[ "$failures" -eq 0 ] && echo "golden plans: all match"
exit "$failures"
