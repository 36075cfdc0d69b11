# Sourced by the shell tests that need PostgreSQL: the throwaway server's URLs (SRC, DST),
# psql_q, fail and finish, the scratch folder $work and drop_on_exit. Without a server the
# test is skipped with CTest's skip code 77; scripts/test always starts one, and fails if
# it cannot.
: "${RBC:?path to the rbc binary}"
if [[ -z ${RBC_PG_SRC_URL:-} || -z ${RBC_PG_DST_URL:-} ]]; then
  echo "skipped: no PostgreSQL (scripts/test starts one; or see scripts/pg-test-server)"
  exit 77
fi
SRC=$RBC_PG_SRC_URL
DST=$RBC_PG_DST_URL
failures=0

psql_q() { psql "$1" -X -q -v ON_ERROR_STOP=1 -At -c "$2"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# The end of a test: non-zero when any check failed, else prints $1 (default "ok").
finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "${1:-ok}"
}

# $work: the test's scratch folder. drop_on_exit URL SQL: statements that remove what the
# test created in a database. drop_slots_on_exit URL LIKE: the replication slots whose names
# are LIKE that. cleanup runs them and removes $work however the test exits; a test with
# more to undo traps EXIT itself and calls cleanup last.
work=$(mktemp -d)
drops=() slot_drops=()
drop_on_exit() { drops+=("$1" "$2"); }
drop_slots_on_exit() { slot_drops+=("$1" "$2"); }
# A run just stopped may hold its slot a moment longer (its walsender not yet gone), and a
# slot left behind keeps every later WAL segment of the server: its walsenders are ended,
# then the slots dropped once they are free (at most 10 s).
drop_slots() {  # drop_slots URL LIKE
  local active="FROM pg_replication_slots WHERE slot_name LIKE '$2' AND active"
  psql_q "$1" "SELECT pg_terminate_backend(active_pid) $active" > /dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    [[ $(psql_q "$1" "SELECT count(*) $active" 2> /dev/null) == 0 ]] && break
    sleep 0.1
  done
  psql_q "$1" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '$2' AND NOT active" > /dev/null 2>&1 || true
}
cleanup() {
  for ((i = 0; i < ${#slot_drops[@]}; i += 2)); do drop_slots "${slot_drops[i]}" "${slot_drops[i + 1]}"; done
  for ((i = 0; i < ${#drops[@]}; i += 2)); do
    psql_q "${drops[i]}" "${drops[i + 1]}" > /dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
