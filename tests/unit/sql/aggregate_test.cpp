// Aggregation: GROUP BY, HAVING, every aggregate's result type and NULL rule, EMIT
// CHANGES, LIMIT, merging lanes' partial states, and the misuses that are compile errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

Strings finish_rows(QueryState& state) {
  auto batches = state.finish();
  EXPECT_TRUE(batches.is_ok()) << batches.status().message();
  Strings rows;
  if (!batches.is_ok()) return rows;
  for (const Batch& b : *batches) {
    for (auto& row : rows_of(b)) rows.push_back(row);
  }
  return rows;
}

// Runs `query` over `batches` in one lane: EMIT FINAL's rows.
Strings aggregate(const std::string& query, const Schema& schema, const std::vector<Batch>& batches) {
  CompiledQuery compiled = compile_ok(query, schema);
  auto state = compiled.start();
  for (const Batch& batch : batches) {
    auto out = state->add(batch);
    EXPECT_TRUE(out.is_ok()) << out.status().message();
  }
  return finish_rows(*state);
}

Strings aggregate(const std::string& query) {
  Table t = sample_table();
  return aggregate(query, t.schema, {t.batch});
}

std::string first_error(const std::string& query) {
  Table t = sample_table();
  auto errors = compile_errors(query, t.schema);
  return errors.empty() ? "" : format_sql_error(query, errors.front());
}

// Sample rows (see sample_table):
//   id name   amount qty price  flag  day        small
//   1  alice  12.5   3   10.50  true  2024-01-15 1
//   2  Bob    8      0   0.99   false 2023-12-31 2
//   3  NULL   100    7   NULL   NULL  NULL       3
//   4  élan   NULL   NULL 100.00 true 1970-01-01 NULL
//   5  ''     -3.25  -2  -1.25  false 2000-02-29 -5

TEST(SqlAggregate, GroupByWithTheCommonAggregates) {
  EXPECT_EQ(aggregate("SELECT flag, COUNT(*) AS n, COUNT(amount), SUM(qty), MIN(amount), MAX(amount), "
                      "AVG(amount) FROM input GROUP BY flag"),
            (Strings{"true|2|1|3|12.5|12.5|12.5", "false|2|2|-2|-3.25|8|2.375", "NULL|1|1|7|100|100|100"}));
}

TEST(SqlAggregate, ResultTypesFollowPostgres) {
  Table t = sample_table();
  CompiledQuery q = compile_ok(
      "SELECT SUM(qty), SUM(id), SUM(price), SUM(amount), AVG(qty), AVG(price), COUNT(*), MIN(name), "
      "MAX(day), STDDEV(qty), BOOL_AND(flag), STRING_AGG(name, ','), APPROX_COUNT_DISTINCT(name) FROM input",
      t.schema);
  Strings types;
  for (const auto& field : q.output_schema().fields()) types.push_back(field.type.to_string());
  EXPECT_EQ(types, (Strings{"int64", "decimal(38,0)", "decimal(38,2)", "float64", "decimal(38,16)",
                            "decimal(38,16)", "int64", "text", "date", "float64", "bool", "text", "int64"}));
}

TEST(SqlAggregate, GlobalAggregateGivesOneRowEvenOverNoRows) {
  Table t = sample_table();
  EXPECT_EQ(aggregate("SELECT COUNT(*), COUNT(qty), SUM(qty), AVG(qty), MIN(name), BOOL_OR(flag), "
                      "STRING_AGG(name, ','), APPROX_COUNT_DISTINCT(qty) FROM input WHERE id > 100",
                      t.schema, {t.batch}),
            (Strings{"0|0|NULL|NULL|NULL|NULL|NULL|0"}));
  EXPECT_EQ(aggregate("SELECT COUNT(*) FROM input", t.schema, {}), (Strings{"0"}));
  // With GROUP BY, no rows means no groups.
  EXPECT_EQ(aggregate("SELECT flag, COUNT(*) FROM input GROUP BY flag", t.schema, {}), (Strings{}));
}

TEST(SqlAggregate, AggregatesSkipNulls) {
  EXPECT_EQ(aggregate("SELECT SUM(qty), AVG(qty), COUNT(qty), MIN(qty), MAX(qty) FROM input"),
            (Strings{"8|2.0000000000000000|4|-2|7"}));
  EXPECT_EQ(aggregate("SELECT SUM(price), AVG(price) FROM input"), (Strings{"110.24|27.5600000000000000"}));
}

TEST(SqlAggregate, GroupByExpressionsAliasesAndPositions) {
  EXPECT_EQ(aggregate("SELECT qty > 0 AS positive, COUNT(*) FROM input GROUP BY qty > 0"),
            (Strings{"true|2", "false|2", "NULL|1"}));
  EXPECT_EQ(aggregate("SELECT qty > 0 AS positive, COUNT(*) FROM input GROUP BY positive"),
            (Strings{"true|2", "false|2", "NULL|1"}));
  EXPECT_EQ(aggregate("SELECT qty > 0, COUNT(*) FROM input GROUP BY 1"),
            (Strings{"true|2", "false|2", "NULL|1"}));
  EXPECT_EQ(aggregate("SELECT UPPER(name) AS n, COUNT(*) FROM input GROUP BY UPPER(name) HAVING COUNT(*) > 0 "
                      "AND UPPER(name) <> ''"),
            (Strings{"ALICE|1", "BOB|1", "ÉLAN|1"}));
  // A grouped expression may be used inside others, and aggregates in expressions.
  EXPECT_EQ(aggregate("SELECT flag, SUM(qty) * 2 + COUNT(*) AS x, SUM(qty) / COUNT(qty) FROM input GROUP BY "
                      "flag HAVING NOT flag OR flag IS NULL"),
            (Strings{"false|-2|-1", "NULL|15|7"}));
}

TEST(SqlAggregate, NullIsAGroupOfItsOwn) {
  EXPECT_EQ(aggregate("SELECT name IS NULL, COUNT(*) FROM input GROUP BY name IS NULL"),
            (Strings{"false|4", "true|1"}));
  EXPECT_EQ(aggregate("SELECT day, COUNT(*) FROM input WHERE day IS NULL OR id < 3 GROUP BY day"),
            (Strings{"2024-01-15|1", "2023-12-31|1", "NULL|1"}));
}

TEST(SqlAggregate, CompositeKeysDoNotCollideAcrossParts) {
  Schema schema({{"a", DataType{TypeId::text}, true}, {"b", DataType{TypeId::text}, true}});
  Batch batch = batch_of(schema, {{"ab", "a", "a", std::nullopt, ""}, {"c", "bc", "bc", "", std::nullopt}});
  EXPECT_EQ(aggregate("SELECT a, b, COUNT(*) FROM input GROUP BY a, b", schema, {batch}),
            (Strings{"ab|c|1", "a|bc|2", "NULL||1", "|NULL|1"}));
}

TEST(SqlAggregate, FloatKeysGroupAsPostgres) {
  Schema schema({{"x", DataType{TypeId::float64}, true}});
  Batch batch = batch_of(schema, {{"0", "-0", "NaN", "NaN", "1.5"}});
  EXPECT_EQ(aggregate("SELECT x, COUNT(*) FROM input GROUP BY x", schema, {batch}),
            (Strings{"0|2", "NaN|2", "1.5|1"}));
  // NaN sorts above every number.
  EXPECT_EQ(aggregate("SELECT MAX(x), MIN(x) FROM input", schema, {batch}), (Strings{"NaN|-0"}));
  // Like PostgreSQL, an equal value replaces the one kept: MIN(0, -0) is -0.
  EXPECT_EQ(aggregate("SELECT MIN(x) FROM input WHERE x = 0", schema, {batch}), (Strings{"-0"}));
}

TEST(SqlAggregate, IntegerSumsNeverOverflowSilently) {
  Schema schema({{"i", DataType{TypeId::int64}, false}, {"j", DataType{TypeId::int32}, false}});
  const std::string max64 = std::to_string(std::numeric_limits<int64_t>::max());
  Batch batch = batch_of(schema, {{max64, max64, max64}, {"2147483647", "2147483647", "2147483647"}});
  // SUM(int64) is exact (numeric); SUM(int32) is int64 and fits.
  EXPECT_EQ(aggregate("SELECT SUM(i), SUM(j), AVG(i) FROM input", schema, {batch}),
            (Strings{"27670116110564327421|6442450941|9223372036854775807.0000000000000000"}));
  // int32 values summing past int64 are impossible in one batch; cast to int64 sums past it.
  CompiledQuery q = compile_ok("SELECT SUM(i::int32) FROM input", schema);
  auto state = q.start();
  EXPECT_FALSE(state->add(batch).is_ok());  // the cast itself overflows int32
  Schema big({{"k", DataType{TypeId::decimal, 38, 0}, false}});
  Batch huge = batch_of(big, {{"99999999999999999999999999999999999999", "1"}});
  CompiledQuery sum = compile_ok("SELECT SUM(k) FROM input", big);
  auto sum_state = sum.start();
  auto added = sum_state->add(huge);
  ASSERT_FALSE(added.is_ok());
  EXPECT_NE(added.status().message().find("numeric field overflow"), std::string::npos)
      << added.status().message();
}

TEST(SqlAggregate, DecimalSumsAreExact) {
  Schema schema({{"p", DataType{TypeId::decimal, 12, 2}, false}});
  std::vector<Opt> values(1000, Opt("0.01"));
  EXPECT_EQ(
      aggregate("SELECT SUM(p), AVG(p), MIN(p), MAX(p) FROM input", schema, {batch_of(schema, {values})}),
      (Strings{"10.00|0.0100000000000000|0.01|0.01"}));
}

TEST(SqlAggregate, VarianceAndStddev) {
  Schema schema({{"x", DataType{TypeId::float64}, true}});
  Batch batch = batch_of(schema, {{"2", "4", "4", "4", "5", "5", "7", "9", std::nullopt}});
  EXPECT_EQ(aggregate("SELECT VAR_POP(x), STDDEV_POP(x), VAR_SAMP(x), STDDEV(x), VARIANCE(x) FROM input",
                      schema, {batch}),
            (Strings{"4|2|4.571428571428571|2.138089935299395|4.571428571428571"}));
  Batch one = batch_of(schema, {{"3"}});
  EXPECT_EQ(aggregate("SELECT VAR_POP(x), VAR_SAMP(x), STDDEV_SAMP(x) FROM input", schema, {one}),
            (Strings{"0|NULL|NULL"}));
}

TEST(SqlAggregate, BoolStringAggAndDistinct) {
  EXPECT_EQ(aggregate("SELECT BOOL_AND(flag), BOOL_OR(flag), EVERY(qty > -5) FROM input"),
            (Strings{"false|true|true"}));
  EXPECT_EQ(aggregate("SELECT STRING_AGG(name, ', ') FROM input"), (Strings{"alice, Bob, élan, "}));
  Schema schema({{"g", DataType{TypeId::int32}, false}, {"u", DataType{TypeId::text}, true}});
  Batch batch = batch_of(schema, {{"1", "1", "1", "2", "2"}, {"a", "a", "b", std::nullopt, "c"}});
  EXPECT_EQ(aggregate("SELECT g, COUNT(DISTINCT u), COUNT(u), APPROX_COUNT_DISTINCT(u), "
                      "STRING_AGG(DISTINCT u, '') FROM input GROUP BY g",
                      schema, {batch}),
            (Strings{"1|2|3|2|ab", "2|1|1|1|c"}));
}

TEST(SqlAggregate, ApproxCountDistinctIsWithinItsStatedError) {
  Schema schema({{"k", DataType{TypeId::int64}, false}});
  std::vector<Opt> keys;
  for (int i = 0; i < 200000; ++i) keys.push_back(std::to_string(i % 100000));
  auto rows = aggregate("SELECT APPROX_COUNT_DISTINCT(k), COUNT(DISTINCT k) FROM input", schema,
                        {batch_of(schema, {keys})});
  ASSERT_EQ(rows.size(), 1u);
  double estimate = std::stod(rows[0].substr(0, rows[0].find('|')));
  EXPECT_EQ(rows[0].substr(rows[0].find('|') + 1), "100000");
  EXPECT_NEAR(estimate, 100000, 100000 * 3 * 0.0163);  // three standard errors
}

TEST(SqlAggregate, ManyGroupsAndLongKeys) {
  Schema schema({{"k", DataType{TypeId::text}, false}, {"v", DataType{TypeId::int64}, false}});
  std::vector<Opt> keys, values;
  const std::string long_prefix(1000, 'x');
  for (int i = 0; i < 1000000; ++i) {
    keys.push_back((i % 1000 == 0 ? long_prefix : std::string()) + std::to_string(i));
    values.push_back(std::to_string(i));
  }
  Batch batch = batch_of(schema, {keys, values});
  CompiledQuery q = compile_ok("SELECT k, COUNT(*), SUM(v) FROM input GROUP BY k", schema);
  auto state = q.start();
  ASSERT_TRUE(state->add(batch).is_ok());
  EXPECT_EQ(state->groups(), 1000000u);
  EXPECT_GT(state->state_bytes(), 1000000u * 16);
  auto out = state->finish();
  ASSERT_TRUE(out.is_ok());
  size_t rows = 0;
  for (const Batch& b : *out) rows += b.num_rows;
  EXPECT_EQ(rows, 1000000u);
  EXPECT_EQ(render(out->front().columns[0], 0), long_prefix + "0");
  EXPECT_EQ(render(out->back().columns[2], out->back().num_rows - 1), "999999");
}

// Splits `batch` into `lanes` batches by `lane_of(row)`.
std::vector<Batch> split(const Batch& batch, int lanes, const std::function<int(size_t)>& lane_of) {
  std::vector<Batch> out;
  for (int lane = 0; lane < lanes; ++lane) {
    Batch part = Batch::empty(batch.schema);
    for (size_t r = 0; r < batch.num_rows; ++r) {
      if (lane_of(r) != lane) continue;
      for (size_t c = 0; c < batch.columns.size(); ++c) part.columns[c].append_from(batch.columns[c], r);
      ++part.num_rows;
    }
    out.push_back(std::move(part));
  }
  return out;
}

TEST(SqlAggregate, MergedPartialStatesEqualOneLane) {
  Schema schema({{"g", DataType{TypeId::text}, true},
                 {"x", DataType{TypeId::float64}, true},
                 {"i", DataType{TypeId::int64}, true}});
  std::vector<Opt> g, x, i;
  for (int r = 0; r < 5000; ++r) {
    g.push_back(r % 17 == 0 ? Opt() : Opt("g" + std::to_string(r % 23)));
    x.push_back(r % 11 == 0 ? Opt() : Opt(std::to_string((r * 37) % 1000 / 10.0)));
    i.push_back(std::to_string(r * 7919 % 100003));
  }
  Batch batch = batch_of(schema, {g, x, i});
  const std::string query =
      "SELECT g, COUNT(*), SUM(i), MIN(x), MAX(x), AVG(i), BOOL_OR(x > 50), APPROX_COUNT_DISTINCT(i) "
      "FROM input GROUP BY g HAVING COUNT(*) > 1";
  Strings one = aggregate(query, schema, {batch});
  std::sort(one.begin(), one.end());
  CompiledQuery q = compile_ok(query, schema);
  EXPECT_TRUE(q.shape().mergeable);
  for (int lanes : {2, 3, 4, 8}) {
    std::vector<std::unique_ptr<QueryState>> states;
    for (const Batch& part : split(batch, lanes, [&](size_t r) { return static_cast<int>(r % lanes); })) {
      states.push_back(q.start({}, MergePart{lanes, static_cast<int>(states.size())}));
      ASSERT_TRUE(states.back()->add(part).is_ok());
    }
    // Each lane gathers its part of the keys from the others and emits it, all at once.
    std::vector<Strings> parts(static_cast<size_t>(lanes));
    std::vector<std::thread> threads;
    for (int lane = 0; lane < lanes; ++lane) {
      threads.emplace_back([&, lane] {
        for (int other = 0; other < lanes; ++other) {
          if (other == lane) continue;
          EXPECT_TRUE(states[lane]->merge(*states[other]).is_ok());
        }
        parts[static_cast<size_t>(lane)] = finish_rows(*states[lane]);
      });
    }
    for (std::thread& thread : threads) thread.join();
    Strings merged;
    for (const Strings& part : parts) {
      EXPECT_LT(part.size(), one.size()) << "each lane emits only its part";
      merged.insert(merged.end(), part.begin(), part.end());
    }
    std::sort(merged.begin(), merged.end());
    EXPECT_EQ(merged, one) << lanes << " lanes";
  }
}

TEST(SqlAggregate, MergedLanesWithoutGroupByGiveOneRow) {
  Schema schema({{"v", DataType{TypeId::int64}, true}});
  CompiledQuery q = compile_ok("SELECT COUNT(*) AS n, SUM(v) AS s FROM input", schema);
  std::vector<std::unique_ptr<QueryState>> states;
  for (int lane = 0; lane < 3; ++lane) states.push_back(q.start({}, MergePart{3, lane}));
  ASSERT_TRUE(states[0]->add(batch_of(schema, {{"1", "2"}})).is_ok());
  ASSERT_TRUE(states[2]->add(batch_of(schema, {{"4", std::nullopt}})).is_ok());
  Strings rows;
  for (int lane = 0; lane < 3; ++lane) {
    for (int other = 0; other < 3; ++other) {
      if (other == lane) continue;
      ASSERT_TRUE(states[lane]->merge(*states[other]).is_ok());
    }
    Strings part = finish_rows(*states[lane]);
    rows.insert(rows.end(), part.begin(), part.end());
  }
  EXPECT_EQ(rows, (Strings{"4|7"}));
}

// Columns k and v, int64.
const Schema& pairs_schema() {
  static const Schema schema({{"k", DataType{TypeId::int64}, false}, {"v", DataType{TypeId::int64}, false}});
  return schema;
}

// Rows k = first .. first + count - 1 (each k % modulo), v = 1, in batches of 8192.
std::vector<Batch> key_batches(int64_t first, int64_t count, int64_t modulo) {
  std::vector<Batch> batches;
  for (int64_t at = first; at < first + count; at += 8192) {
    std::vector<Opt> k, v;
    for (int64_t i = at; i < std::min(first + count, at + 8192); ++i) {
      k.push_back(std::to_string(i % modulo));
      v.push_back("1");
    }
    batches.push_back(batch_of(pairs_schema(), {k, v}));
  }
  return batches;
}

// `count` lanes of a two-phase aggregation, joined as the runtime joins them.
std::vector<std::unique_ptr<QueryState>> joined_lanes(const CompiledQuery& q, int count) {
  std::vector<std::unique_ptr<QueryState>> lanes;
  for (int lane = 0; lane < count; ++lane) lanes.push_back(q.start({}, MergePart{count, lane}));
  for (int lane = 1; lane < count; ++lane) lanes[lane]->join(*lanes[0]);
  return lanes;
}

// Joined lanes: each gathers its part from the others, then all rows, sorted.
Strings merged_rows(std::vector<std::unique_ptr<QueryState>>& lanes) {
  Strings rows;
  for (size_t lane = 0; lane < lanes.size(); ++lane) {
    for (size_t other = 0; other < lanes.size(); ++other) {
      if (other == lane) continue;
      EXPECT_TRUE(lanes[lane]->merge(*lanes[other]).is_ok());
    }
    Strings part = finish_rows(*lanes[lane]);
    rows.insert(rows.end(), part.begin(), part.end());
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(SqlAggregate, JoinedLanesShuffleWhenTheirFirstRowsMakeManyGroups) {
  CompiledQuery q = compile_ok("SELECT k, SUM(v) AS n FROM input GROUP BY k", pairs_schema());
  std::vector<std::unique_ptr<QueryState>> lanes = joined_lanes(q, 2);
  // 70,000 distinct keys in lane 0: more than 0.5 groups per row after 65,536 rows.
  for (const Batch& batch : key_batches(0, 70'000, 1'000'000)) ASSERT_TRUE(lanes[0]->add(batch).is_ok());
  EXPECT_EQ(lanes[0]->lanes_note(),
            "lane 0's first 65536 rows made 65536 groups (1.00 per row; at 0.50 or more the lanes shuffle): "
            "from then on each lane folds every row into the lane that owns its key");
  EXPECT_EQ(lanes[1]->lanes_note(), lanes[0]->lanes_note());
  // From now on a key is held once, by its owner, whichever lane folds it.
  const size_t before = lanes[0]->groups() + lanes[1]->groups();
  const size_t lane0_before = lanes[0]->groups();
  for (const Batch& batch : key_batches(100'000, 1'000, 1'000'000)) {
    ASSERT_TRUE(lanes[1]->add(batch).is_ok());
    ASSERT_TRUE(lanes[0]->add(batch).is_ok());
  }
  EXPECT_EQ(lanes[0]->groups() + lanes[1]->groups(), before + 1'000);
  EXPECT_GT(lanes[0]->groups(), lane0_before) << "lane 1 folded lane 0's part into lane 0";
  Strings rows = merged_rows(lanes);
  ASSERT_EQ(rows.size(), 71'000u);
  EXPECT_EQ(
      std::count_if(rows.begin(), rows.end(), [](const std::string& row) { return row.ends_with("|2"); }),
      1'000);
}

TEST(SqlAggregate, JoinedLanesKeepPreAggregatingAFewKeys) {
  CompiledQuery q = compile_ok("SELECT k, SUM(v) AS n FROM input GROUP BY k", pairs_schema());
  std::vector<std::unique_ptr<QueryState>> lanes = joined_lanes(q, 2);
  for (const Batch& batch : key_batches(0, 70'000, 100)) ASSERT_TRUE(lanes[1]->add(batch).is_ok());
  EXPECT_EQ(lanes[0]->lanes_note(),
            "lane 1's first 65536 rows made 100 groups (0.00 per row; at 0.50 or more the lanes shuffle): "
            "each lane pre-aggregates every key it sees");
  for (const Batch& batch : key_batches(0, 1'000, 100)) ASSERT_TRUE(lanes[0]->add(batch).is_ok());
  EXPECT_EQ(lanes[0]->groups(), 100u) << "lane 0 holds every key it saw";
  Strings rows = merged_rows(lanes);
  ASSERT_EQ(rows.size(), 100u);
  EXPECT_EQ(rows.front(), "0|710");  // 700 rows of lane 1, 10 of lane 0
}

TEST(SqlAggregate, ALaneNotJoinedKeepsItsParts) {
  CompiledQuery q = compile_ok("SELECT k, SUM(v) AS n FROM input GROUP BY k", pairs_schema());
  auto lane = q.start({}, MergePart{2, 0});  // the other lane never joins: no owner to fold into
  for (const Batch& batch : key_batches(0, 70'000, 1'000'000)) ASSERT_TRUE(lane->add(batch).is_ok());
  for (const Batch& batch : key_batches(0, 10'000, 1'000'000)) ASSERT_TRUE(lane->add(batch).is_ok());
  EXPECT_EQ(lane->lanes_note(), "");
  EXPECT_EQ(lane->groups(), 70'000u);
}

TEST(SqlAggregate, JoinedLanesFoldingAtOnceLoseNoRow) {
  CompiledQuery q = compile_ok("SELECT k, COUNT(*) AS n, SUM(v) AS s FROM input GROUP BY k", pairs_schema());
  for (int count : {2, 3}) {
    std::vector<std::unique_ptr<QueryState>> lanes = joined_lanes(q, count);
    // 300,000 rows over 150,000 keys, dealt over the lanes, folded at once: they shuffle midway.
    std::vector<Batch> batches = key_batches(0, 300'000, 150'000);
    std::vector<std::thread> threads;
    for (int lane = 0; lane < count; ++lane) {
      threads.emplace_back([&, lane] {
        for (size_t b = static_cast<size_t>(lane); b < batches.size(); b += static_cast<size_t>(count))
          EXPECT_TRUE(lanes[lane]->add(batches[b]).is_ok());
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_NE(lanes[0]->lanes_note().find("from then on"), std::string::npos) << lanes[0]->lanes_note();
    Strings rows = merged_rows(lanes);
    ASSERT_EQ(rows.size(), 150'000u) << count << " lanes";
    EXPECT_EQ(
        std::count_if(rows.begin(), rows.end(), [](const std::string& row) { return row.ends_with("|2|2"); }),
        150'000)
        << count << " lanes: every key's two rows, once";
  }
}

TEST(SqlAggregate, EmitChangesGivesEachRowsUpdatedGroup) {
  Schema schema({{"k", DataType{TypeId::text}, false}, {"v", DataType{TypeId::int32}, true}});
  CompiledQuery q =
      compile_ok("SELECT k, COUNT(*) AS n, SUM(v) FROM input WHERE v <> 0 GROUP BY k EMIT CHANGES", schema);
  EXPECT_TRUE(q.shape().emit_changes);
  auto state = q.start();
  auto first = state->add(batch_of(schema, {{"a", "b", "a", "c"}, {"1", "2", "3", "0"}}));
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(rows_of(*first), (Strings{"a|1|1", "b|1|2", "a|2|4"}));
  auto second = state->add(batch_of(schema, {{"b", "a"}, {std::nullopt, "5"}}));
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(rows_of(*second), (Strings{"a|3|9"}));  // NULL <> 0 is not true
  EXPECT_EQ(finish_rows(*state), (Strings{}));
}

TEST(SqlAggregate, LimitCountsRowsAfterWhere) {
  Table t = sample_table();
  CompiledQuery q = compile_ok("SELECT id FROM input WHERE id > 1 LIMIT 3", t.schema);
  EXPECT_FALSE(q.is_stateless());
  auto state = q.start();
  auto first = state->add(t.batch);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(rows_of(*first), (Strings{"2", "3", "4"}));
  auto second = state->add(t.batch);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->num_rows, 0u);
  EXPECT_EQ(aggregate("SELECT flag, COUNT(*) FROM input GROUP BY flag LIMIT 2"),
            (Strings{"true|2", "false|2"}));
}

TEST(SqlAggregate, PlanPrintsTheAggregation) {
  Table t = sample_table();
  CompiledQuery q = compile_ok(
      "SELECT UPPER(name) AS n, COUNT(*) AS c FROM input WHERE id > 0 GROUP BY UPPER(name) HAVING COUNT(*) > "
      "1",
      t.schema);
  EXPECT_EQ(
      q.to_string(),
      "SELECT upper(name) AS n:text, count(*) AS c:int64 FROM input WHERE (id > 0) GROUP BY upper(name) "
      "HAVING (count(*) > 1) EMIT FINAL");
  EXPECT_EQ(q.shape().group_keys, (Strings{"UPPER(name)"}));
}

// The planner reads the keys from the parse alone (describe_query) and hash-routes by them:
// they must name what the query groups by. An alias of an aggregate cannot be a key, so
// GROUP BY name there is the input column (as PostgreSQL reads it), not COUNT(*).
TEST(SqlAggregate, ThePlannersGroupKeysAreTheQuerysGroups) {
  auto keys = [](const std::string& query) {
    auto shape = describe_query(query);
    EXPECT_TRUE(std::holds_alternative<QueryShape>(shape)) << query;
    return std::holds_alternative<QueryShape>(shape) ? std::get<QueryShape>(shape).group_keys : Strings{};
  };
  EXPECT_EQ(keys("SELECT COUNT(*) AS name, MIN(id) FROM input GROUP BY name"), (Strings{"name"}));
  EXPECT_EQ(keys("SELECT SUM(qty) + 1 AS name FROM input GROUP BY name"), (Strings{"name"}));
  EXPECT_EQ(keys("SELECT UPPER(name) AS n, COUNT(*) FROM input GROUP BY n"), (Strings{"UPPER(name)"}));
  EXPECT_EQ(keys("SELECT flag, COUNT(*) FROM input GROUP BY 1"), (Strings{"flag"}));
  Table t = sample_table();
  CompiledQuery q = compile_ok("SELECT COUNT(*) AS name, MIN(id) FROM input GROUP BY name", t.schema);
  EXPECT_EQ(q.shape().group_keys, (Strings{"name"}));
  EXPECT_EQ(aggregate("SELECT COUNT(*) AS name FROM input GROUP BY name"),
            (Strings{"1", "1", "1", "1", "1"}));
}

TEST(SqlAggregate, MisusesAreLocatedErrors) {
  EXPECT_EQ(
      first_error("SELECT name, COUNT(*) FROM input"),
      "1:8: error: column 'name' must appear in the GROUP BY clause or be used in an aggregate function\n"
      "SELECT name, COUNT(*) FROM input\n       ^\n");
  EXPECT_EQ(first_error("SELECT id, COUNT(*) FROM input GROUP BY name"),
            "1:8: error: column 'id' must appear in the GROUP BY clause or be used in an aggregate function\n"
            "SELECT id, COUNT(*) FROM input GROUP BY name\n       ^\n");
  EXPECT_EQ(first_error("SELECT id FROM input WHERE COUNT(*) > 1"),
            "1:28: error: aggregate functions are not allowed in WHERE\n"
            "SELECT id FROM input WHERE COUNT(*) > 1\n                           ^\n");
  EXPECT_NE(first_error("SELECT SUM(MAX(qty)) FROM input").find("aggregate function calls cannot be nested"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT COUNT(*) FROM input GROUP BY COUNT(*)").find("not allowed in GROUP BY"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT id FROM input HAVING id > 1").find("'id' must appear in the GROUP BY"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT COUNTT(*) FROM input").find("did you mean 'COUNT'?"), std::string::npos);
  EXPECT_NE(first_error("SELECT SUM(name) FROM input").find("SUM needs a number, not text"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT SUM(*) FROM input").find("SUM(*) is not allowed"), std::string::npos);
  EXPECT_NE(first_error("SELECT MIN(flag) FROM input").find("MIN needs a number, text, date or timestamp"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT * FROM input GROUP BY id").find("SELECT * cannot be used"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT id FROM input EMIT CHANGES").find("EMIT needs an aggregation"),
            std::string::npos);
  EXPECT_NE(first_error("SELECT COUNT(*) FROM input GROUP BY 3").find("GROUP BY position 3 is not in the"),
            std::string::npos);
  EXPECT_NE(
      first_error("SELECT UPPER(DISTINCT name) FROM input").find("DISTINCT is only allowed in aggregate"),
      std::string::npos);
}

}  // namespace
}  // namespace rbc::sql_test
