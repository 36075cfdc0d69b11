#!/usr/bin/env bash
# EXTRACT, DATE_PART, DATE_TRUNC and casts of infinite, BC and far-future dates and
# timestamps read from PostgreSQL give PostgreSQL's answers (issue 19, item 7). The
# expected rows are PostgreSQL 15's own output of the same queries (COPY ... csv), except
# that rbc writes a timestamptz's offset as +00:00 where PostgreSQL writes +00. Where
# PostgreSQL answers numeric Infinity (EXTRACT of a growing field of an infinity), rbc's
# decimal has no such value: that is a located error naming DATE_PART, never a wrong number.
#
# Needs RBC_PG_SRC_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_time_extremes_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
psql_q "$SRC" "SET timezone = 'UTC';
CREATE TABLE public.$table (id int PRIMARY KEY, ts timestamp, tz timestamptz, d date);
INSERT INTO public.$table VALUES
  (1, 'infinity', 'infinity', 'infinity'),
  (2, '-infinity', '-infinity', '-infinity'),
  (3, '2024-02-29 13:45:30.5', '2024-02-29 13:45:30.5+00', '2024-02-29'),
  (4, '0044-03-15 10:00:00 BC', '0044-03-15 10:00:00+00 BC', '0044-03-15 BC'),
  (5, '294246-12-31 23:59:59.999999', '294246-12-31 23:59:59.999999+00', '5874897-12-31')"

run() {  # $1 = name, $2 = query; sets $code, output in $work/out/public.$table.csv
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: $1
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
transforms:
  - use: sql
    config: {query: "$2"}
destination:
  use: file
  config: {path: $work/out/}
resources: {parallelism: 1}
YAML
  rm -rf "$work/out"
  set +e
  "$RBC" exec --no-catalog "$work/$1.yaml" > /dev/null 2> "$work/err"
  code=$?
  set -e
}
expect_rows() {  # $1 = what; stdin = the expected CSV
  cat > "$work/expected.csv"
  if [[ $code != 0 ]]; then
    fail "$1: exit $code"
    cat "$work/err"
    return
  fi
  local file=$work/out/public.$table.csv
  (head -n 1 "$file"; tail -n +2 "$file" | sort -t, -k1,1n) | diff -u "$work/expected.csv" - ||
    fail "$1: rows differ from PostgreSQL's"
}
expect_error() {  # $1 = what, $2 = the message's end
  [[ $code == 1 ]] || fail "$1: exit $code, expected 1"
  grep -qF -- "$2" "$work/err" || { fail "$1: message"; cat "$work/err"; }
}

# The fields of an infinity: DATE_PART's growing ones are +-Infinity, the others NULL, as
# EXTRACT's; DATE_TRUNC keeps the infinity (of a date, as a timestamptz).
run parts "SELECT id, DATE_PART('year', ts) AS y, DATE_PART('month', ts) AS m, DATE_PART('epoch', tz) AS e,
  DATE_PART('isoyear', d) AS iy, DATE_PART('dow', d) AS dw, EXTRACT(month FROM ts) AS em,
  EXTRACT(day FROM d) AS ed, EXTRACT(second FROM tz) AS es, DATE_TRUNC('month', ts) AS tm,
  DATE_TRUNC('year', tz) AS ty, DATE_TRUNC('day', d) AS td FROM input WHERE id <> 5"
expect_rows "infinities" <<'CSV'
id,y,m,e,iy,dw,em,ed,es,tm,ty,td
1,Infinity,,Infinity,Infinity,,,,,infinity,infinity,infinity
2,-Infinity,,-Infinity,-Infinity,,,,,-infinity,-infinity,-infinity
3,2024,2,1709214330.5,2024,4,2,29,30.500000,2024-02-01 00:00:00,2024-01-01 00:00:00+00:00,2024-02-29 00:00:00+00:00
4,-44,3,-63517788000,-44,5,3,15,0.000000,0044-03-01 00:00:00 BC,0044-01-01 00:00:00+00:00 BC,0044-03-15 00:00:00+00:00 BC
CSV

# Finite values to the end of rbc's timestamps, and a date far past them: EXTRACT reads a
# date without making it a timestamp (PostgreSQL 14+).
run finite "SELECT id, EXTRACT(year FROM ts) AS y, EXTRACT(epoch FROM ts) AS e, EXTRACT(millennium FROM d) AS ml,
  EXTRACT(epoch FROM d) AS de, EXTRACT(isoyear FROM d) AS iy, EXTRACT(week FROM d) AS w,
  DATE_TRUNC('week', ts) AS tw FROM input WHERE id >= 3"
expect_rows "finite" <<'CSV'
id,y,e,ml,de,iy,w,tw
3,2024,1709214330.500000,3,1709164800,2024,9,2024-02-26 00:00:00
4,-44,-63517788000.000000,-1,-63517824000,-44,11,0044-03-11 00:00:00 BC
5,294246,9223371244799.999999,5875,185331706992000,5874898,1,294246-12-28 00:00:00
CSV

# PostgreSQL: Infinity (numeric), which a decimal cannot hold.
run extract_infinity "SELECT id, EXTRACT(year FROM ts) AS y FROM input WHERE id = 1"
expect_error "EXTRACT(year FROM infinity)" \
  "EXTRACT of infinity is Infinity, which rbc's decimal cannot hold; DATE_PART gives it as a float64"
# PostgreSQL: ERROR:  date out of range for timestamp (a cast, and DATE_TRUNC of a date).
run cast_far_date "SELECT id, CAST(d AS timestamp) AS t FROM input WHERE id = 5"
expect_error "CAST(5874897-12-31 AS timestamp)" "date out of range for timestamp"
run trunc_far_date "SELECT id, DATE_TRUNC('day', d) AS t FROM input WHERE id = 5"
expect_error "DATE_TRUNC of 5874897-12-31" "date out of range for timestamp"
# The same casts of infinities stay infinite.
run cast_infinity "SELECT id, CAST(d AS timestamp) AS t, CAST(ts AS date) AS dd FROM input WHERE id <= 2"
expect_rows "cast infinities" <<'CSV'
id,t,dd
1,infinity,infinity
2,-infinity,-infinity
CSV
# A window's bounds are its time plus and minus sizes: an infinity has none (they overflowed).
run window_infinity "SELECT window_start, COUNT(*) AS n FROM input WINDOW TUMBLING(ts, INTERVAL '1' HOUR)"
expect_error "TUMBLING over infinity" "window time infinity has no window: its bounds are past the range of a timestamp"

finish "dates and timestamps at and past their ends behave as in PostgreSQL"
