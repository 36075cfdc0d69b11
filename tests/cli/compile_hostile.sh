#!/usr/bin/env bash
# Hostile input (issue 19): each case that crashed, hung or grew without bound now ends
# in a located error or correct output, with exit code 0 or 2, in bounded time and
# memory. (Fixed-text cases with exact messages are in tests/diagnostics/.)
set -u
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1

# run NAME CODE SECONDS COMMAND...: exit code CODE within SECONDS, in at most 2 GiB of
# address space (not under AddressSanitizer, which reserves terabytes of shadow address
# space; scripts/sanitize-test sets ASAN_OPTIONS); stdout in NAME.out, stderr in NAME.err.
address_limit=$((2 << 20))
[ -n "${ASAN_OPTIONS:-}" ] && address_limit=unlimited
run() {
  local name=$1 code=$2 seconds=$3; shift 3
  local started=$SECONDS got
  (ulimit -v "$address_limit"; timeout -s KILL "$seconds" "$@" >"$name.out" 2>"$name.err"); got=$?
  [ "$got" -eq "$code" ] || fail "$name: exit code $got after $((SECONDS - started)) s, expected $code: $(head -c 300 "$name.err")"
}
# first_error NAME EXPECTED: the first line of NAME.err
first_error() {
  local got; got=$(head -n 1 "$1.err")
  [ "$got" = "$2" ] || fail "$1: first line is '$got', expected '$2'"
}
valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || fail "$1 is not valid UTF-8"; }
repeat() { local out="" i; for ((i = 0; i < $2; i++)); do out+=$1; done; printf '%s' "$out"; }

# yaml FILE NAME QUERY: generator (declared schema) -> sql QUERY -> files
yaml() {
  printf 'version: "1.0"\npipeline: "%s"\nsource:\n  use: generator\n  config: {rows: 5}\n  streams:\n    - name: events\n      columns: [{name: id, type: int64}, {name: name, type: text}]\ntransforms:\n  - use: sql\n    config: {query: "%s"}\ndestination:\n  use: file\n  config: {path: out/}\n' "$2" "$3" >"$1"
}

# Invalid UTF-8 in the pipeline name: the JSON plan and the run report stay JSON (they
# aborted with nlohmann's type_error and left the report empty).
yaml bad_name.yaml $'bad\xff\xfename' "SELECT id FROM input"
run json_plan 0 30 "$RBC" compile bad_name.yaml --emit json
jq -e '.pipeline == "bad\ufffd\ufffdname"' json_plan.out >/dev/null || fail "json plan: $(head -c 300 json_plan.out)"
run report 0 60 "$RBC" exec bad_name.yaml --report report.json
jq -e '.pipeline == "bad\ufffd\ufffdname"' report.json >/dev/null || fail "report: $(head -c 300 report.json)"

# Invalid UTF-8 in sql text and in a config value, echoed by their errors.
yaml bad_sql.yaml bad $'SELECT id, \xff\xfe FROM input'
run bad_sql 2 30 "$RBC" compile bad_sql.yaml
first_error bad_sql "bad_sql.yaml:11:33: error: in sql query: expected expression"
valid_utf8 bad_sql.err
printf 'version: "1.0"\npipeline: p\nsource:\n  use: generator\n  config: {rows: "\xff"}\n  streams: [{name: e}]\ndestination: {use: file, config: {path: out/}}\n' >bad_value.yaml
run bad_value 2 30 "$RBC" compile bad_value.yaml
first_error bad_value $'bad_value.yaml:5:18: error: connector \'generator\': `rows` must be an integer >= 0, got "\xef\xbf\xbd"'
valid_utf8 bad_value.err

# Deep nesting is one located error at compile time, so exec never sees the tree (NOT x
# 8,000 compiled and then crashed rbc exec; NOT x 20,000 and CASE x 2,000 the binder).
deep="expression nested deeper than 256 levels"
yaml nots.yaml p "SELECT id FROM input WHERE $(repeat 'NOT ' 8000)id > 1"
run nots_exec 2 30 "$RBC" exec nots.yaml
first_error nots_exec "nots.yaml:11:$((22 + 27 + 256 * 4)): error: in sql query: $deep"
yaml nots.yaml p "SELECT id FROM input WHERE $(repeat 'NOT ' 20000)id > 1"
run nots_compile 2 30 "$RBC" compile nots.yaml
yaml cases.yaml p "SELECT $(repeat 'CASE WHEN id > 1 THEN ' 2000)1$(repeat ' END' 2000) FROM input"
run cases 2 30 "$RBC" compile cases.yaml
grep -q "$deep" cases.err || fail "cases: $(head -c 300 cases.err)"

# Linear time: a 10,000-term AND (22 s), a 2 MB string through ${VAR} substitution
# (1 MB took 20 s), a chain of 10,000 transforms (21 s, most of it printing the plan).
yaml and.yaml p "SELECT id FROM input WHERE id > 0$(repeat ' AND id > 0' 10000)"
run long_and 0 10 "$RBC" compile and.yaml
yaml long_string.yaml p "SELECT '$(head -c 2000000 /dev/zero | tr '\0' x)' AS s FROM input"
run long_string 0 10 "$RBC" compile long_string.yaml
{
  echo 'pipeline chain {'
  echo '  generator(rows: 5).stream("events")'
  for ((i = 0; i < 10000; i++)); do echo '      |> sql("SELECT * FROM input")'; done
  echo '      |> file(path: "out/").table()'
  echo '}'
} >chain.rbc
run chain 0 20 "$RBC" compile chain.rbc
[ "$(grep -c '= transform sql' chain.out)" -eq 10000 ] || fail "chain: the plan does not list 10000 transforms"

# A pipeline file over 64 MiB is refused before it is read (mutants of 2 GB ran out of memory).
truncate -s 65M huge.yaml
run huge 2 10 "$RBC" compile huge.yaml
first_error huge "huge.yaml: error: pipeline file too large: 68157440 bytes, more than the 64 MiB a pipeline may have"

# A trailing '---' starts an empty document, which ignores nothing (a second document
# with content is an error: tests/diagnostics/second_document.yaml).
printf 'version: "1.0"\npipeline: p\nsource:\n  use: generator\n  streams: [{name: e}]\ndestination: {use: file, config: {path: out/}}\n---\n' >trailing.yaml
run trailing 0 30 "$RBC" compile trailing.yaml

# A byte order mark at the start of an .rbc file is not part of the program.
printf '\xef\xbb\xbfpipeline bom {\n  generator(rows: 5).stream("events") |> file(path: "out/").table()\n}\n' >bom.rbc
run bom 0 30 "$RBC" compile bom.rbc

[ "$failures" -eq 0 ] && echo "hostile input: all ok"
exit "$failures"
