#!/usr/bin/env bash
# rbc exec failures: a failing node gives exit 1 and one error line naming the node, and
# leaves no output file; skip and dlq keep going; SIGINT cancels cleanly.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/out"
printf 'id,email\n1,a@x.org\n2,\n3,c@x.org\n4,nope\n' > "$work/in/users.csv"

write_pipeline() {  # $1 = name, $2 = on_data_error
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: $1
source:
  use: file
  config: {path: $work/in/}
  streams:
    - name: users
transforms:
  - use: validate
    config: {rules: [{assert_not_null: [email]}, {assert_regex: {field: email, pattern: ".+@.+"}}]}
destination:
  use: file
  config: {path: $work/out/}
  on_data_error: $2
  dlq_path: $work/dead.jsonl
YAML
}

# fail: exit 1, the message names the node, no output (and no temporary) file.
write_pipeline failing fail
set +e
"$RBC" exec "$work/failing.yaml" > /dev/null 2> "$work/stderr"
code=$?
set -e
[[ $code == 1 ]] || { echo "exit code $code"; exit 1; }
grep -qx 'rbc: error: node %1 (transform validate) stream "users" partition 0: validate: assert_not_null(email) failed at batch 0 row 1: {"id":2,"email":null}' \
  "$work/stderr" || { cat "$work/stderr"; exit 1; }
[[ -z $(ls -A "$work/out") ]] || { ls -A "$work/out"; exit 1; }

# skip: the bad rows are dropped.
write_pipeline skipping skip
"$RBC" exec "$work/skipping.yaml" > /dev/null 2>&1
diff -u - "$work/out/users.csv" <<'CSV'
id,email
1,a@x.org
3,c@x.org
CSV
rm "$work/out/users.csv"

# dlq: dropped and written to the dead-letter file with the rules they broke.
write_pipeline dead_letters dlq
"$RBC" exec "$work/dead_letters.yaml" > /dev/null 2>&1
[[ $(wc -l < "$work/out/users.csv") == 3 ]]
diff -u - "$work/dead.jsonl" <<'JSONL'
{"pipeline":"dead_letters","stream":"users","record":{"id":2,"email":null},"errors":[{"rule":"assert_not_null(email)"}]}
{"pipeline":"dead_letters","stream":"users","record":{"id":4,"email":"nope"},"errors":[{"rule":"assert_regex(email ~ '.+@.+')"}]}
JSONL
rm "$work/out/users.csv"

# SIGINT: cancelled cleanly, exit 1, nothing half-written.
cat > "$work/endless.yaml" <<YAML
version: "1.0"
pipeline: endless
source:
  use: generator
  config: {rows: 2000000000}
  streams:
    - name: numbers
destination:
  use: file
  config: {path: $work/out/}
YAML
"$RBC" exec "$work/endless.yaml" > /dev/null 2> "$work/stderr" &
pid=$!
sleep 1
kill -INT $pid
set +e
wait $pid
code=$?
set -e
[[ $code == 1 ]] || { echo "exit code after SIGINT: $code"; cat "$work/stderr"; exit 1; }
grep -qx 'rbc: error: cancelled by signal' "$work/stderr" || { cat "$work/stderr"; exit 1; }
[[ -z $(ls -A "$work/out") ]] || { ls -A "$work/out"; exit 1; }
echo ok
