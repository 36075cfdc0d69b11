#!/usr/bin/env bash
# Every column type round-trips through rbc exec: CSV -> CSV and JSONL -> JSONL are
# byte-identical, and CSV -> JSONL -> CSV gives the CSV back. Covers edge values (integer
# min/max, 1e+300, epoch and leap dates, microseconds, nil UUID, {} JSON), NULLs (an
# unquoted empty field) apart from empty strings (""), quoting with commas, doubled quotes
# and a line break, and unicode.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir in
cat > in/all.csv <<'CSV'
b,i16,i32,i64,f32,f64,dec,t,by,d,ts,tstz,u,j
true,-32768,-2147483648,-9223372036854775808,1.5,-0.25,12345.67,"comma, quote "" and
newline",\x00ff10,1970-01-01,2026-01-03 09:15:00,2026-01-03 09:15:00+00:00,00000000-0000-0000-0000-000000000000,"{""a"":[1,2]}"
false,32767,2147483647,9223372036854775807,-3.25,1e+300,-0.01,ünïcødé ✓,\x,2000-02-29,1999-12-31 23:59:59.123456,2026-06-30 12:00:00.5+00:00,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,{}
,,,,,,,,,,,,,
false,0,0,0,0,0,0.00,"",\x41,2026-11-23,2026-11-23 00:00:00,1969-12-31 23:59:59+00:00,ffffffff-ffff-ffff-ffff-ffffffffffff,[]
CSV
columns='[b: bool, i16: int16, i32: int32, i64: int64, f32: float32, f64: float64, dec: "decimal(12,2)", t: text,
          by: bytes, d: date, ts: timestamp, tstz: timestamptz, u: uuid, j: json]'
copy() {  # copy FROM TO: a pipeline reading FROM with the declared types, writing TO
  cat > copy.rbc <<RBC
pipeline types {
  file(path: "$1").stream("all", columns: $columns) |> file(path: "$2").table(write_mode: replace)
}
RBC
  "$RBC" exec copy.rbc > copy.log 2>&1 || { cat copy.log; exit 1; }
}
copy in/all.csv out/all.csv
diff -u in/all.csv out/all.csv || { echo "FAIL: CSV -> CSV changed the data"; exit 1; }
copy in/all.csv out/all.jsonl
copy out/all.jsonl out/again.jsonl
diff -u out/all.jsonl out/again.jsonl || { echo "FAIL: JSONL -> JSONL changed the data"; exit 1; }
copy out/again.jsonl out/back.csv
diff -u in/all.csv out/back.csv || { echo "FAIL: CSV -> JSONL -> CSV changed the data"; exit 1; }
# NULL and the empty string stay apart in JSON too.
sed -n 3p out/all.jsonl | grep -q '"t":null' || { echo "FAIL: NULL text is not null in JSONL"; exit 1; }
sed -n 4p out/all.jsonl | grep -q '"t":""' || { echo "FAIL: the empty string is not \"\" in JSONL"; exit 1; }
echo "types: every type round-trips CSV -> CSV, JSONL -> JSONL and CSV -> JSONL -> CSV"
