#!/usr/bin/env bash
# Files as users have them (issue 20): a glob of gzip, zstd and plain CSV files is one
# stream, read in name order by one reader or several, with byte-identical output; files
# with the columns in another order read by name, a file with other columns is an error
# naming it; a corrupt or truncated compressed file is an error naming the file and byte
# offset and nothing is written; data errors and dead letters name the file they come from;
# a sink writes .gz and .zst, appends, and never leaves a partial file at its path.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 12 parts of 3000 rows each, in two day folders; one part has its columns in another order.
mkdir -p "$work/in/2026-12-01" "$work/in/2026-12-02"
for i in $(seq -w 1 12); do
  day=2026-12-0$(( 10#$i <= 6 ? 1 : 2 ))
  awk -v part="$i" 'BEGIN { print "id,name,amount";
    for (r = 1; r <= 3000; r++) printf "%d,user_%d,%d\n", part * 100000 + r, r % 97, (r * 7919) % 1000 }' \
    > "$work/in/$day/orders-$i.csv"
done
awk -F, 'BEGIN { OFS = "," } { print $3, $1, $2 }' "$work/in/2026-12-01/orders-03.csv" > "$work/reordered"
mv "$work/reordered" "$work/in/2026-12-01/orders-03.csv"
gzip "$work"/in/2026-12-01/orders-0[1-5].csv
zstd -q --rm "$work"/in/2026-12-02/orders-1[01].csv

write_pipeline() {  # $1 = name, $2 = parallelism, $3 = destination path, $4 = write_mode
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: globs
source:
  use: file
  config: {path: "${SOURCE:-$work/in/**/orders-*}", format: csv}
  streams:
    - name: orders
transforms:
  - use: sql
    config: {query: "${QUERY:-SELECT id, name, amount * 2 AS doubled FROM input WHERE amount % 5 <> 0}"}
destination:
  use: file
  config: {path: $3}
  write_mode: ${4:-append}  # replace would read with one reader
  on_data_error: ${ON_DATA_ERROR:-fail}
  dlq_path: $work/dead.jsonl
resources:
  parallelism: $2
  max_batch_bytes: 64kb
YAML
}

# Parallelism 1 and 3 give the same bytes; every row is read once, in name order.
write_pipeline p1 1 "$work/out1.csv"
write_pipeline p3 3 "$work/out3.csv"
"$RBC" exec "$work/p1.yaml" > /dev/null 2>&1 || fail "p1 run"
"$RBC" exec "$work/p3.yaml" --cores 4 --report "$work/r3.json" > /dev/null 2>&1 || fail "p3 run"
cmp "$work/out1.csv" "$work/out3.csv" || fail "parallelism 3 output differs from parallelism 1"
rows=$(($(wc -l < "$work/out3.csv") - 1))
python3 - "$work/out3.csv" <<'PY' || fail "rows out of name order"
import csv, sys
ids = [int(row["id"]) for row in csv.DictReader(open(sys.argv[1]))]
assert ids == sorted(ids), "ids not in file-name order"
assert len(set(ids)) == len(ids), "a row read twice"
PY
expected=$(python3 -c 'print(sum(1 for p in range(1, 13) for r in range(1, 3001) if (r * 7919) % 1000 % 5 != 0))')
[[ $rows == "$expected" ]] || fail "rows $rows, expected $expected"
# The reordered file (orders-03) read by name: its amounts doubled, not its ids.
grep -q '^300001,user_1,' "$work/out3.csv" || fail "orders-03 not read by its header's names"
readers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][0]["concurrency"])' "$work/r3.json")
[[ $readers == 3 ]] || fail "expected 3 readers, got $readers"

# The plan says how many files matched; discover lists them.
"$RBC" compile "$work/p3.yaml" --cores 16 > "$work/plan3.txt"
grep -q "eligibility: partition-eligible" "$work/plan3.txt" || fail "glob stream not eligible"
grep -q "partitions 3: a glob of 12 CSV files (.*, 5 gzip, 2 zstd) matching $work/in/\*\*/orders-\* is cut into record-aligned chunks, parsed by 3 readers" \
  "$work/plan3.txt" || { cat "$work/plan3.txt"; fail "plan does not say how many files matched"; }
"$RBC" discover "$work/p3.yaml" > "$work/discover.txt"
grep -q "stream orders: $work/in/\*\*/orders-\* (12 files)" "$work/discover.txt" || { cat "$work/discover.txt"; fail "discover"; }
grep -q "  file $work/in/2026-12-02/orders-11.csv.zst" "$work/discover.txt" || fail "discover lists no zst file"
grep -q "  doubled\|  amount *int64" "$work/discover.txt" || fail "discover shows no schema"

# Compressed sinks: .gz and .zst hold the same rows as the plain file.
write_pipeline gz 2 "$work/out.csv.gz"
write_pipeline zst 2 "$work/out.csv.zst"
"$RBC" exec "$work/gz.yaml" > /dev/null 2>&1 || fail "gz sink run"
"$RBC" exec "$work/zst.yaml" > /dev/null 2>&1 || fail "zst sink run"
zcat "$work/out.csv.gz" | cmp - "$work/out1.csv" || fail "gzip output differs"
zstd -dcq "$work/out.csv.zst" | cmp - "$work/out1.csv" || fail "zstd output differs"

# write_mode append: the header once, the rows twice; the gzip file stays one valid stream.
write_pipeline app 2 "$work/appended.csv.gz" append
"$RBC" exec "$work/app.yaml" > /dev/null 2>&1 || fail "append run 1"
"$RBC" exec "$work/app.yaml" > /dev/null 2>&1 || fail "append run 2"
(cat "$work/out1.csv"; tail -n +2 "$work/out1.csv") | cmp - <(zcat "$work/appended.csv.gz") || fail "append"

# A directory path finds the stream's compressed file (orders.csv.gz) as well as a plain one.
mkdir -p "$work/dirsrc"
cp "$work/out.csv.gz" "$work/dirsrc/orders.csv.gz"
SOURCE=$work/dirsrc/ QUERY="SELECT * FROM input" write_pipeline dir 1 "$work/fromdir.csv"
"$RBC" exec "$work/dir.yaml" > /dev/null 2>&1 || fail "a directory source holding orders.csv.gz"
cmp "$work/fromdir.csv" "$work/out1.csv" || fail "a directory source holding orders.csv.gz: rows differ"

# A data error in the 9th file names it; a dead letter records it.
sed -i '2000s/^[0-9]*,/oops,/' "$work/in/2026-12-02/orders-09.csv"
if "$RBC" exec "$work/p3.yaml" > /dev/null 2> "$work/err"; then fail "expected a data error"; fi
grep -q "$work/in/2026-12-02/orders-09.csv:2000: column \"id\": cannot read \"oops\" as int64" "$work/err" \
  || { cat "$work/err"; fail "data error does not name the file and line"; }
ON_DATA_ERROR=dlq write_pipeline dlq 3 "$work/outdlq.csv"
"$RBC" exec "$work/dlq.yaml" > /dev/null 2>&1 || fail "dlq run"
grep -q "\"origin\":\"$work/in/2026-12-02/orders-09.csv\",\"line\":2000," "$work/dead.jsonl" \
  || { cat "$work/dead.jsonl"; fail "dead letter does not record its file"; }
sed -i '2000s/^oops,/992000,/' "$work/in/2026-12-02/orders-09.csv"

# A truncated gzip file: an error naming the file and byte offset; nothing written.
cp "$work/in/2026-12-01/orders-04.csv.gz" "$work/whole.gz"
size=$(stat -c %s "$work/whole.gz")
head -c $((size / 2)) "$work/whole.gz" > "$work/in/2026-12-01/orders-04.csv.gz"
write_pipeline bad 2 "$work/bad.csv"
if "$RBC" exec "$work/bad.yaml" > /dev/null 2> "$work/err"; then fail "expected a truncated-file error"; fi
grep -q "$work/in/2026-12-01/orders-04.csv.gz: truncated gzip data: the file ends at byte offset $((size / 2))" "$work/err" \
  || { cat "$work/err"; fail "truncation not reported with file and offset"; }
[[ ! -e $work/bad.csv ]] || fail "a partial output was written"
ls "$work" | grep -q 'rbc-tmp' && fail "a temporary file was left behind"
# Corrupt bytes in the middle of the deflate stream.
cp "$work/whole.gz" "$work/in/2026-12-01/orders-04.csv.gz"
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$work/in/2026-12-01/orders-04.csv.gz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
if "$RBC" exec "$work/bad.yaml" > /dev/null 2> "$work/err"; then fail "expected a corrupt-file error"; fi
grep -q "$work/in/2026-12-01/orders-04.csv.gz: corrupt gzip data (.*) at byte offset [0-9]" "$work/err" \
  || { cat "$work/err"; fail "corruption not reported with file and offset"; }
[[ ! -e $work/bad.csv ]] || fail "a partial output was written"
cp "$work/whole.gz" "$work/in/2026-12-01/orders-04.csv.gz"

# Files that disagree on their columns: the error names the first one that differs.
mkdir -p "$work/mixed"
printf 'id,name\n1,a\n' > "$work/mixed/a.csv"
printf 'id,label\n2,b\n' > "$work/mixed/b.csv"
SOURCE="$work/mixed/*.csv" QUERY="SELECT * FROM input" write_pipeline mixed 1 "$work/mixed.csv"
if "$RBC" exec "$work/mixed.yaml" > /dev/null 2> "$work/err"; then fail "expected a header mismatch"; fi
grep -q "file source: $work/mixed/b.csv has the columns (id, label), which differ from those of $work/mixed/a.csv (id, name)" \
  "$work/err" || { cat "$work/err"; fail "header mismatch not reported"; }

echo ok
