#!/usr/bin/env bash
# rbc exec: CSV -> sql -> CSV writes exactly the expected bytes, and --report and
# --dry-run work on the same pipeline.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/out"
cat > "$work/in/people.csv" <<'CSV'
id,name,amount
1,alice,5
2,bob,12
3,carol,30
4,"dan, jr",11
5,eve,
CSV
cat > "$work/p.yaml" <<YAML
version: "1.0"
pipeline: exec_csv_sql
source:
  use: file
  config: {path: $work/in/}
  streams:
    - name: people
transforms:
  - use: sql
    config: {query: "SELECT id, UPPER(name) AS name, amount * 2 AS twice FROM input WHERE amount > 10"}
destination:
  use: file
  config: {path: $work/out/}
YAML

"$RBC" exec "$work/p.yaml" --report "$work/report.json" > "$work/stdout" 2> "$work/stderr"
expected='id,name,twice
2,BOB,24
3,CAROL,60
4,"DAN, JR",22
'
actual=$(cat "$work/out/people.csv"; echo x)
if [[ "${actual%x}" != "$expected" ]]; then
  echo "unexpected output:"; cat "$work/out/people.csv"; exit 1
fi
grep -q '"parallelism_effective"' "$work/report.json"
grep -q '"parallelism_transform_count": 1' "$work/report.json"
grep -q '"rows_written": 3' "$work/report.json"
grep -q 'static_heuristic_v1' "$work/stderr"
grep -q 'autotune-skipped stream="people"' "$work/stderr"
grep -q 'rows read 5, written 3' "$work/stdout"
# No temporary files are left next to the output.
[[ $(ls "$work/out") == "people.csv" ]]

# A dry run prints the table and writes nothing.
rm "$work/out/people.csv"
"$RBC" exec "$work/p.yaml" --dry-run --limit 3 > "$work/dry" 2> /dev/null
diff -u - "$work/dry" <<'TABLE'
stream "people" -> %2 (2 rows, first 3 source rows)
id | name  | twice
---+-------+------
 2 | BOB   |    24
 3 | CAROL |    60

TABLE
[[ -z $(ls "$work/out") ]]

# A pipeline error is exit code 2.
printf 'version: "2.0"\n' > "$work/bad.yaml"
set +e
"$RBC" exec "$work/bad.yaml" > /dev/null 2>&1
code=$?
set -e
[[ $code == 2 ]]
echo ok
