// Event-time windows: TUMBLING edges (half-open, aligned to the epoch, negative times),
// HOPPING membership, SESSION merging (inclusive touch, a late row bridging two open
// sessions), WHERE/HAVING and empty windows, EMIT CHANGES, the types of window_start and
// window_end per time type, durations, late rows against a configured watermark (judged
// against the watermark as it stood before their batch), the WatermarkTracker on its own,
// and every located compile error of the WINDOW clause.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "expr/watermark.h"
#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

using sql::WatermarkTracker;

Strings sorted(Strings rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

// k text, v int64, t int64 (epoch milliseconds).
Schema int_schema() {
  return Schema({{"k", DataType{TypeId::text}, true},
                 {"v", DataType{TypeId::int64}, true},
                 {"t", DataType{TypeId::int64}, true},
                 {"s", DataType{TypeId::text}, true}});
}

// Rows (k, v, t) of int_schema; s is "x".
Batch rows(const std::vector<std::tuple<std::string, int64_t, std::optional<int64_t>>>& values) {
  std::vector<Opt> k, v, t, s;
  for (const auto& [key, value, time] : values) {
    k.push_back(key);
    v.push_back(std::to_string(value));
    t.push_back(time ? Opt(std::to_string(*time)) : std::nullopt);
    s.push_back("x");
  }
  return batch_of(int_schema(), {k, v, t, s});
}

Strings finish_rows(QueryState& state) {
  auto batches = state.finish();
  EXPECT_TRUE(batches.is_ok()) << batches.status().message();
  Strings out;
  if (!batches.is_ok()) return out;
  for (const Batch& b : *batches)
    for (auto& row : rows_of(b)) out.push_back(row);
  return out;
}

Strings add_rows(QueryState& state, const Batch& batch, const BatchProgress& progress = {}) {
  auto out = state.add(batch, progress);
  EXPECT_TRUE(out.is_ok()) << out.status().message();
  return out.is_ok() ? rows_of(*out) : Strings{};
}

// Every row a query gives over `batches` (one lane, no watermark): add()'s and finish()'s.
Strings run(const std::string& query, const std::vector<Batch>& batches,
            const Schema& schema = int_schema()) {
  CompiledQuery compiled = compile_ok(query, schema);
  auto state = compiled.start();
  Strings out;
  for (const Batch& batch : batches)
    for (auto& row : add_rows(*state, batch)) out.push_back(row);
  for (auto& row : finish_rows(*state)) out.push_back(row);
  return out;
}

const std::string kSelect = "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s FROM input ";

// --- TUMBLING ---------------------------------------------------------------------------

TEST(SqlWindow, TumblingWindowsAreHalfOpenAndAlignedToTheEpoch) {
  // 9.999 s is in [0, 10 s); 10.000 s starts the next; -1 ms is in [-10 s, 0).
  Strings out = run(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s)", {rows({{"a", 1, 9999},
                                                                           {"a", 2, 10000},
                                                                           {"a", 4, 0},
                                                                           {"a", 8, 19999},
                                                                           {"a", 16, 20000},
                                                                           {"a", 32, -1},
                                                                           {"b", 64, 9999}})});
  // Windows close in start order; in a window, groups in the order they first appeared.
  EXPECT_EQ(out, (Strings{"-10000|0|a|1|32", "0|10000|a|2|5", "0|10000|b|1|64", "10000|20000|a|2|10",
                          "20000|30000|a|1|16"}));
}

TEST(SqlWindow, TumblingOnTimestampsSplitsAtTheExactMillisecond) {
  Schema schema({{"k", DataType{TypeId::text}, true}, {"ts", DataType{TypeId::timestamp}, true}});
  Batch batch = batch_of(
      schema, {{"a", "a", "a"}, {"2024-03-01 12:00:09.999", "2024-03-01 12:00:10", "2024-03-01 12:00:00"}});
  EXPECT_EQ(
      run("SELECT window_start, window_end, k, COUNT(*) AS n FROM input GROUP BY k WINDOW TUMBLING(ts, 10s)",
          {batch}, schema),
      (Strings{"2024-03-01 12:00:00|2024-03-01 12:00:10|a|2",
               "2024-03-01 12:00:10|2024-03-01 12:00:20|a|1"}));
}

TEST(SqlWindow, WithoutAWatermarkTheResultIsTheBatchGroupByWhateverTheOrder) {
  auto data = rows({{"a", 1, 1000}, {"b", 2, 25000}, {"a", 3, 12000}, {"a", 4, 2000}, {"b", 5, 26000}});
  const std::string query = kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s)";
  const Strings expected{"0|10000|a|2|5", "10000|20000|a|1|3", "20000|30000|b|2|7"};
  EXPECT_EQ(sorted(run(query, {data})), expected);
  // Reversed, one row a batch: nothing closes before the end, so nothing is late.
  std::vector<Batch> reversed = {rows({{"b", 5, 26000}}), rows({{"a", 4, 2000}}), rows({{"a", 3, 12000}}),
                                 rows({{"b", 2, 25000}}), rows({{"a", 1, 1000}})};
  EXPECT_EQ(sorted(run(query, reversed)), expected);
}

TEST(SqlWindow, AWindowWithoutGroupByIsOneGroupPerWindow) {
  EXPECT_EQ(run("SELECT window_start, COUNT(*) AS n FROM input WINDOW TUMBLING(t, 1m)",
                {rows({{"a", 1, 1000}, {"b", 2, 59999}, {"c", 3, 60000}})}),
            (Strings{"0|2", "60000|1"}));
}

// --- durations --------------------------------------------------------------------------

TEST(SqlWindow, DurationsInEveryForm) {
  auto data = rows({{"a", 1, 100000}});
  auto bounds = [&](const std::string& duration) {
    Strings out = run(
        "SELECT window_start, window_end FROM input GROUP BY k WINDOW TUMBLING(t, " + duration + ")", {data});
    return out.size() == 1 ? out[0] : "?";
  };
  EXPECT_EQ(bounds("INTERVAL '1' MINUTE"), "60000|120000");
  EXPECT_EQ(bounds("INTERVAL '90 seconds'"), "90000|180000");
  EXPECT_EQ(bounds("500ms"), "100000|100500");
  EXPECT_EQ(bounds("30s"), "90000|120000");
  EXPECT_EQ(bounds("5m"), "0|300000");
  EXPECT_EQ(bounds("1h"), "0|3600000");
  EXPECT_EQ(bounds("1d"), "0|86400000");
}

// --- HOPPING ----------------------------------------------------------------------------

TEST(SqlWindow, HoppingRowsAreInEveryWindowCoveringThem) {
  // size 10 s, advance 5 s: 7 s is in [0, 10) and [5, 15); 10 s in [5, 15) and [10, 20);
  // 4.999 s in [-5, 5) and [0, 10).
  Strings out = run(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 5s)",
                    {rows({{"a", 1, 7000}, {"a", 2, 10000}, {"a", 4, 4999}})});
  EXPECT_EQ(sorted(out),
            (Strings{"-5000|5000|a|1|4", "0|10000|a|2|5", "10000|20000|a|1|2", "5000|15000|a|2|3"}));
}

TEST(SqlWindow, HoppingWithAnAdvanceThatDoesNotDivideTheSize) {
  // size 10 s, advance 3 s: 7 s is in the windows starting at 0, 3 and 6 s (not at -3 s,
  // which ends at 7 s exactly).
  Strings out = run(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 3s)", {rows({{"a", 1, 7000}})});
  EXPECT_EQ(out, (Strings{"0|10000|a|1|1", "3000|13000|a|1|1", "6000|16000|a|1|1"}));
  // An advance equal to the size is a tumbling window.
  EXPECT_EQ(run(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 10s)", {rows({{"a", 1, 7000}})}),
            (Strings{"0|10000|a|1|1"}));
}

// --- SESSION ----------------------------------------------------------------------------

TEST(SqlWindow, SessionsArePerKeyAndEndAtTheLastTimePlusTheGap) {
  Strings out = run(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)",
                    {rows({{"a", 1, 0}, {"a", 2, 3000}, {"b", 4, 1000}, {"a", 8, 20000}})});
  EXPECT_EQ(sorted(out), (Strings{"0|8000|a|2|3", "1000|6000|b|1|4", "20000|25000|a|1|8"}));
}

TEST(SqlWindow, SessionEndsTouchInclusively) {
  // [0, 5 s) and a row at 5 s: s.end >= t, so one session [0, 10 s). A row at -5 s: its
  // window [-5 s, 0) touches s.start = 0: one session.
  EXPECT_EQ(run(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)",
                {rows({{"a", 1, 0}, {"a", 2, 5000}, {"a", 4, -5000}})}),
            (Strings{"-5000|10000|a|3|7"}));
  // 1 ms more apart: two sessions.
  EXPECT_EQ(sorted(run(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)", {rows({{"a", 1, 0}, {"a", 2, 5001}})})),
            (Strings{"0|5000|a|1|1", "5001|10001|a|1|2"}));
}

TEST(SqlWindow, ARowBridgingTwoSessionsMergesThem) {
  // [0, 5 s) and [10 s, 15 s), then 5 s: its window [5 s, 10 s) touches both.
  EXPECT_EQ(run(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)",
                {rows({{"a", 1, 0}, {"a", 2, 10000}}), rows({{"a", 4, 5000}})}),
            (Strings{"0|15000|a|3|7"}));
}

TEST(SqlWindow, ALateArrivingRowBridgesTwoOpenSessions) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 10'000, 0, LateRows::drop, {}});
  // Watermark after: 10 s - 10 s = 0: both sessions stay open.
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 0}, {"a", 2, 10000}})), Strings{});
  EXPECT_EQ(state->open_windows(), 2u);
  // Out of order, but not late: it bridges them into one.
  EXPECT_EQ(add_rows(*state, rows({{"a", 4, 5000}})), Strings{});
  EXPECT_TRUE(state->take_late_rows().empty());
  EXPECT_EQ(state->open_windows(), 1u);
  // b at 40 s moves the watermark to 30 s: the merged session closes.
  EXPECT_EQ(add_rows(*state, rows({{"b", 8, 40000}})), (Strings{"0|15000|a|3|7"}));
  // a at 1 s: its own session [1 s, 6 s) has closed and touches no open one: late.
  EXPECT_EQ(add_rows(*state, rows({{"a", 16, 1000}})), Strings{});
  auto late = state->take_late_rows();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].row, 0u);
  EXPECT_EQ(late[0].reason,
            "late row: event time 1000 is behind the watermark 30000: its session [1000, 6000) had closed");
  // A row at 29 s: its window [29 s, 34 s) is open (it ends after 30 s).
  EXPECT_EQ(add_rows(*state, rows({{"a", 32, 29000}})), Strings{});
  EXPECT_TRUE(state->take_late_rows().empty());
  EXPECT_EQ(state->late_rows(), 1u);
  EXPECT_EQ(sorted(finish_rows(*state)), (Strings{"29000|34000|a|1|32", "40000|45000|b|1|8"}));
}

TEST(SqlWindow, SessionStateBytesFollowTheStatesAndReturnToZero) {
  // APPROX_COUNT_DISTINCT's sketch and MAX's long strings grow after a session starts:
  // what the sessions hold is counted as it grows, and all of it is given back when they
  // close (a size_t that went below zero would read as about 2^64).
  CompiledQuery compiled = compile_ok(
      "SELECT window_start, k, APPROX_COUNT_DISTINCT(v) AS d, MAX(k || s || s || s || s || s || s || s || s "
      "|| "
      "'a long string, well past the small-string buffer') AS m FROM input GROUP BY k WINDOW SESSION(t, 5s)",
      int_schema());
  auto state = compiled.start(WatermarkStep{true, 50'000, 0, LateRows::drop, {}});
  add_rows(*state, rows({{"a", 1, 0}, {"a", 2, 1000}, {"b", 3, 0}, {"c", 4, 3000}}));
  const size_t open = state->state_bytes();
  EXPECT_GT(open, 0u);
  EXPECT_LT(open, size_t{1} << 30);
  add_rows(*state, rows({{"a", 5, 2000}, {"a", 6, 6000}}));  // a's session grows to [0, 11 s)
  EXPECT_GE(state->state_bytes(), open);
  EXPECT_LT(state->state_bytes(), size_t{1} << 30);
  // c at 7 s extends c's session to [3 s, 12 s).
  add_rows(*state, rows({{"c", 8, 7000}}));
  EXPECT_LT(state->state_bytes(), size_t{1} << 30);
  // The watermark passes every session: all close, and nothing is held.
  EXPECT_EQ(add_rows(*state, rows({{"z", 7, 100000}})).size(), 3u);
  EXPECT_EQ(state->open_windows(), 1u);  // z's
  EXPECT_LT(state->state_bytes(), open);
  EXPECT_EQ(finish_rows(*state).size(), 1u);
  EXPECT_EQ(state->state_bytes(), 0u);
  EXPECT_EQ(state->groups(), 0u);
}

// --- WHERE, HAVING, empty windows ------------------------------------------------------

TEST(SqlWindow, WhereAndHaving) {
  // WHERE v > 0 empties [10 s, 20 s): it emits nothing; HAVING COUNT(*) > 1 drops b.
  Strings out = run(kSelect + "WHERE v > 0 GROUP BY k WINDOW TUMBLING(t, 10s) HAVING COUNT(*) > 1",
                    {rows({{"a", 1, 1000},
                           {"a", 2, 2000},
                           {"b", 3, 3000},
                           {"a", -1, 15000},
                           {"a", 5, 25000},
                           {"a", 6, 26000}})});
  EXPECT_EQ(out, (Strings{"0|10000|a|2|3", "20000|30000|a|2|11"}));
  EXPECT_EQ(run(kSelect + "WHERE v > 100 GROUP BY k WINDOW TUMBLING(t, 10s)", {rows({{"a", 1, 1000}})}),
            Strings{});
  EXPECT_EQ(run(kSelect + "WHERE v > 0 GROUP BY k WINDOW SESSION(t, 10s)", {rows({{"a", -1, 1000}})}),
            Strings{});
  EXPECT_EQ(run(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 5s)", {rows({})}), Strings{});
}

TEST(SqlWindow, ANullTimeIsLateEvenWithoutAWatermark) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW SESSION(t, 5s)", int_schema());
  auto state = compiled.start();
  add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, std::nullopt}}));
  auto late = state->take_late_rows();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].row, 1u);
  EXPECT_EQ(late[0].reason, "its event time is NULL, so it belongs to no window");
  EXPECT_EQ(state->late_rows(), 1u);
  EXPECT_EQ(finish_rows(*state), (Strings{"1000|6000|a|1|1"}));
}

TEST(SqlWindow, AWhereThatDropsARowWithANullTimeDoesNotMakeItLate) {
  CompiledQuery compiled =
      compile_ok(kSelect + "WHERE v > 0 GROUP BY k WINDOW TUMBLING(t, 10s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  add_rows(*state, rows({{"a", -1, std::nullopt}, {"a", 1, 1000}}));
  EXPECT_TRUE(state->take_late_rows().empty());
  EXPECT_EQ(state->late_rows(), 0u);
}

// --- EMIT CHANGES -----------------------------------------------------------------------

TEST(SqlWindow, EmitChangesGivesARowPerInputRowAndWindow) {
  CompiledQuery compiled =
      compile_ok(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s) EMIT CHANGES", int_schema());
  auto state = compiled.start();
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, 2000}, {"b", 4, 12000}})),
            (Strings{"0|10000|a|1|1", "0|10000|a|2|3", "10000|20000|b|1|4"}));
  EXPECT_EQ(add_rows(*state, rows({{"a", 8, 3000}})), (Strings{"0|10000|a|3|11"}));
  EXPECT_EQ(finish_rows(*state), Strings{});  // EMIT CHANGES: nothing more at the end

  CompiledQuery hopping =
      compile_ok(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 5s) EMIT CHANGES", int_schema());
  state = hopping.start();
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 7000}, {"a", 2, 8000}})),
            (Strings{"0|10000|a|1|1", "5000|15000|a|1|1", "0|10000|a|2|3", "5000|15000|a|2|3"}));

  CompiledQuery session = compile_ok(kSelect + "GROUP BY k WINDOW SESSION(t, 5s) EMIT CHANGES", int_schema());
  state = session.start();
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 0}, {"a", 2, 10000}, {"a", 4, 5000}})),
            (Strings{"0|5000|a|1|1", "10000|15000|a|1|2", "0|15000|a|3|7"}));
}

TEST(SqlWindow, EmitChangesKeepsOnlyTheRowsHavingHolds) {
  CompiledQuery compiled = compile_ok(
      kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s) HAVING COUNT(*) > 1 EMIT CHANGES", int_schema());
  auto state = compiled.start();
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"b", 2, 2000}, {"a", 4, 3000}, {"a", 8, 12000}})),
            (Strings{"0|10000|a|2|5"}));
}

TEST(SqlWindow, LimitCountsRowsAcrossWindows) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s) LIMIT 3", int_schema());
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  // Two windows close here (2 rows), one more at the end: the LIMIT leaves 1 of its 2.
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, 12000}, {"b", 4, 25000}})),
            (Strings{"0|10000|a|1|1", "10000|20000|a|1|2"}));
  add_rows(*state, rows({{"c", 8, 26000}}));
  EXPECT_EQ(finish_rows(*state), (Strings{"20000|30000|b|1|4"}));
}

TEST(SqlWindow, ExpressionKeysAndAnExpressionTime) {
  // Two keys, one an expression; the time shifted by 5 s.
  EXPECT_EQ(sorted(run("SELECT window_start, UPPER(k) AS uk, v % 2 AS odd, COUNT(*) AS n FROM input "
                       "GROUP BY UPPER(k), v % 2 WINDOW TUMBLING(t + 5000, 10s)",
                       {rows({{"a", 1, 1000}, {"A", 3, 4999}, {"a", 2, 5000}, {"b", 1, 6000}})})),
            (Strings{"0|A|1|2", "10000|A|0|1", "10000|B|1|1"}));
}

// --- window_start / window_end types ---------------------------------------------------

TEST(SqlWindow, WindowBoundsTakeTheTimeColumnsType) {
  Schema schema({{"k", DataType{TypeId::text}, true},
                 {"ts", DataType{TypeId::timestamp}, true},
                 {"tz", DataType{TypeId::timestamptz}, true},
                 {"d", DataType{TypeId::date}, true},
                 {"i", DataType{TypeId::int32}, true},
                 {"l", DataType{TypeId::int64}, true}});
  Batch batch = batch_of(schema, {{"a"},
                                  {"2024-01-15 10:30:05"},
                                  {"2024-01-15 10:30:05+00:00"},
                                  {"2024-01-15"},
                                  {"65000"},
                                  {"1700000000000"}});
  struct Case {
    std::string column, size;
    TypeId type;
    std::string bounds;
  };
  const std::vector<Case> cases = {
      {"ts", "1m", TypeId::timestamp, "2024-01-15 10:30:00|2024-01-15 10:31:00"},
      {"tz", "1h", TypeId::timestamptz, "2024-01-15 10:00:00+00:00|2024-01-15 11:00:00+00:00"},
      {"d", "1d", TypeId::timestamp, "2024-01-15 00:00:00|2024-01-16 00:00:00"},
      {"i", "1m", TypeId::int64, "60000|120000"},
      {"l", "1h", TypeId::int64, "1699999200000|1700002800000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.column);
    CompiledQuery compiled =
        compile_ok("SELECT window_start, window_end FROM input GROUP BY k WINDOW TUMBLING(" + c.column +
                       ", " + c.size + ")",
                   schema);
    EXPECT_EQ(compiled.output_schema().field(0).type.id, c.type);
    EXPECT_EQ(compiled.output_schema().field(1).type.id, c.type);
    auto state = compiled.start();
    ASSERT_TRUE(state->add(batch).is_ok());
    EXPECT_EQ(finish_rows(*state), Strings{c.bounds});
  }
}

// --- late rows against a configured watermark ------------------------------------------

BatchProgress from(uint32_t partition, uint32_t partitions = 1) {
  BatchProgress progress;
  progress.partition = partition;
  progress.partitions = partitions;
  return progress;
}

TEST(SqlWindow, RowsAreJudgedAgainstTheWatermarkAsItStoodBeforeTheirBatch) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  // The watermark moves to 12 s: [0, 10 s) closes and is emitted now.
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, 12000}}), from(0)), (Strings{"0|10000|a|1|1"}));
  EXPECT_TRUE(state->take_late_rows().empty());
  // 5 s is late ([0, 10 s) has closed); 11 s is not; a NULL time is late.
  EXPECT_EQ(add_rows(*state, rows({{"a", 4, 5000}, {"a", 8, 11000}, {"a", 16, std::nullopt}}), from(0)),
            Strings{});
  auto late = state->take_late_rows();
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].row, 0u);
  EXPECT_EQ(late[0].reason,
            "late row: event time 5000 is behind the watermark 12000: its window [0, 10000) had closed");
  EXPECT_EQ(late[1].row, 2u);
  EXPECT_EQ(late[1].reason, "its event time is NULL, so it belongs to no window");
  EXPECT_TRUE(state->take_late_rows().empty());  // taken
  // 15 s comes in the batch that moves the watermark to 30 s: judged against 12 s, it
  // counts; [10 s, 20 s) then closes with it.
  EXPECT_EQ(add_rows(*state, rows({{"a", 32, 30000}, {"a", 64, 15000}}), from(0)),
            (Strings{"10000|20000|a|3|74"}));
  EXPECT_TRUE(state->take_late_rows().empty());
  EXPECT_EQ(state->late_rows(), 2u);
  EXPECT_EQ(state->open_windows(), 1u);
  EXPECT_EQ(finish_rows(*state), (Strings{"30000|40000|a|1|32"}));
}

TEST(SqlWindow, AllowedLatenessHoldsWindowsOpen) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 3000, 0, LateRows::drop, {}});
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, 12000}})), Strings{});  // watermark 9 s
  EXPECT_EQ(add_rows(*state, rows({{"a", 4, 9999}})), Strings{});                   // still open
  EXPECT_TRUE(state->take_late_rows().empty());
  EXPECT_EQ(add_rows(*state, rows({{"a", 8, 13000}})), (Strings{"0|10000|a|2|5"}));  // watermark 10 s
  add_rows(*state, rows({{"a", 16, 9999}}));
  ASSERT_EQ(state->take_late_rows().size(), 1u);
}

TEST(SqlWindow, AHoppingRowIsLateOnlyWhenNoneOfItsWindowsIsOpen) {
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW HOPPING(t, 10s, 5s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  // Watermark 12 s: [-5 s, 5 s) and [0, 10 s) close; [5 s, 15 s) and [10 s, 20 s) stay open.
  EXPECT_EQ(add_rows(*state, rows({{"a", 1, 1000}, {"a", 2, 12000}})),
            (Strings{"-5000|5000|a|1|1", "0|10000|a|1|1"}));
  // 8 s: [0, 10 s) has closed, [5 s, 15 s) is open: it counts there and is not late.
  // 4 s: [-5 s, 5 s) and [0, 10 s) have closed: late, naming the later window.
  add_rows(*state, rows({{"a", 4, 8000}, {"a", 8, 4000}}));
  auto late = state->take_late_rows();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].row, 1u);
  EXPECT_EQ(late[0].reason,
            "late row: event time 4000 is behind the watermark 12000: its window [0, 10000) had closed");
  EXPECT_EQ(sorted(finish_rows(*state)), (Strings{"10000|20000|a|1|2", "5000|15000|a|2|6"}));
}

TEST(SqlWindow, TheRoutersStampMovesTheWatermarkOfALaneWithoutRows) {
  // A lane given an empty fragment of a batch whose largest time (over all lanes) was 25 s.
  CompiledQuery compiled = compile_ok(kSelect + "GROUP BY k WINDOW TUMBLING(t, 10s)", int_schema());
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  add_rows(*state, rows({{"a", 1, 1000}}));
  BatchProgress progress;
  progress.max_event_us = 25'000'000;
  EXPECT_EQ(add_rows(*state, rows({}), progress), (Strings{"0|10000|a|1|1"}));
  // The stamp counts even where the lane's own rows are smaller.
  progress.max_event_us = 40'000'000;
  EXPECT_EQ(add_rows(*state, rows({{"b", 2, 26000}}), progress), (Strings{"20000|30000|b|1|2"}));
}

TEST(SqlWindow, LateRowsOnTimestampsAreWrittenAsTimestamps) {
  Schema schema({{"k", DataType{TypeId::text}, true}, {"ts", DataType{TypeId::timestamptz}, true}});
  CompiledQuery compiled = compile_ok(
      "SELECT window_start, k, COUNT(*) AS n FROM input GROUP BY k WINDOW TUMBLING(ts, 1m)", schema);
  auto state = compiled.start(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  add_rows(*state, batch_of(schema, {{"a"}, {"2024-01-15 10:05:00+00:00"}}));
  add_rows(*state, batch_of(schema, {{"a"}, {"2024-01-15 10:03:30+00:00"}}));
  auto late = state->take_late_rows();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(
      late[0].reason,
      "late row: event time 2024-01-15 10:03:30+00:00 is behind the watermark 2024-01-15 10:05:00+00:00: "
      "its window [2024-01-15 10:03:00+00:00, 2024-01-15 10:04:00+00:00) had closed");
}

// --- WatermarkTracker ------------------------------------------------------------------

constexpr int64_t kSec = 1'000'000;  // µs

TEST(SqlWatermark, NotConfiguredNeverMoves) {
  WatermarkTracker tracker(WatermarkStep{});
  EXPECT_EQ(tracker.advance(from(0), 100 * kSec), WatermarkTracker::kNone);
  EXPECT_EQ(tracker.current(), WatermarkTracker::kNone);
}

TEST(SqlWatermark, LargestTimeMinusLatenessAndNeverBack) {
  WatermarkTracker tracker(WatermarkStep{true, 1000, 0, LateRows::drop, {}});
  EXPECT_EQ(tracker.current(), WatermarkTracker::kNone);
  EXPECT_EQ(tracker.advance(from(0), std::nullopt), WatermarkTracker::kNone);  // only NULL times
  EXPECT_EQ(tracker.advance(from(0), 10 * kSec), 9 * kSec);
  EXPECT_EQ(tracker.advance(from(0), 5 * kSec), 9 * kSec);
  EXPECT_EQ(tracker.advance(from(0), std::nullopt), 9 * kSec);
  EXPECT_EQ(tracker.advance(from(0), 12 * kSec), 11 * kSec);
  EXPECT_EQ(tracker.current(), 11 * kSec);
}

TEST(SqlWatermark, TheSlowestPartitionHoldsItBackAndAnUnseenOneHoldsItAtItsStart) {
  WatermarkTracker tracker(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  EXPECT_EQ(tracker.advance(from(0, 3), 10 * kSec), WatermarkTracker::kNone);  // 1 and 2 unseen
  EXPECT_EQ(tracker.advance(from(1, 3), 4 * kSec), WatermarkTracker::kNone);   // 2 unseen
  EXPECT_EQ(tracker.advance(from(2, 3), 7 * kSec), 4 * kSec);
  EXPECT_EQ(tracker.advance(from(1, 3), 20 * kSec), 7 * kSec);
  EXPECT_EQ(tracker.advance(from(2, 3), 30 * kSec), 10 * kSec);
  // Partition 0 has ended: it no longer holds it back.
  BatchProgress ended = from(1, 3);
  ended.ended = 0b001;
  EXPECT_EQ(tracker.advance(ended, 25 * kSec), 25 * kSec);
  // A partition that delivers a smaller time later does not move it back.
  EXPECT_EQ(tracker.advance(from(2, 3), 1 * kSec), 25 * kSec);
}

TEST(SqlWatermark, EverySourceCounts) {
  WatermarkTracker tracker(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  BatchProgress a = from(0), b = from(0);
  b.source = 1;
  EXPECT_EQ(tracker.advance(b, 3 * kSec), 3 * kSec);
  EXPECT_EQ(tracker.advance(a, 10 * kSec), 3 * kSec);  // source 1 at 3 s holds it
  EXPECT_EQ(tracker.advance(a, 20 * kSec), 3 * kSec);
  EXPECT_EQ(tracker.advance(b, 15 * kSec), 15 * kSec);
  EXPECT_EQ(tracker.advance(b, 30 * kSec), 20 * kSec);  // now source 0 holds it
}

TEST(SqlWatermark, ASourceThePlanNamesHoldsItBackBeforeItsFirstBatch) {
  WatermarkTracker tracker(WatermarkStep{true, 0, 0, LateRows::drop, {0, 1}});
  BatchProgress a = from(0), b = from(0);
  b.source = 1;
  EXPECT_EQ(tracker.advance(a, 100 * kSec), WatermarkTracker::kNone);  // source 1 has read nothing yet
  EXPECT_EQ(tracker.advance(a, 200 * kSec), WatermarkTracker::kNone);
  EXPECT_EQ(tracker.advance(b, 5 * kSec), 5 * kSec);
  // Source 1 ends: source 0 alone sets it.
  b.ended = 0b1;
  EXPECT_EQ(tracker.advance(b, std::nullopt), 200 * kSec);
}

TEST(SqlWatermark, AnIdlePartitionStopsHoldingItBack) {
  WatermarkTracker tracker(WatermarkStep{true, 0, 10'000, LateRows::drop, {}});  // idle after 10 s
  const int64_t second_ns = 1'000'000'000;
  BatchProgress p = from(0, 2);
  p.read_ns = 100 * second_ns;
  EXPECT_EQ(tracker.advance(p, 10 * kSec), WatermarkTracker::kNone);  // partition 1 unseen
  p.read_ns = 105 * second_ns;
  EXPECT_EQ(tracker.advance(p, 12 * kSec), WatermarkTracker::kNone);  // not idle yet
  p.read_ns = 111 * second_ns;  // 11 s since the source started: unseen partition 1 is idle
  EXPECT_EQ(tracker.advance(p, 14 * kSec), 14 * kSec);
  // Partition 1 speaks: it holds the watermark again, which does not go back.
  BatchProgress q = from(1, 2);
  q.read_ns = 112 * second_ns;
  EXPECT_EQ(tracker.advance(q, 5 * kSec), 14 * kSec);
  p.read_ns = 113 * second_ns;
  EXPECT_EQ(tracker.advance(p, 30 * kSec), 14 * kSec);
  // Silent for more than 10 s: it no longer counts.
  p.read_ns = 123 * second_ns;
  EXPECT_EQ(tracker.advance(p, 31 * kSec), 31 * kSec);
}

TEST(SqlWatermark, WithoutIdleTimeoutASilentPartitionHoldsItForever) {
  WatermarkTracker tracker(WatermarkStep{true, 0, 0, LateRows::drop, {}});
  BatchProgress p = from(0, 2);
  p.read_ns = 1;
  tracker.advance(p, 10 * kSec);
  p.read_ns = int64_t{1} << 62;
  EXPECT_EQ(tracker.advance(p, 20 * kSec), WatermarkTracker::kNone);
}

// --- compile errors ----------------------------------------------------------------------

void expect_error(const std::string& query, const std::string& at, const std::string& message) {
  SCOPED_TRACE(query);
  auto errors = compile_errors(query, int_schema());
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].message, message);
  EXPECT_EQ(errors[0].offset, query.find(at));
}

TEST(SqlWindow, LocatedCompileErrors) {
  const std::string q = "SELECT k, COUNT(*) AS n FROM input GROUP BY k ";
  expect_error(q + "WINDOW SLIDING(t, 10s)", "SLIDING",
               "unknown window 'SLIDING'; use TUMBLING(time, size), HOPPING(time, size, advance) or "
               "SESSION(time, gap)");
  expect_error(q + "WINDOW TUMBLING(t, 10s, 5s)", "TUMBLING", "TUMBLING takes a time and one duration");
  expect_error(q + "WINDOW SESSION(t, 10s, 5s)", "SESSION", "SESSION takes a time and one duration");
  expect_error(q + "WINDOW hopping(t, 10s)", "hopping", "HOPPING takes a time, a size and an advance");
  const std::string invalid =
      "': write a positive whole number of ms, s, m, h or d (500ms, 30s, INTERVAL '1' MINUTE)";
  expect_error(q + "WINDOW TUMBLING(t, 0s)", "0s", "invalid duration '0s" + invalid);
  expect_error(q + "WINDOW TUMBLING(t, 10parsecs)", "10parsecs", "invalid duration '10parsecs" + invalid);
  expect_error(q + "WINDOW HOPPING(t, 10s, INTERVAL '0' SECOND)", "INTERVAL",
               "invalid duration 'INTERVAL '0' SECOND" + invalid);
  expect_error(
      q + "WINDOW HOPPING(t, 5s, 10s)", "10s",
      "a HOPPING window's advance must not exceed its size (rows between windows would belong to none)");
  expect_error(
      q + "WINDOW HOPPING(t, 1d, 1ms)", "1ms",
      "HOPPING puts each row in size / advance = 86400000 windows; at most 10000 (use a larger advance)");
  // A WINDOW clause that fails to bind gives its own error only, not window_start's too.
  EXPECT_EQ(compile_errors(
                "SELECT window_start, k, COUNT(*) AS n FROM input GROUP BY k WINDOW TUMBLING(t, 10s, 5s)",
                int_schema())
                .size(),
            1u);
  expect_error(
      q + "WINDOW TUMBLING(s, 10s)", "s, 10s",
      "a window's time must be a timestamp, timestamptz, date or an integer (epoch milliseconds), not text");
  expect_error(
      "SELECT k, COUNT(DISTINCT v) AS n FROM input GROUP BY k WINDOW SESSION(t, 5s)", "COUNT",
      "SESSION windows merge the sessions a row bridges, and COUNT(DISTINCT v) cannot be merged; use a "
      "TUMBLING or HOPPING window");
  expect_error(
      "SELECT k, STRING_AGG(s, ',') AS n FROM input GROUP BY k WINDOW SESSION(t, 5s)", "STRING_AGG",
      "SESSION windows merge the sessions a row bridges, and STRING_AGG(s, ',') cannot be merged; use a "
      "TUMBLING or HOPPING window");
  // The same aggregates are fine in a TUMBLING window.
  compile_ok("SELECT k, COUNT(DISTINCT v), STRING_AGG(s, ',') FROM input GROUP BY k WINDOW TUMBLING(t, 5s)",
             int_schema());
}

TEST(SqlWindow, WindowBoundsExistOnlyInAWindowedQuery) {
  auto errors = compile_errors("SELECT window_start, COUNT(*) FROM input GROUP BY k", int_schema());
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].offset, 7u);
}

}  // namespace
}  // namespace rbc::sql_test
