// The value codecs: every printed form parses back to the same value, and the
// accepted alternative spellings read as documented in graph/value_format.h.
#include "graph/value_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "graph/utf8.h"

namespace rbc {
namespace {

// Parses `text` into a one-row column of `type` and prints it again.
std::string reprint(const std::string& type_name, std::string_view text) {
  Column column(*parse_data_type(type_name));
  std::string scratch;
  if (!append_parsed_value(column, text, scratch)) return "<error>";
  std::string out;
  append_formatted_value(out, column, 0);
  return out;
}

TEST(ValueFormat, CanonicalFormsRoundTrip) {
  const std::pair<const char*, const char*> cases[] = {
      {"bool", "true"},
      {"bool", "false"},
      {"int16", "-32768"},
      {"int32", "2147483647"},
      {"int64", "-9223372036854775808"},
      {"float64", "0.1"},
      {"float64", "1e+300"},
      {"float64", "-2.5e-08"},
      {"float64", "NaN"},
      {"float64", "Infinity"},
      {"float64", "-Infinity"},
      {"float32", "3.4028235e+38"},
      {"decimal(12,2)", "-12.50"},
      {"decimal(12,2)", "0.05"},
      {"decimal(38,0)", "99999999999999999999999999999999999999"},
      {"decimal(5,5)", "0.00001"},
      {"date", "2024-02-29"},
      {"date", "1969-12-31"},
      {"date", "0001-01-01"},
      {"timestamp", "2024-01-02 03:04:05.123456"},
      {"timestamp", "1969-12-31 23:59:59.5"},
      {"timestamp", "2000-01-01 00:00:00"},
      {"timestamptz", "2024-06-01 12:00:00+00:00"},
      {"uuid", "123e4567-e89b-12d3-a456-426614174000"},
      {"bytes", "\\x00ff10"},
      {"bytes", "\\x"},
      {"text", "any, \"text\"\n"},
      {"json", "{\"a\": [1, 2]}"},
  };
  for (const auto& [type, text] : cases) EXPECT_EQ(reprint(type, text), text) << type;
}

TEST(ValueFormat, AlternativeSpellings) {
  EXPECT_EQ(reprint("bool", "t"), "true");
  EXPECT_EQ(reprint("bool", "0"), "false");
  EXPECT_EQ(reprint("bool", "TRUE"), "true");
  EXPECT_EQ(reprint("int64", "+42"), "42");
  EXPECT_EQ(reprint("float64", "inf"), "Infinity");
  EXPECT_EQ(reprint("float64", "1.50"), "1.5");
  EXPECT_EQ(reprint("decimal(12,2)", "1.5"), "1.50");
  EXPECT_EQ(reprint("decimal(12,2)", "7"), "7.00");
  EXPECT_EQ(reprint("decimal(12,2)", "1.500"), "1.50");
  EXPECT_EQ(reprint("timestamp", "2024-01-02T03:04:05.1234567"), "2024-01-02 03:04:05.123456");
  EXPECT_EQ(reprint("timestamp", "2024-01-02"), "2024-01-02 00:00:00");
  EXPECT_EQ(reprint("timestamptz", "2024-01-02 03:04:05+02"), "2024-01-02 01:04:05+00:00");
  EXPECT_EQ(reprint("timestamptz", "2024-01-02T03:04:05Z"), "2024-01-02 03:04:05+00:00");
  EXPECT_EQ(reprint("timestamptz", "2024-01-02 00:30:00-0130"), "2024-01-02 02:00:00+00:00");
  EXPECT_EQ(reprint("timestamptz", "2024-01-02 03:04:05"), "2024-01-02 03:04:05+00:00");
  EXPECT_EQ(reprint("uuid", "123E4567E89B12D3A456426614174000"), "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(reprint("bytes", "\\XABCD"), "\\xabcd");
}

TEST(ValueFormat, RejectsMalformedText) {
  const std::pair<const char*, const char*> cases[] = {
      {"bool", "yes"},
      {"int16", "32768"},
      {"int32", "1.0"},
      {"int64", ""},
      {"int64", "12a"},
      {"float64", "1e999"},
      {"float64", "abc"},
      {"decimal(12,2)", "1.234"},
      {"decimal(4,2)", "123.4"},
      {"decimal(12,2)", "."},
      {"date", "2023-02-29"},
      {"date", "2024-1-02"},
      {"timestamp", "2024-01-02 25:00:00"},
      {"timestamp", "2024-01-02 03:04:05+00"},
      {"timestamptz", "2024-01-02 03:04:05+2"},
      {"uuid", "123e4567-e89b-12d3-a456-42661417400"},
      {"bytes", "00ff"},
      {"bytes", "\\x0"},
      {"json", "{\"a\":"},
  };
  for (const auto& [type, text] : cases) EXPECT_EQ(reprint(type, text), "<error>") << type << " " << text;
}

TEST(ValueFormat, FailedParseLeavesColumnUnchanged) {
  Column column(DataType{TypeId::bytes});
  std::string scratch;
  EXPECT_FALSE(append_parsed_value(column, "\\x0g", scratch));
  EXPECT_EQ(column.size(), 0u);
}

TEST(ValueFormat, TimestampsBeforeTheEpochUseFloorDivision) {
  std::string out;
  append_timestamp(out, -1);  // one microsecond before 1970
  EXPECT_EQ(out, "1969-12-31 23:59:59.999999");
  int64_t micros = 0;
  ASSERT_TRUE(parse_timestamp(out, &micros));
  EXPECT_EQ(micros, -1);
}

TEST(ValueFormat, CalendarIsConsistentOverFourCenturies) {
  for (int32_t days = -146097; days <= 146097; days += 7) {
    int64_t year = 0;
    unsigned month = 0, day = 0;
    civil_from_days(days, &year, &month, &day);
    ASSERT_EQ(days_from_civil(year, month, day), days);
  }
}

TEST(ValueFormat, SmallNegativeDecimalKeepsLeadingZero) {
  std::string out;
  append_decimal(out, -static_cast<__int128>(5), 3);
  EXPECT_EQ(out, "-0.005");
}

TEST(ValueFormat, JsonStringEscapesControlCharacters) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\t\x01\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\"");
}

TEST(ValueFormat, JsonStringReplacesInvalidUtf8) {
  // Dead letters and JSONL lines quote raw input: a stray byte must not make them invalid JSON.
  std::string out;
  append_json_string(out, "ok \xc3\xa9 \xff \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80");
  EXPECT_EQ(out, "\"ok \xc3\xa9 \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"");
  EXPECT_TRUE(nlohmann::json::accept(out));
  EXPECT_EQ(scrub_utf8("a\xff"
                       "b\xc3"),
            "a?b?");
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // overlong '/'
  EXPECT_EQ(json_text(nlohmann::json("a\xff")), "\"a\xef\xbf\xbd\"");
}

TEST(ValueFormat, InfinitiesAndYearsBeforeChristReadAndPrintAsPostgres) {
  // 'infinity' printed as the year 294247 (timestamps) or 5881580 (dates), and BC years
  // as astronomical years (0, -43) that PostgreSQL does not read back.
  auto date = [](int32_t days) {
    std::string out;
    append_date(out, days);
    return out;
  };
  auto stamp = [](int64_t micros, bool tz) {
    std::string out;
    tz ? append_timestamptz(out, micros) : append_timestamp(out, micros);
    return out;
  };
  int32_t days = 0;
  int64_t micros = 0;
  ASSERT_TRUE(parse_date("infinity", &days));
  EXPECT_EQ(days, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(date(days), "infinity");
  ASSERT_TRUE(parse_date("-Infinity", &days));
  EXPECT_EQ(date(days), "-infinity");
  ASSERT_TRUE(parse_timestamp("+infinity", &micros));
  EXPECT_EQ(stamp(micros, false), "infinity");
  ASSERT_TRUE(parse_timestamptz("-infinity", &micros));
  EXPECT_EQ(micros, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(stamp(micros, true), "-infinity");

  ASSERT_TRUE(parse_date("0001-01-01 BC", &days));
  EXPECT_EQ(days, -719528);  // astronomical year 0
  EXPECT_EQ(date(days), "0001-01-01 BC");
  EXPECT_EQ(date(-719529), "0002-12-31 BC");
  ASSERT_TRUE(parse_date("0001-02-29 BC", &days));  // 1 BC is a leap year
  EXPECT_FALSE(parse_date("0000-01-01 BC", &days));
  EXPECT_EQ(date(-719162), "0001-01-01");
  ASSERT_TRUE(parse_timestamp("0044-03-15 12:30:00.5 BC", &micros));
  EXPECT_EQ(stamp(micros, false), "0044-03-15 12:30:00.5 BC");
  ASSERT_TRUE(parse_timestamptz("0044-03-15 12:30:00+01 BC", &micros));
  EXPECT_EQ(stamp(micros, true), "0044-03-15 11:30:00+00:00 BC");
}

TEST(ValueFormat, ShortestFloatRoundTrips) {
  for (double value : {0.1, 1.0 / 3, 123456789.125, 5e-324, std::numeric_limits<double>::max()}) {
    std::string out;
    append_float64(out, value);
    double back = 0;
    ASSERT_TRUE(parse_float64(out, &back)) << out;
    EXPECT_EQ(back, value) << out;
  }
}

}  // namespace
}  // namespace rbc
