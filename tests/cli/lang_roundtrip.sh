#!/usr/bin/env bash
# --emit rbc: every YAML pipeline (examples and golden plans) translated into the .rbc
# language compiles to exactly the same plan (text, JSON and DOT), and the translation
# is already in canonical layout. The hand-written examples/*.rbc twins of YAML
# examples compile to their YAML's plan too.
set -u
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
same_plan() {  # same_plan A B: the plans of two pipeline files are identical; non-zero if not
  local differs=0
  for emit in text json dot; do
    if ! diff -u <("$RBC" compile "$1" --cores 16 --emit "$emit" 2>&1) \
                 <("$RBC" compile "$2" --cores 16 --emit "$emit" 2>&1) >"$work/diff"; then
      echo "FAIL: $2 --emit $emit differs from $1"; cat "$work/diff"; differs=1
    fi
  done
  return "$differs"
}
count=0
for yaml in "$RBC_SOURCE_DIR"/examples/*.yaml "$RBC_SOURCE_DIR"/tests/golden/*.yaml; do
  translated="$work/$(basename "$(dirname "$yaml")")_$(basename "${yaml%.yaml}").rbc"
  if ! "$RBC" compile "$yaml" --emit rbc > "$translated"; then fail "$yaml: --emit rbc failed"; continue; fi
  "$RBC" fmt --check "$translated" || fail "$yaml: the translation is not in canonical layout"
  # (a subshell, for the relative paths: its failures count through its status)
  (cd "$(dirname "$yaml")" && same_plan "$yaml" "$translated") || failures=$((failures + 1))
  count=$((count + 1))
done
# ${VAR} references survive the translation instead of being replaced by their values.
grep -q '"${SRC_URL:-postgresql://rbc:secret@127.0.0.1:5432/rbc_src}"' "$work/examples_pg_full_refresh.rbc" ||
  fail "pg_full_refresh.rbc lost its \${SRC_URL} reference"
for rbc in "$RBC_SOURCE_DIR"/examples/*.rbc; do
  twin="${rbc%.rbc}.yaml"
  if [ -f "$twin" ]; then (cd "$RBC_SOURCE_DIR" && same_plan "$twin" "$rbc") || failures=$((failures + 1)); fi
done
[ "$failures" -eq 0 ] && echo "round trip: $count YAML pipelines give identical plans in .rbc"
exit "$failures"
