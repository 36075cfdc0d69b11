#!/usr/bin/env bash
# rbc fmt: a carelessly written program gets exactly the canonical layout (comments and
# single blank lines kept); formatting is idempotent for every .rbc file in the
# repository; --check and --in-place; a program with syntax errors is left alone.
set -u
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
lang="$RBC_SOURCE_DIR/tests/lang"

diff -u "$lang/messy.expected.rbc" <("$RBC" fmt "$lang/messy.rbc") || fail "fmt messy.rbc differs from messy.expected.rbc"
for program in "$lang"/*.rbc "$RBC_SOURCE_DIR"/examples/*.rbc "$RBC_SOURCE_DIR"/tests/golden/*.rbc; do
  "$RBC" fmt "$program" > "$work/once.rbc" || { fail "fmt $program failed"; continue; }
  "$RBC" fmt "$work/once.rbc" > "$work/twice.rbc"
  cmp -s "$work/once.rbc" "$work/twice.rbc" || fail "fmt is not idempotent on $program"
done
# Formatting never changes what a program means.
(cd "$lang" && diff <("$RBC" compile messy.rbc --cores 16) <("$RBC" compile messy.expected.rbc --cores 16)) ||
  fail "messy.rbc and its formatting compile to different plans"

"$RBC" fmt --check "$lang/messy.expected.rbc" || fail "--check rejects a canonical file"
"$RBC" fmt --check "$lang/messy.rbc" 2>"$work/err"; code=$?
[ "$code" -eq 1 ] || fail "--check on a messy file exited $code, expected 1"
grep -q "not in canonical format" "$work/err" || fail "--check does not say why"

cp "$lang/messy.rbc" "$work/edit.rbc"
"$RBC" fmt --in-place "$work/edit.rbc" || fail "--in-place failed"
cmp -s "$work/edit.rbc" "$lang/messy.expected.rbc" || fail "--in-place did not write the canonical layout"

printf 'pipeline p {\n  let x = file(path: "a"\n}\n' > "$work/broken.rbc"
cp "$work/broken.rbc" "$work/broken.orig"
"$RBC" fmt --in-place "$work/broken.rbc" 2>"$work/err"; code=$?
[ "$code" -eq 2 ] || fail "fmt of a broken program exited $code, expected 2"
grep -q "broken.rbc:3:1: error: expected ')' to close 'file(' opened at 2:15" "$work/err" || { fail "fmt error message"; cat "$work/err"; }
cmp -s "$work/broken.rbc" "$work/broken.orig" || fail "fmt --in-place changed a broken program"
"$RBC" fmt "$RBC_SOURCE_DIR/examples/quickstart.yaml" 2>/dev/null; code=$?
[ "$code" -eq 2 ] || fail "fmt of a YAML file exited $code, expected 2"

[ "$failures" -eq 0 ] && echo "fmt: canonical, idempotent, --check and --in-place work"
exit "$failures"
