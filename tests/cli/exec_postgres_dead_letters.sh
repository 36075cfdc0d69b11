#!/usr/bin/env bash
# on_data_error with a PostgreSQL source (issue 19, item 8): a row holding a value rbc
# cannot represent (numeric NaN in a numeric(12,2) column, a timestamp past
# rbc's last year) stops the run under fail, is dropped under skip, and under dlq is
# dropped and written to the dead-letter file with its stream, reader, reason and values;
# the other rows arrive, with both one reader and four.
#
# Needs RBC_PG_SRC_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_dead_letters_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
psql_q "$SRC" "SET timezone = 'UTC';
CREATE TABLE public.$table (id int PRIMARY KEY, amount numeric(12,2), at timestamp);
INSERT INTO public.$table SELECT g, g / 4.0, '2024-01-01'::timestamp + g * interval '1 hour' FROM generate_series(1, 1000) g;
UPDATE public.$table SET amount = 'NaN' WHERE id = 17;
UPDATE public.$table SET amount = 'NaN' WHERE id = 500;
UPDATE public.$table SET at = '294270-01-01 00:00:00' WHERE id = 999"

run() {  # $1 = on_data_error, $2 = parallelism; sets $code
  rm -rf "$work/out" "$work/dead.jsonl"
  cat > "$work/p.yaml" <<YAML
version: "1.0"
pipeline: dead_letters
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
destination:
  use: file
  config: {path: $work/out/}
  on_data_error: $1
  dlq_path: $work/dead.jsonl
resources: {parallelism: $2, autotune: {enabled: false}}
YAML
  set +e
  "$RBC" exec --no-catalog "$work/p.yaml" > "$work/stdout" 2> "$work/err"
  code=$?
  set -e
}

run fail 1
[[ $code == 1 ]] || fail "fail: exit $code"
grep -qF 'column "amount": numeric NaN cannot be represented as a decimal' "$work/err" || { fail "fail: message"; cat "$work/err"; }

good_ids=$(seq 1 1000 | grep -vx -e 17 -e 500 -e 999)
for parallelism in 1 4; do
  run skip $parallelism
  [[ $code == 0 ]] || { fail "skip/$parallelism: exit $code"; cat "$work/err"; }
  [[ $(tail -n +2 "$work/out/public.$table.csv" | cut -d, -f1 | sort -n) == "$good_ids" ]] || fail "skip/$parallelism: rows"
  [[ ! -e $work/dead.jsonl ]] || fail "skip/$parallelism wrote dead letters"

  run dlq $parallelism
  [[ $code == 0 ]] || { fail "dlq/$parallelism: exit $code"; cat "$work/err"; }
  [[ $(tail -n +2 "$work/out/public.$table.csv" | cut -d, -f1 | sort -n) == "$good_ids" ]] || fail "dlq/$parallelism: rows"
  grep -q ', rejected 3' "$work/stdout" || { fail "dlq/$parallelism: the summary counts no 3 rejected rows"; cat "$work/stdout"; }
  # One dead letter per bad row (the reader that read it varies with the key's partition).
  letters=$(sed -E 's/"partition":[0-9]+,//' "$work/dead.jsonl" | sort)
  expected=$(sort <<JSONL
{"stream":"public.$table","origin":"public.$table","line":0,"reason":"postgres: column \"amount\": numeric NaN cannot be represented as a decimal","raw":"{\"id\":\"17\",\"amount\":\"NaN\",\"at\":\"2024-01-01 17:00:00\"}"}
{"stream":"public.$table","origin":"public.$table","line":0,"reason":"postgres: column \"amount\": numeric NaN cannot be represented as a decimal","raw":"{\"id\":\"500\",\"amount\":\"NaN\",\"at\":\"2024-01-21 20:00:00\"}"}
{"stream":"public.$table","origin":"public.$table","line":0,"reason":"postgres: column \"at\": timestamp out of rbc's range (it ends in the year 294247)","raw":"{\"id\":\"999\",\"amount\":\"249.75\",\"at\":\"294270-01-01 00:00:00\"}"}
JSONL
)
  [[ $letters == "$expected" ]] || { fail "dlq/$parallelism: dead letters"; diff <(echo "$expected") <(echo "$letters") || true; }
  [[ $(grep -c '"partition":' "$work/dead.jsonl") == 3 ]] || fail "dlq/$parallelism: no partition in the dead letters"
done

finish "on_data_error fail, skip and dlq with a PostgreSQL source"
