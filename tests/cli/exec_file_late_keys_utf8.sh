#!/usr/bin/env bash
# File sources (issue 19, item 11):
#   - a JSONL key that first appears after the records rbc infers the columns from follows
#     schema_evolution: fail stops the run naming the key and file:line:column, add_columns
#     (the default) makes it a column, ignore leaves it out; declared columns read only
#     themselves;
#   - bytes that are not UTF-8 in a text value follow on_data_error: fail names
#     file:line:column and the bytes (PostgreSQL's words), skip drops the record, dlq writes
#     it to the dead-letter file; the JSONL output is always valid JSON.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# run NAME INPUT OUTPUT-FORMAT [EXTRA-DESTINATION-YAML] [STREAM-COLUMNS]; sets $code.
run() {
  mkdir -p "$work/$1"
  rm -rf "$work/$1/out" "$work/$1/dead.jsonl"
  cat > "$work/$1/p.yaml" <<YAML
version: "1.0"
pipeline: $1
source:
  use: file
  config: {path: $2}
  streams:
    - name: data
${5:+      columns: $5}
destination:
  use: file
  config: {path: $work/$1/out/, format: $3}
  dlq_path: $work/$1/dead.jsonl
${4:-}
YAML
  set +e
  # A hang guard, not a timing: 600 s is far above any build's time for these inputs.
  timeout 600 "$RBC" exec "$work/$1/p.yaml" > /dev/null 2> "$work/$1/err"
  code=$?
  set -e
}
valid_json_lines() {  # every line of $1 parses as JSON
  python3 -c 'import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    json.loads(line.decode("utf-8"))' "$1" || fail "$1 is not JSON lines"
}

# --- a key first seen after the sample (10,000 records) --------------------------------
mkdir -p "$work/in"
{
  for i in $(seq 1 10001); do echo "{\"id\":$i,\"a\":\"x\"}"; done
  echo '{"id":10002,"a":"y","late":"z"}'
} > "$work/in/data.jsonl"

run late_fail "$work/in/data.jsonl" jsonl "  schema_evolution: fail"
[[ $code == 1 ]] || fail "schema_evolution fail: exit $code"
grep -qF "$work/in/data.jsonl:10002:22: key \"late\" is not among the stream's columns, which rbc infers from the first 10000 records (schema_evolution: fail)" \
  "$work/late_fail/err" || { cat "$work/late_fail/err"; fail "schema_evolution fail: message"; }
[[ ! -e $work/late_fail/out/data.jsonl ]] || fail "schema_evolution fail wrote output"

run late_add "$work/in/data.jsonl" jsonl
[[ $code == 0 ]] || { cat "$work/late_add/err"; fail "add_columns: exit $code"; }
[[ $(tail -n 1 "$work/late_add/out/data.jsonl") == '{"id":10002,"a":"y","late":"z"}' ]] ||
  fail "add_columns: last row $(tail -n 1 "$work/late_add/out/data.jsonl")"
[[ $(head -n 1 "$work/late_add/out/data.jsonl") == '{"id":1,"a":"x","late":null}' ]] ||
  fail "add_columns: first row $(head -n 1 "$work/late_add/out/data.jsonl")"
[[ $(wc -l < "$work/late_add/out/data.jsonl") == 10002 ]] || fail "add_columns: row count"

run late_ignore "$work/in/data.jsonl" jsonl "  schema_evolution: ignore"
[[ $code == 0 ]] || { cat "$work/late_ignore/err"; fail "ignore: exit $code"; }
[[ $(tail -n 1 "$work/late_ignore/out/data.jsonl") == '{"id":10002,"a":"y"}' ]] || fail "ignore: last row"

run late_declared "$work/in/data.jsonl" jsonl "  schema_evolution: fail" "[{name: id, type: int64}, {name: a, type: text}]"
[[ $code == 0 ]] || { cat "$work/late_declared/err"; fail "declared columns: exit $code"; }
[[ $(tail -n 1 "$work/late_declared/out/data.jsonl") == '{"id":10002,"a":"y"}' ]] || fail "declared: last row"

# --- invalid UTF-8 in a CSV text value, into JSONL --------------------------------------
printf 'id,name\n1,ok\n2,b\377d\n3,"two\nlines \303("\n4,fine\n' > "$work/in/data.csv"

run utf8_fail "$work/in/data.csv" jsonl
[[ $code == 1 ]] || fail "on_data_error fail: exit $code"
grep -qF "$work/in/data.csv:3:4: column \"name\": invalid byte sequence for encoding \"UTF8\": 0xff" \
  "$work/utf8_fail/err" || { cat "$work/utf8_fail/err"; fail "on_data_error fail: message"; }

run utf8_skip "$work/in/data.csv" jsonl "  on_data_error: skip"
[[ $code == 0 ]] || { cat "$work/utf8_skip/err"; fail "skip: exit $code"; }
diff -u - "$work/utf8_skip/out/data.jsonl" <<'JSONL' || fail "skip: output"
{"id":1,"name":"ok"}
{"id":4,"name":"fine"}
JSONL
valid_json_lines "$work/utf8_skip/out/data.jsonl"

run utf8_dlq "$work/in/data.csv" jsonl "  on_data_error: dlq"
[[ $code == 0 ]] || { cat "$work/utf8_dlq/err"; fail "dlq: exit $code"; }
cmp "$work/utf8_skip/out/data.jsonl" "$work/utf8_dlq/out/data.jsonl" || fail "dlq: output differs from skip's"
valid_json_lines "$work/utf8_dlq/dead.jsonl"
diff -u - "$work/utf8_dlq/dead.jsonl" <<JSONL || fail "dlq: dead letters"
{"stream":"data","origin":"$work/in/data.csv","line":3,"column":4,"reason":"column \"name\": invalid byte sequence for encoding \"UTF8\": 0xff","raw":"2,b\ufffdd"}
{"stream":"data","origin":"$work/in/data.csv","line":5,"column":7,"reason":"column \"name\": invalid byte sequence for encoding \"UTF8\": 0xc3 0x28","raw":"3,\"two\nlines \ufffd(\""}
JSONL
# --- a header of 150,000 columns ends with the located error (it once took 83 s: the
# check was quadratic; the exec fuzzer's longer runs are where that would show again) --
mkdir -p "$work/wide"
{
  printf 'id,na'
  head -c 150000 /dev/zero | tr '\0' ','
  printf '\n1,alice\n'
} > "$work/wide/data.csv"
run wide "$work/wide/data.csv" jsonl
[[ $code == 1 ]] || fail "wide header: exit $code"
grep -qF "$work/wide/data.csv:2: expected 150002 fields, found 2" "$work/wide/err" || { cat "$work/wide/err"; fail "wide header: message"; }
echo ok
