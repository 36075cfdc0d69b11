// Type fidelity: the numeric codec on its own, and every supported PostgreSQL type
// round-tripping source table → Batch → destination table, compared by SQL.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_copy.h"
#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;

__int128 parse_i128(const std::string& text) {
  __int128 v = 0;
  bool neg = text[0] == '-';
  for (size_t i = neg ? 1 : 0; i < text.size(); ++i) v = v * 10 + (text[i] - '0');
  return neg ? -v : v;
}

TEST(PostgresNumeric, DecimalRoundTripsThroughNumericBinary) {
  const std::pair<const char*, int> cases[] = {{"0", 0},
                                               {"0", 4},
                                               {"1", 0},
                                               {"-1", 0},
                                               {"1250", 2},
                                               {"5", 2},
                                               {"-5", 2},
                                               {"123456789", 4},
                                               {"10000", 0},
                                               {"100000000000000000000", 0},
                                               {"99999999999999999999999999999999999999", 0},
                                               {"-99999999999999999999999999999999999999", 38},
                                               {"12345678901234567890123456789012345678", 19},
                                               {"1", 38},
                                               {"7", 5}};
  for (const auto& [text, scale] : cases) {
    __int128 value = parse_i128(text);
    std::string wire;
    pg::decimal_to_numeric(value, scale, wire);
    __int128 back = 0;
    ASSERT_TRUE(
        pg::numeric_to_decimal(wire.data() + 4, static_cast<int32_t>(wire.size() - 4), scale, back).is_ok())
        << text;
    EXPECT_TRUE(back == value) << text << " scale " << scale;
  }
}

// The exact wire form PostgreSQL's numeric_recv expects: ndigits, weight, sign, dscale,
// then base-10000 digits without leading or trailing zero groups.
TEST(PostgresNumeric, DecimalEncodesAsPostgresNumericBinary) {
  auto encode = [](const char* text, int scale) {
    std::string wire;
    pg::decimal_to_numeric(parse_i128(text), scale, wire);
    std::vector<int> words;  // the int16 words after the int32 length
    for (size_t at = 4; at + 1 < wire.size(); at += 2)
      words.push_back(
          static_cast<int16_t>((static_cast<uint8_t>(wire[at]) << 8) | static_cast<uint8_t>(wire[at + 1])));
    return words;
  };
  EXPECT_EQ(encode("123456", 2), (std::vector<int>{2, 0, 0, 2, 1234, 5600}));           // 1234.56
  EXPECT_EQ(encode("-5", 2), (std::vector<int>{1, -1, 0x4000, 2, 500}));                // -0.05
  EXPECT_EQ(encode("123456789", 1), (std::vector<int>{3, 1, 0, 1, 1234, 5678, 9000}));  // 12345678.9
  EXPECT_EQ(encode("100000000", 0), (std::vector<int>{1, 2, 0, 0, 1}));                 // 10^8
  EXPECT_EQ(encode("0", 3), (std::vector<int>{0, 0, 0, 3}));                            // 0.000
  EXPECT_EQ(encode("12345678901234567890123456789012345678", 19),                       // 38 digits
            (std::vector<int>{10, 4, 0, 19, 123, 4567, 8901, 2345, 6789, 123, 4567, 8901, 2345, 6780}));
}

TEST(PostgresNumeric, NaNIsADataError) {
  // ndigits 0, weight 0, sign NaN, dscale 0.
  const char nan[8] = {0, 0, 0, 0, '\xC0', 0, 0, 0};
  __int128 out;
  Status status = pg::numeric_to_decimal(nan, 8, 2, out);
  EXPECT_EQ(status.code(), StatusCode::type_error);
  EXPECT_NE(status.message().find("NaN"), std::string::npos);
}

TEST(PostgresTypes, MappingFollowsTheDocumentedTable) {
  auto map = [](uint32_t type_oid, int32_t typmod = -1) {
    pg::PgColumn c;
    c.type_oid = type_oid;
    c.typmod = typmod;
    pg::map_pg_type(c);
    return c;
  };
  EXPECT_EQ(map(pg::oid::kInt8).type.id, TypeId::int64);
  EXPECT_EQ(map(pg::oid::kJsonb).type.id, TypeId::json);
  auto n = map(pg::oid::kNumeric, ((12 << 16) | 2) + 4);
  EXPECT_EQ(n.type, (DataType{TypeId::decimal, 12, 2}));
  EXPECT_EQ(map(pg::oid::kNumeric).wire, pg::WireKind::as_text);  // unconstrained
  EXPECT_EQ(map(1186 /* interval */).wire, pg::WireKind::as_text);
  EXPECT_EQ(map(1007 /* int4[] */).type.id, TypeId::text);
}

const char* kAllTypesDdl =
    "(id int PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, n numeric(20,4), n38 numeric(38,0), f4 real, "
    "f8 double precision, b boolean, t text, vc varchar(10), ch char(5), by bytea, d date, ts timestamp, "
    "tstz timestamptz, iv interval, u uuid, j json, jb jsonb, arr int[], nu numeric)";

const char* kAllTypesRows =
    "(1, -32768, -2147483648, -9223372036854775808, -1234567890123456.5678, "
    " -99999999999999999999999999999999999999, '-Infinity', 'NaN', false, '', '', 'a', '\\x', "
    " '1970-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '1 year 2 mons 3 days 04:05:06.789', "
    " '00000000-0000-0000-0000-000000000000', '{}', '{}', '{}', 'NaN'),"
    "(2, 32767, 2147483647, 9223372036854775807, 9999999999999999.9999, "
    " 99999999999999999999999999999999999999, 'Infinity', 'Infinity', true, "
    " 'héllo wörld ✓ 日本語 🎉 \"q\" ''s'' \\ tab\there', 'abc', 'xyz', '\\xdeadbeef00ff', "
    " '2000-01-01', '2024-02-29 23:59:59.999999', '1999-12-31 23:59:59.123456+05:30', '-1 days', "
    " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\":[1,2,{\"b\":null}]}', '{\"k\": \"v\", \"n\": 1.5}', "
    " '{1,NULL,-3}', 123.456e10),"
    "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    " NULL, NULL, NULL, NULL, NULL),"
    "(4, 0, 0, 0, -0.0001, 0, 'NaN', '-0', true, 'x', 'x', 'x', '\\x00', '0044-03-15 BC', "
    " '1900-06-15 12:00:00.5', '0001-01-01 00:00:00+00', '0', 'ffffffff-ffff-ffff-ffff-ffffffffffff', "
    " '[]', '[1, \"two\", null]', '{{1,2},{3,4}}', '-0.000000000000000000000000000000000000001'),"
    "(5, 1, 1, 1, 0.0001, 1, 1.5, 2.5e-300, false, 'end', 'z', 'z', '\\x01', 'infinity', 'infinity', "
    " '-infinity', '1 mon', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', 'null', '\"s\"', '{}', '1e100')";

const char* kAllTypesSelect =
    "SELECT id, i2::text, i4::text, i8::text, n::text, n38::text, f4::text, f8::text, b::text, t, vc, "
    "ch::text, "
    "by::text, d::text, ts::text, tstz::text, iv::text, u::text, j::text, jb::text, arr::text, nu::text "
    "FROM %s ORDER BY id";

// `normalise_json`: compare json as jsonb, because a created table holds json as jsonb.
std::string select_all(const std::string& table, bool normalise_json = false) {
  std::string sql = kAllTypesSelect;
  if (normalise_json) sql.replace(sql.find("j::text"), 7, "j::jsonb::text");
  return sql.replace(sql.find("%s"), 2, table);
}

TEST(PostgresTypes, EveryTypeRoundTripsIntoAnIdenticalTable) {
  RBC_REQUIRE_PG();
  Sql src(src_url()), dst(dst_url());
  src.exec("DROP TABLE IF EXISTS types_same");
  src.exec(std::string("CREATE TABLE types_same ") + kAllTypesDdl);
  src.exec(std::string("INSERT INTO types_same VALUES ") + kAllTypesRows);
  dst.exec("DROP TABLE IF EXISTS types_same");
  dst.exec(std::string("CREATE TABLE types_same ") + kAllTypesDdl);

  Status status = copy_stream("types_same");
  ASSERT_TRUE(status.is_ok()) << status.message();
  auto expected = src.rows(select_all("types_same"));
  ASSERT_EQ(expected.size(), 5u);
  EXPECT_EQ(dst.rows(select_all("types_same")), expected);
  // Bit-level float checks: -0 and NaN survive.
  EXPECT_EQ(dst.scalar("SELECT f8::text FROM types_same WHERE id = 4"), "-0");
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM types_same WHERE f8 = 'NaN'"), "1");
}

TEST(PostgresTypes, EveryTypeRoundTripsIntoATableTheSinkCreates) {
  RBC_REQUIRE_PG();
  Sql src(src_url()), dst(dst_url());
  src.exec("DROP TABLE IF EXISTS types_new");
  src.exec(std::string("CREATE TABLE types_new ") + kAllTypesDdl);
  src.exec(std::string("INSERT INTO types_new VALUES ") + kAllTypesRows);
  dst.exec("DROP TABLE IF EXISTS types_new");
  dst.exec("DROP SCHEMA IF EXISTS made CASCADE");

  CopyOptions options;
  options.dst_table = "made.types_new";
  options.primary_key = {"id"};
  Status status = copy_stream("types_new", options);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(dst.rows(select_all("made.types_new", true)), src.rows(select_all("types_new", true)));
  // The created table uses the mapped types: json → jsonb, interval/arrays → text.
  auto types = dst.rows(
      "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
      "'made.types_new'::regclass "
      "AND attname IN ('n', 'jb', 'iv', 'arr', 'u', 'tstz') ORDER BY attname");
  std::vector<std::vector<std::string>> want = {{"arr", "text"},
                                                {"iv", "text"},
                                                {"jb", "jsonb"},
                                                {"n", "numeric(20,4)"},
                                                {"tstz", "timestamp with time zone"},
                                                {"u", "uuid"}};
  EXPECT_EQ(types, want);
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'made.types_new'::regclass "
                       "AND contype = 'p'"),
            "1");
}

TEST(PostgresTypes, BatchValuesUseTheRbcEpochAndScale) {
  RBC_REQUIRE_PG();
  Sql src(src_url());
  src.exec("DROP TABLE IF EXISTS epoch_check");
  src.exec("CREATE TABLE epoch_check (d date, ts timestamp, tstz timestamptz, n numeric(10,2), f float8)");
  src.exec(
      "INSERT INTO epoch_check VALUES ('1970-01-02', '1970-01-01 00:00:01', '2000-01-01 00:00:00+00', "
      "-12.5, 'Infinity')");
  auto source = make_postgres_source();
  StreamRequest req;
  req.stream = "epoch_check";
  req.config = url_config(src_url());
  auto schema = source->prepare(req);
  ASSERT_TRUE(schema.is_ok()) << schema.status().message();
  EXPECT_EQ((*schema)->field(3).type, (DataType{TypeId::decimal, 10, 2}));
  auto reader = source->open(req, 0);
  ASSERT_TRUE(reader.is_ok()) << reader.status().message();
  auto batch = (*reader)->next();
  ASSERT_TRUE(batch.is_ok() && batch->has_value());
  const Batch& b = **batch;
  ASSERT_EQ(b.num_rows, 1u);
  EXPECT_EQ(b.columns[0].value<int32_t>(0), 1);
  EXPECT_EQ(b.columns[1].value<int64_t>(0), 1000000);
  EXPECT_EQ(b.columns[2].value<int64_t>(0), 946684800000000LL);
  EXPECT_TRUE(b.columns[3].value<__int128>(0) == -1250);
  EXPECT_TRUE(std::isinf(b.columns[4].value<double>(0)));
  auto end = (*reader)->next();
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(end->has_value());
}

TEST(PostgresTypes, NumericNaNIntoADecimalColumnFailsIsSkippedOrDeadLettered) {
  RBC_REQUIRE_PG();
  Sql src(src_url());
  src.exec("DROP TABLE IF EXISTS numeric_nan");
  src.exec("CREATE TABLE numeric_nan (id int, n numeric(10,2))");
  src.exec("INSERT INTO numeric_nan VALUES (1, 1.5), (2, 'NaN'), (3, 2.25)");
  const std::string dlq = ::testing::TempDir() + "numeric_nan.dlq.jsonl";
  std::remove(dlq.c_str());
  for (OnDataError mode : {OnDataError::fail, OnDataError::skip, OnDataError::dlq}) {
    auto source = make_postgres_source();
    StreamRequest req;
    req.stream = "numeric_nan";
    req.config = url_config(src_url());
    req.on_data_error = mode;
    req.dlq_path = dlq;
    ASSERT_TRUE(source->prepare(req).is_ok());
    auto reader = source->open(req, 0);
    ASSERT_TRUE(reader.is_ok());
    auto batch = (*reader)->next();
    if (mode == OnDataError::fail) {
      ASSERT_FALSE(batch.is_ok());
      EXPECT_NE(batch.status().message().find("\"n\""), std::string::npos) << batch.status().message();
      EXPECT_NE(batch.status().message().find("NaN"), std::string::npos);
    } else {
      ASSERT_TRUE(batch.is_ok()) << batch.status().message();
      ASSERT_EQ((*batch)->num_rows, 2u);
      EXPECT_EQ((*batch)->columns[0].value<int32_t>(1), 3);
      EXPECT_TRUE((*batch)->columns[1].value<__int128>(1) == 225);
      EXPECT_EQ((*reader)->rejected_rows(), 1u);
    }
  }
  // dlq used to fail the read as fail does; the row is in the dead-letter file with the
  // stream, the reader, the reason and the row's values.
  std::ifstream in(dlq);
  std::stringstream letters;
  letters << in.rdbuf();
  EXPECT_EQ(letters.str(),
            "{\"stream\":\"numeric_nan\",\"partition\":0,\"origin\":\"public.numeric_nan\",\"line\":0,"
            "\"reason\":\"postgres: column \\\"n\\\": numeric NaN cannot be represented as a decimal\","
            "\"raw\":\"{\\\"id\\\":\\\"2\\\",\\\"n\\\":\\\"NaN\\\"}\"}\n");
  std::remove(dlq.c_str());
}

}  // namespace
}  // namespace rbc
