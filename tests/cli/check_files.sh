#!/usr/bin/env bash
# rbc discover and rbc check on file pipelines (no database): the inferred schema of
# examples/quickstart.yaml line by line, check all OK, a stream without a file and a
# destination that cannot be created (exact lines, exit 1).
set -euo pipefail
: "${RBC:?path to the rbc binary}" "${RBC_SOURCE_DIR:?}"
cd "$RBC_SOURCE_DIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect() {  # expect LABEL CODE COMMAND...: exit CODE and stdout equal to $work/expected
  local label=$1 code=$2 got=0
  shift 2
  "$@" > "$work/out" 2> "$work/err" || got=$?
  [[ $got == "$code" ]] || { fail "$label: exit $got, expected $code"; cat "$work/err"; }
  diff -u "$work/expected" "$work/out" || fail "$label: output differs"
}

cat > "$work/expected" <<'OUT'
source file: 1 stream

stream orders: examples/data/orders.csv
  column      rbc type   nullable
  id          int64      yes
  customer    text       yes
  country     text       yes
  amount      float64    yes
  quantity    int64      yes
  paid        bool       yes
  ordered_at  timestamp  yes
  note        text       yes
OUT
expect "discover" 0 "$RBC" discover examples/quickstart.yaml
"$RBC" discover examples/quickstart.yaml --json |
  jq -e '.source.connector == "file" and .tables[0].path == "examples/data/orders.csv" and
         [.tables[0].columns[].rbc_type] == ["int64","text","text","float64","int64","bool","timestamp","text"]' \
    > /dev/null || fail "discover --json"

cat > "$work/expected" <<'OUT'
stream orders file examples/data/orders.csv ... OK
destination file out/ ... OK
OUT
expect "check" 0 "$RBC" check examples/quickstart.yaml

sed -e 's#    - name: orders#    - name: orders\n    - name: refunds#' -e 's#path: out/#path: /etc/hostname/out/#' \
  examples/quickstart.yaml > "$work/bad.yaml"
cat > "$work/expected" <<'OUT'
stream orders file examples/data/orders.csv ... OK
stream refunds ... file source: no file for stream "refunds" (looked for examples/data/refunds.csv, examples/data/refunds.csv.gz, examples/data/refunds.csv.zst, examples/data/refunds.jsonl, examples/data/refunds.jsonl.gz, examples/data/refunds.jsonl.zst)
destination file /etc/hostname/out/ ... not a directory: /etc/hostname
OUT
if [[ -f /etc/hostname ]]; then
  expect "check failures" 1 "$RBC" check "$work/bad.yaml"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo ok
