// The pgoutput parser and LSN text, on messages captured from PostgreSQL 15
// (pg_logical_slot_peek_binary_changes of an insert, an update and a delete of
// `t (id int PRIMARY KEY, v text)` in one transaction).
#include "connectors/postgres/pg_replication.h"

#include <gtest/gtest.h>

namespace rbc::pg {
namespace {

std::string decode_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

TEST(PgReplication, LsnText) {
  EXPECT_EQ(format_lsn(0x1D446C8), "0/1D446C8");
  EXPECT_EQ(format_lsn((uint64_t{0x16} << 32) | 0xB374D848), "16/B374D848");
  EXPECT_EQ(parse_lsn("16/B374D848"), (uint64_t{0x16} << 32) | 0xB374D848);
  EXPECT_EQ(parse_lsn("0/1d446c8"), 0x1D446C8u);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), UINT64_MAX);
  EXPECT_FALSE(parse_lsn("0/"));
  EXPECT_FALSE(parse_lsn("/1"));
  EXPECT_FALSE(parse_lsn("12345"));
  EXPECT_FALSE(parse_lsn("0/12G"));
  EXPECT_FALSE(parse_lsn("123456789/0"));
}

TEST(PgReplication, ParsesATransaction) {
  PgOutputMessage m;
  // The parsed values view their message: each one stays alive here.
  std::vector<std::string> held;
  auto from_hex = [&held](std::string_view hex) -> const std::string& {
    return held.emplace_back(decode_hex(hex));
  };
  held.reserve(8);
  ASSERT_TRUE(parse_pgoutput(from_hex("420000000001d4483000030501ce1a8c94000002da"), m).is_ok());
  EXPECT_EQ(m.type, 'B');
  EXPECT_EQ(m.commit_lsn, 0x1D44830u);
  EXPECT_EQ(m.commit_time_us, unix_micros_from_pg(0x030501ce1a8c94));

  ASSERT_TRUE(
      parse_pgoutput(
          from_hex("52000040047075626c69630074006400020169640000000017ffffffff00760000000019ffffffff"), m)
          .is_ok());
  EXPECT_EQ(m.type, 'R');
  EXPECT_EQ(m.described.oid, 0x4004u);
  EXPECT_EQ(m.described.schema, "public");
  EXPECT_EQ(m.described.name, "t");
  EXPECT_EQ(m.described.columns, (std::vector<std::string>{"id", "v"}));

  ASSERT_TRUE(parse_pgoutput(from_hex("49000040044e0002620000000400000001620000000161"), m).is_ok());
  EXPECT_EQ(m.type, 'I');
  EXPECT_EQ(m.relation, 0x4004u);
  ASSERT_EQ(m.new_values.size(), 2u);
  EXPECT_EQ(m.new_values[1].kind, 't');
  EXPECT_EQ(m.new_values[1].text, "a");

  ASSERT_TRUE(parse_pgoutput(from_hex("55000040044e0002620000000400000001620000000162"), m).is_ok());
  EXPECT_EQ(m.type, 'U');
  EXPECT_EQ(m.old_kind, 0);
  EXPECT_EQ(m.new_values[1].text, "b");

  ASSERT_TRUE(parse_pgoutput(from_hex("44000040044b00026200000004000000016e"), m).is_ok());
  EXPECT_EQ(m.type, 'D');
  EXPECT_EQ(m.old_kind, 'K');
  ASSERT_EQ(m.old_values.size(), 2u);
  EXPECT_EQ(m.old_values[1].kind, 'n');

  ASSERT_TRUE(parse_pgoutput(from_hex("43000000000001d448300000000001d4486000030501ce1a8c94"), m).is_ok());
  EXPECT_EQ(m.type, 'C');
  EXPECT_EQ(m.commit_lsn, 0x1D44830u);
  EXPECT_EQ(m.end_lsn, 0x1D44860u);
}

TEST(PgReplication, UnchangedToastAndTruncate) {
  PgOutputMessage m;
  // Update of relation 1: id 't' "7", big 'u' (not sent).
  std::string update = std::string("U") + std::string("\0\0\0\1", 4) + "N" + std::string("\0\2", 2) + "t" +
                       std::string("\0\0\0\1", 4) + "7" + "u";
  ASSERT_TRUE(parse_pgoutput(update, m).is_ok());
  ASSERT_EQ(m.new_values.size(), 2u);
  EXPECT_EQ(m.new_values[0].text, "7");
  EXPECT_EQ(m.new_values[1].kind, 'u');
  std::string truncate = std::string("T") + std::string("\0\0\0\2", 4) + std::string("\0", 1) +
                         std::string("\0\0\0\5\0\0\0\6", 8);
  ASSERT_TRUE(parse_pgoutput(truncate, m).is_ok());
  EXPECT_EQ(m.truncated, (std::vector<uint32_t>{5, 6}));
}

TEST(PgReplication, MalformedMessagesAreErrors) {
  PgOutputMessage m;
  EXPECT_FALSE(parse_pgoutput(decode_hex("49000040044e000262000000040000"), m).is_ok());  // cut short
  EXPECT_FALSE(parse_pgoutput(decode_hex("49000040044e0001780000"), m).is_ok());          // kind 'x'
  EXPECT_FALSE(parse_pgoutput(decode_hex("4300"), m).is_ok());
  EXPECT_TRUE(parse_pgoutput(decode_hex("59"), m).is_ok());  // a type message: nothing rbc uses
}

}  // namespace
}  // namespace rbc::pg
