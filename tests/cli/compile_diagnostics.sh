#!/usr/bin/env bash
# Diagnostics: every tests/diagnostics/NAME.yaml and NAME.rbc must fail to compile with exit code 2
# and print exactly NAME.expected on stderr (message, file:line:col, source line, caret).
# Missing files, directories and binary files are checked here too. Nothing may crash.
# RBC_UPDATE_GOLDEN=1 rewrites the expected files instead.
set -u
unset RBC_TEST_UNSET_URL
failures=0
check() {  # check NAME COMMAND...: exit code 2 and stderr equal to NAME.expected
  local name=$1; shift
  local stderr code
  stderr=$("$@" 2>&1 >/dev/null); code=$?
  if [ -n "${RBC_UPDATE_GOLDEN:-}" ]; then printf '%s\n' "$stderr" > "$RBC_SOURCE_DIR/tests/diagnostics/$name.expected"; return; fi
  if [ "$code" -ne 2 ]; then echo "FAIL: $name exited with $code, expected 2"; failures=$((failures + 1)); fi
  if ! diff -u "$RBC_SOURCE_DIR/tests/diagnostics/$name.expected" <(printf '%s\n' "$stderr"); then
    echo "FAIL: $name diagnostics differ"; failures=$((failures + 1))
  fi
}

cd "$RBC_SOURCE_DIR/tests/diagnostics" || exit 1
for pipeline in *.yaml *.rbc; do check "${pipeline%.*}" "$RBC" compile "$pipeline"; done

scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
mkdir a_directory.yaml
printf 'version: "1.0"\npipeline: x\n\x00\x01\x02binary' > binary.yaml
check missing_file "$RBC" compile no_such_pipeline.yaml
check directory "$RBC" compile a_directory.yaml
check binary_file "$RBC" compile binary.yaml

[ "$failures" -eq 0 ] && echo "diagnostics: all match"
exit "$failures"
