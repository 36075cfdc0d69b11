// Staging table names: at most 63 bytes, whole UTF-8 characters, different for tables
// whose names share a long prefix and for different runs, and recognisable per table.
#include "connectors/postgres/pg_replace.h"

#include <gtest/gtest.h>

namespace rbc::pg {
namespace {

TEST(PgReplace, StagingNamesFitAndNeverCollide) {
  std::string prefix(58, 'n');
  TableRef a{"public", prefix + "_a"}, b{"public", prefix + "_b"}, other_schema{"sales", prefix + "_a"};
  TableRef staging_a = staging_name(a, "run-1");
  EXPECT_LE(staging_a.name.size(), 63u);
  EXPECT_EQ(staging_a.schema, "public");
  EXPECT_EQ(staging_a.name.rfind("_rbc_stage_" + std::string(33, 'n') + "_", 0), 0u) << staging_a.name;
  EXPECT_NE(staging_a.name, staging_name(b, "run-1").name);
  EXPECT_NE(staging_a.name, staging_name(other_schema, "run-1").name);
  EXPECT_NE(staging_a.name, staging_name(a, "run-2").name);
  EXPECT_EQ(staging_a.name, staging_name(a, "run-1").name);
  // The same table's staging names differ only in their last 8 characters (the run's hash).
  std::string run2 = staging_name(a, "run-2").name;
  EXPECT_EQ(staging_a.name.substr(0, staging_a.name.size() - 8), run2.substr(0, run2.size() - 8));
}

TEST(PgReplace, StagingNamesCutWholeCharacters) {
  std::string name;
  for (int i = 0; i < 20; ++i) name += "\xc3\xa9";  // é, 2 bytes: 33 bytes would cut one
  TableRef staging = staging_name({"public", name}, "run");
  EXPECT_LE(staging.name.size(), 63u);
  EXPECT_EQ(staging.name.rfind("_rbc_stage_" + name.substr(0, 32) + "_", 0), 0u) << staging.name;
}

}  // namespace
}  // namespace rbc::pg
