// The file connector end to end on real files: byte-exact round trips of every type
// through CSV and JSONL, quoting, NULLs, data errors under fail / skip / dlq, write
// modes, and schema inference.
#include <gtest/gtest.h>

#include "connectors/file/file_sink.h"
#include "connectors/file/file_source.h"
#include "connectors/registry.h"
#include "data_test_support.h"

namespace rbc {
namespace {

using test::config_of;
using test::read_file;
using test::schema_of;
using test::TempDir;
using test::write_file;

Schema every_type_schema() {
  return schema_of({{"b", "bool"},
                    {"i16", "int16"},
                    {"i32", "int32"},
                    {"i64", "int64"},
                    {"f32", "float32"},
                    {"f64", "float64"},
                    {"dec", "decimal(10,2)"},
                    {"txt", "text"},
                    {"byt", "bytes"},
                    {"d", "date"},
                    {"ts", "timestamp"},
                    {"tstz", "timestamptz"},
                    {"u", "uuid"},
                    {"j", "json"}});
}

StreamRequest read_request(const std::string& path, std::optional<Schema> schema = std::nullopt,
                           nlohmann::json extra = nlohmann::json::object()) {
  StreamRequest request;
  request.pipeline = "p";
  request.stream = "s";
  extra["path"] = path;
  request.config = config_of(extra);
  request.declared_schema = std::move(schema);
  return request;
}

SinkRequest write_request(const std::string& path, std::shared_ptr<const Schema> schema,
                          WriteMode mode = WriteMode::replace,
                          nlohmann::json extra = nlohmann::json::object()) {
  SinkRequest request;
  request.pipeline = "p";
  request.stream = "s";
  extra["path"] = path;
  request.config = config_of(extra);
  request.schema = std::move(schema);
  request.write_mode = mode;
  return request;
}

file::FileOptions options_for(const std::string& path, file::FileFormat format) {
  file::FileOptions options;
  options.path = path;
  options.format = format;
  return options;
}

// Reads `input` with `schema`, writes the batches back, and returns the written bytes.
std::string round_trip(const TempDir& dir, const std::string& extension, const std::string& input,
                       const Schema& schema, nlohmann::json options = nlohmann::json::object()) {
  const std::string in = dir.file("in." + extension), out = dir.file("out." + extension);
  write_file(in, input);
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(in, schema, options));
  EXPECT_TRUE(read.is_ok()) << read.status().message();
  if (!read.is_ok()) return "";
  auto sink = file::make_file_sink();
  Status written =
      test::write_all(*sink, write_request(out, read->schema, WriteMode::replace, options), {read->batches});
  EXPECT_TRUE(written.is_ok()) << written.message();
  return read_file(out);
}

TEST(FileConnector, CsvRoundTripsEveryTypeByteForByte) {
  TempDir dir;
  const std::string csv =
      "b,i16,i32,i64,f32,f64,dec,txt,byt,d,ts,tstz,u,j\n"
      "true,-32768,2147483647,-9223372036854775808,1.5,0.1,-12.50,hello,\\x00ff10,2024-02-29,"
      "2024-01-02 03:04:05.123456,1969-12-31 23:59:59.5+00:00,123e4567-e89b-12d3-a456-426614174000,"
      "\"{\"\"a\"\":[1,2]}\"\n"
      "false,0,0,0,NaN,-Infinity,0.05,\"a,b\",\\x,1970-01-01,1900-03-01 00:00:00,"
      "2024-06-01 12:00:00+00:00,00000000-0000-0000-0000-000000000000,null\n"
      "true,1,2,3,-0,1e+300,0.00,\"say \"\"hi\"\"\nbye\",\\xff,9999-12-31,2024-01-01 00:00:00.000001,"
      "2024-01-01 00:00:00+00:00,ffffffff-ffff-ffff-ffff-ffffffffffff,\"\"\"text\"\"\"\n"
      "false,2,3,4,Infinity,-2.5e-08,1.00,\"\",\\x41,2000-01-01,2000-01-01 00:00:00,"
      "2000-01-01 00:00:00+00:00,00000000-0000-0000-0000-000000000001,[]\n"
      ",,,,,,,,,,,,,\n";
  EXPECT_EQ(round_trip(dir, "csv", csv, every_type_schema()), csv);
}

TEST(FileConnector, JsonlRoundTripsEveryTypeByteForByte) {
  TempDir dir;
  const std::string jsonl =
      "{\"b\":true,\"i16\":-32768,\"i32\":2147483647,\"i64\":-9223372036854775808,\"f32\":1.5,\"f64\":0.1,"
      "\"dec\":-12.50,\"txt\":\"hello \\\"q\\\"\\n\\u0001\",\"byt\":\"\\\\x00ff10\",\"d\":\"2024-02-29\","
      "\"ts\":\"2024-01-02 03:04:05.123456\",\"tstz\":\"1969-12-31 23:59:59.5+00:00\","
      "\"u\":\"123e4567-e89b-12d3-a456-426614174000\",\"j\":{\"a\":[1,2],\"s\":\"}\"}}\n"
      "{\"b\":false,\"i16\":0,\"i32\":0,\"i64\":0,\"f32\":\"NaN\",\"f64\":\"-Infinity\",\"dec\":0.05,"
      "\"txt\":\"\",\"byt\":\"\\\\x\",\"d\":\"1970-01-01\",\"ts\":\"1900-03-01 00:00:00\","
      "\"tstz\":\"2024-06-01 12:00:00+00:00\",\"u\":\"00000000-0000-0000-0000-000000000000\",\"j\":\"str\"}\n"
      "{\"b\":null,\"i16\":null,\"i32\":null,\"i64\":null,\"f32\":null,\"f64\":null,\"dec\":null,"
      "\"txt\":null,\"byt\":null,\"d\":null,\"ts\":null,\"tstz\":null,\"u\":null,\"j\":null}\n";
  EXPECT_EQ(round_trip(dir, "jsonl", jsonl, every_type_schema()), jsonl);
}

TEST(FileConnector, CsvNullTextAndQuotedEmptyString) {
  TempDir dir;
  auto schema = schema_of({{"a", "text"}, {"b", "int64"}, {"c", "text"}});
  // With null "\N": an unquoted \N is NULL, an unquoted empty text field is "", and a
  // quoted "\N" is the two characters.
  const std::string csv = "a,b,c\n\\N,\\N,\"\\N\"\n,1,x\n\"\",,\"\"\n";
  const std::string in = dir.file("in.csv");
  write_file(in, csv);
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(in, schema, {{"null", "\\N"}}));
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(test::rows_as_text(read->batches), (std::vector<std::string>{"NULL|NULL|\\N", "|1|x", "|NULL|"}));
  EXPECT_EQ(round_trip(dir, "csv", csv, schema, {{"null", "\\N"}}), "a,b,c\n\\N,\\N,\"\\N\"\n,1,x\n,\\N,\n");

  // Default null "": unquoted empty is NULL, quoted "" is the empty string.
  write_file(in, "a,b\n,\n\"\",\"\"\n");
  auto defaults = test::read_all(*source, read_request(in));
  ASSERT_TRUE(defaults.is_ok()) << defaults.status().message();
  EXPECT_EQ(test::rows_as_text(defaults->batches), (std::vector<std::string>{"NULL|NULL", "|"}));
}

TEST(FileConnector, CsvQuotingEdgeCases) {
  TempDir dir;
  auto schema = schema_of({{"a", "text"}, {"b", "text"}});
  // Delimiter, doubled quote, LF and CRLF inside fields; CRLF line ends; no final newline.
  const std::string in = dir.file("in.csv");
  write_file(in, "a,b\r\n\"x,y\",\"he said \"\"no\"\"\"\r\n\"multi\nline\",\"cr\r\nlf\"\r\n\"\",\"last\"");
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(in, schema));
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  ASSERT_EQ(read->rows, 3u);
  const Batch& batch = read->batches[0];
  EXPECT_EQ(batch.columns[0].string_at(0), "x,y");
  EXPECT_EQ(batch.columns[1].string_at(0), "he said \"no\"");
  EXPECT_EQ(batch.columns[0].string_at(1), "multi\nline");
  EXPECT_EQ(batch.columns[1].string_at(1), "cr\r\nlf");
  EXPECT_EQ(batch.columns[0].string_at(2), "");
  EXPECT_FALSE(batch.columns[0].is_null(2));
  EXPECT_EQ(batch.columns[1].string_at(2), "last");

  auto sink = file::make_file_sink();
  const std::string out = dir.file("out.csv");
  ASSERT_TRUE(test::write_all(*sink, write_request(out, read->schema), {read->batches}).is_ok());
  EXPECT_EQ(read_file(out), "a,b\n\"x,y\",\"he said \"\"no\"\"\"\n\"multi\nline\",\"cr\r\nlf\"\n\"\",last\n");
}

TEST(FileConnector, CsvOtherDelimiterWithoutHeader) {
  TempDir dir;
  const std::string in = dir.file("weather.txt");
  write_file(in, "Hamburg;12.0\nBulawayo;8.9\n\"Semi;colon\";-3.5\n");
  auto source = file::make_file_source();
  auto read = test::read_all(
      *source, read_request(in, std::nullopt, {{"format", "csv"}, {"delimiter", ";"}, {"header", false}}));
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(*read->schema, schema_of({{"column1", "text"}, {"column2", "float64"}}));
  EXPECT_EQ(test::rows_as_text(read->batches),
            (std::vector<std::string>{"Hamburg|12", "Bulawayo|8.9", "Semi;colon|-3.5"}));
}

TEST(FileConnector, MalformedCsvFailsWithPathAndLine) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  auto schema = schema_of({{"a", "int64"}, {"b", "text"}});
  auto source = file::make_file_source();
  auto error_of = [&](const std::string& csv) {
    write_file(in, csv);
    auto read = test::read_all(*source, read_request(in, schema));
    return read.is_ok() ? std::string("<ok>") : read.status().message();
  };
  // Line numbers count physical lines, so a quoted line break moves later records down.
  EXPECT_EQ(error_of("a,b\n1,\"two\nlines\"\nx,y\n"), in + ":4: column \"a\": cannot read \"x\" as int64");
  EXPECT_EQ(error_of("a,b\n1,x\n2,y,z\n"), in + ":3: expected 2 fields, found 3");
  EXPECT_EQ(error_of("a,b\n1,x\n2\n"), in + ":3: expected 2 fields, found 1");
  EXPECT_EQ(error_of("a,b\n1,x\n2,\"open\nnever closed\n"), in + ":3: unterminated quoted field");
  EXPECT_EQ(error_of("a,b\n1,\"x\"y\n"), in + ":2: unexpected character after a closing quote");
}

TEST(FileConnector, MalformedRowsAreSkippedAndCounted) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  write_file(in, "a,b\n1,x\nbad,y\n2,y,extra\n3,\"z\"q\n4,w\n");
  auto source = file::make_file_source();
  auto request = read_request(in, schema_of({{"a", "int64"}, {"b", "text"}}));
  request.on_data_error = OnDataError::skip;
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(test::rows_as_text(read->batches), (std::vector<std::string>{"1|x", "4|w"}));
  EXPECT_EQ(read->rejected, 3u);
}

TEST(FileConnector, MalformedRowsGoToTheDeadLetterFile) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  write_file(in, "a,b\n1,x\n\"bad\",\"q\"\"uote\"\n2,y,extra\n3,z\n");
  auto source = file::make_file_source();
  auto request = read_request(in, schema_of({{"a", "int64"}, {"b", "text"}}));
  request.on_data_error = OnDataError::dlq;
  request.dlq_path = dir.file("rejects.jsonl");
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(test::rows_as_text(read->batches), (std::vector<std::string>{"1|x", "3|z"}));
  EXPECT_EQ(read->rejected, 2u);
  EXPECT_EQ(read_file(request.dlq_path),
            "{\"stream\":\"s\",\"origin\":\"" + in +
                "\",\"line\":3,\"reason\":\"column \\\"a\\\": cannot read \\\"bad\\\" as int64\","
                "\"raw\":\"\\\"bad\\\",\\\"q\\\"\\\"uote\\\"\"}\n"
                "{\"stream\":\"s\",\"origin\":\"" +
                in + "\",\"line\":4,\"reason\":\"expected 2 fields, found 3\",\"raw\":\"2,y,extra\"}\n");
}

TEST(FileConnector, MalformedJsonlLines) {
  TempDir dir;
  const std::string in = dir.file("in.jsonl");
  write_file(in, "{\"a\":1,\"b\":\"x\"}\n\n{\"a\":\"one\"}\n{\"a\":2,}\n[1]\n{\"a\":3}\n");
  auto source = file::make_file_source();
  auto request = read_request(in, schema_of({{"a", "int64"}, {"b", "text"}}));
  auto failed = test::read_all(*source, request);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().message(), in + ":3: column \"a\": cannot read \"\"one\"\" as int64");

  request.on_data_error = OnDataError::dlq;
  request.dlq_path = dir.file("dlq.jsonl");
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(test::rows_as_text(read->batches), (std::vector<std::string>{"1|x", "3|NULL"}));
  EXPECT_EQ(read->rejected, 3u);
  std::string dlq = read_file(request.dlq_path);
  EXPECT_NE(dlq.find("\"line\":4,\"reason\":\"expected a member name\",\"raw\":\"{\\\"a\\\":2,}\""),
            std::string::npos)
      << dlq;
  EXPECT_NE(dlq.find("\"line\":5,\"reason\":\"expected a JSON object\",\"raw\":\"[1]\""), std::string::npos)
      << dlq;
}

TEST(FileConnector, ProjectionSelectsAndOrdersColumns) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  write_file(in, "id,name,score\n1,ann,2.5\n2,bob,\n");
  auto source = file::make_file_source();
  auto request = read_request(in);
  request.columns = {"score", "id"};
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(*read->schema, schema_of({{"score", "float64"}, {"id", "int64"}}));
  EXPECT_EQ(test::rows_as_text(read->batches), (std::vector<std::string>{"2.5|1", "NULL|2"}));

  request.columns = {"nope"};
  auto missing = source->prepare(request);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().message(),
            "file source: stream \"s\" has no column \"nope\" (columns: id, name, score)");

  // A declared schema picks header columns by name, in its own order.
  auto declared = test::read_all(*source, read_request(in, schema_of({{"name", "text"}, {"id", "int32"}})));
  ASSERT_TRUE(declared.is_ok()) << declared.status().message();
  EXPECT_EQ(test::rows_as_text(declared->batches), (std::vector<std::string>{"ann|1", "bob|2"}));
}

TEST(FileConnector, InfersCsvTypesFromASample) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  write_file(in,
             "i,f,b,d,ts,tz,zip,t,empty,mixed\n"
             "1,1.5,true,2024-01-01,2024-01-01 10:00:00,2024-01-01 10:00:00+02,007,x,,1\n"
             "-2,3,FALSE,2024-12-31,2024-01-01,2024-01-01 10:00:00Z,010,y,,2.5\n"
             ",,,,,,,,,\n");
  auto schema = file::infer_file_schema(options_for(in, file::FileFormat::csv));
  ASSERT_TRUE(schema.is_ok()) << schema.status().message();
  EXPECT_EQ(*schema, schema_of({{"i", "int64"},
                                {"f", "float64"},
                                {"b", "bool"},
                                {"d", "date"},
                                {"ts", "timestamp"},
                                {"tz", "timestamptz"},
                                {"zip", "text"},
                                {"t", "text"},
                                {"empty", "text"},
                                {"mixed", "float64"}}));
}

TEST(FileConnector, InfersJsonlTypesFromKeys) {
  TempDir dir;
  const std::string in = dir.file("in.jsonl");
  write_file(in,
             "{\"id\":1,\"x\":1.5,\"ok\":true,\"d\":\"2024-01-01\",\"tags\":[1],\"m\":1}\n"
             "{\"id\":2,\"x\":2,\"name\":\"bo\",\"m\":\"one\",\"n\":null}\n");
  auto schema = file::infer_file_schema(options_for(in, file::FileFormat::jsonl));
  ASSERT_TRUE(schema.is_ok()) << schema.status().message();
  EXPECT_EQ(*schema, schema_of({{"id", "int64"},
                                {"x", "float64"},
                                {"ok", "bool"},
                                {"d", "date"},
                                {"tags", "json"},
                                {"m", "json"},
                                {"name", "text"},
                                {"n", "text"}}));
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(in));
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(test::rows_as_text(read->batches),
            (std::vector<std::string>{"1|1.5|true|2024-01-01|[1]|1|NULL|NULL",
                                      "2|2|NULL|NULL|NULL|\"one\"|bo|NULL"}));
}

TEST(FileConnector, BatchesRespectMaxRowsAndLargeFilesCrossBlockBoundaries) {
  TempDir dir;
  const std::string in = dir.file("big.csv");
  // ~9 MiB with a quoted line break in every row, plus one 5 MiB field: records straddle
  // the 4 MiB read blocks and one is larger than a block.
  std::string csv = "id,note\n";
  const int rows = 200000;
  for (int i = 1; i <= rows; ++i) {
    csv += std::to_string(i) + ",\"row " + std::to_string(i) + "\nsecond line, with \"\"quotes\"\"\"\n";
  }
  csv += std::to_string(rows + 1) + "," + std::string(5 << 20, 'z') + "\n";
  write_file(in, csv);
  auto source = file::make_file_source();
  auto request = read_request(in);
  request.max_batch_rows = 7000;
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(read->rows, static_cast<size_t>(rows + 1));
  for (const auto& batch : read->batches) EXPECT_LE(batch.num_rows, 7000u);
  int64_t expected_id = 1;
  for (const auto& batch : read->batches) {
    for (size_t r = 0; r < batch.num_rows; ++r, ++expected_id) {
      ASSERT_EQ(batch.columns[0].value<int64_t>(r), expected_id);
      if (expected_id <= rows) {
        ASSERT_EQ(batch.columns[1].string_at(r),
                  "row " + std::to_string(expected_id) + "\nsecond line, with \"quotes\"");
      } else {
        ASSERT_EQ(batch.columns[1].string_at(r).size(), size_t{5} << 20);
      }
    }
  }
  // A data error after the boundaries still names the right physical line.
  write_file(in, csv + "oops,x\n");
  auto failed = test::read_all(*source, read_request(in));
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().message(), in + ":" + std::to_string(1 + 2 * rows + 1 + 1) +
                                           ": column \"id\": cannot read \"oops\" as int64");
}

TEST(FileConnector, DirectoryPathSelectsTheStreamsFile) {
  TempDir dir;
  write_file(dir.file("orders.jsonl"), "{\"id\":1}\n");
  write_file(dir.file("users.csv"), "id\n7\n");
  auto source = file::make_file_source();
  auto request = read_request(dir.path());
  request.stream = "orders";
  auto orders = test::read_all(*source, request);
  ASSERT_TRUE(orders.is_ok()) << orders.status().message();
  EXPECT_EQ(test::rows_as_text(orders->batches), (std::vector<std::string>{"1"}));
  request.stream = "users";
  auto users = test::read_all(*source, request);
  ASSERT_TRUE(users.is_ok()) << users.status().message();
  EXPECT_EQ(test::rows_as_text(users->batches), (std::vector<std::string>{"7"}));
  request.stream = "missing";
  EXPECT_EQ(source->prepare(request).status().code(), StatusCode::not_found);

  // The sink mirrors the rule: <dir>/<stream>.<format>.
  auto sink = file::make_file_sink();
  auto sink_request =
      write_request(dir.path() + "/out/", users->schema, WriteMode::replace, {{"format", "jsonl"}});
  sink_request.stream = "users";
  ASSERT_TRUE(test::write_all(*sink, sink_request, {users->batches}).is_ok());
  EXPECT_EQ(read_file(dir.file("out/users.jsonl")), "{\"id\":7}\n");
}

TEST(FileConnector, NotPartitionable) {
  TempDir dir;
  write_file(dir.file("a.csv"), "x\n1\n");
  auto source = file::make_file_source();
  auto request = read_request(dir.file("a.csv"));
  request.partition_count = 2;
  EXPECT_FALSE(source->open(request, 1).is_ok());
}

TEST(FileConnector, ReplaceReplacesAtomicallyAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,name\n1,a\n2,b\n");
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(dir.file("in.csv")));
  ASSERT_TRUE(read.is_ok());
  const std::string out = dir.file("out.csv");
  write_file(out, "old,content\nthat,is\nlonger,than the new file\n");
  auto sink = file::make_file_sink();
  auto request = write_request(out, read->schema);
  ASSERT_TRUE(sink->prepare(request).is_ok());
  auto writer = sink->open(request, 0);
  ASSERT_TRUE(writer.is_ok());
  ASSERT_TRUE((*writer)->write(read->batches[0]).is_ok());
  ASSERT_TRUE((*writer)->commit().is_ok());
  // Until finish() the destination is untouched, and locked.
  EXPECT_EQ(read_file(out), "old,content\nthat,is\nlonger,than the new file\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{".out.csv.rbc-lock", "in.csv", "out.csv",
                                                     file::temporary_path("out.csv", 0)}));
  ASSERT_TRUE(sink->finish(request).is_ok());
  EXPECT_EQ(read_file(out), "id,name\n1,a\n2,b\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"in.csv", "out.csv"}));
}

TEST(FileConnector, AppendAddsRowsWithoutASecondHeader) {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,name\n1,a\n");
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(dir.file("in.csv")));
  ASSERT_TRUE(read.is_ok());
  auto sink = file::make_file_sink();
  for (const char* extension : {"csv", "jsonl"}) {
    const std::string out = dir.file(std::string("out.") + extension);
    auto request = write_request(out, read->schema, WriteMode::append);
    ASSERT_TRUE(test::write_all(*sink, request, {read->batches}).is_ok());
    ASSERT_TRUE(test::write_all(*sink, request, {read->batches}).is_ok());
  }
  EXPECT_EQ(read_file(dir.file("out.csv")), "id,name\n1,a\n1,a\n");
  EXPECT_EQ(read_file(dir.file("out.jsonl")), "{\"id\":1,\"name\":\"a\"}\n{\"id\":1,\"name\":\"a\"}\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"in.csv", "out.csv", "out.jsonl"}));
}

TEST(FileConnector, PartitionedWritersArePublishedInPartitionOrder) {
  TempDir dir;
  write_file(dir.file("in.csv"), "id\n1\n2\n3\n");
  auto source = file::make_file_source();
  auto request = read_request(dir.file("in.csv"));
  request.max_batch_rows = 1;
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok());
  ASSERT_EQ(read->batches.size(), 3u);
  auto sink = file::make_file_sink();
  auto write = write_request(dir.file("out.csv"), read->schema);
  write.partition_count = 3;
  ASSERT_TRUE(
      test::write_all(*sink, write, {{read->batches[0]}, {read->batches[1]}, {read->batches[2]}}).is_ok());
  EXPECT_EQ(read_file(dir.file("out.csv")), "id\n1\n2\n3\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"in.csv", "out.csv"}));
}

TEST(FileConnector, AbandonRemovesTemporaryFilesAndKeepsTheDestination) {
  TempDir dir;
  write_file(dir.file("in.csv"), "id\n1\n");
  auto source = file::make_file_source();
  auto read = test::read_all(*source, read_request(dir.file("in.csv")));
  ASSERT_TRUE(read.is_ok());
  write_file(dir.file("out.csv"), "id\n9\n");
  auto sink = file::make_file_sink();
  for (WriteMode mode : {WriteMode::replace, WriteMode::append}) {
    auto request = write_request(dir.file("out.csv"), read->schema, mode);
    request.partition_count = 2;
    ASSERT_TRUE(sink->prepare(request).is_ok());
    auto first = sink->open(request, 0);
    auto second = sink->open(request, 1);
    ASSERT_TRUE(first.is_ok() && second.is_ok());
    ASSERT_TRUE((*first)->write(read->batches[0]).is_ok());
    ASSERT_TRUE((*first)->commit().is_ok());
    ASSERT_TRUE((*second)->write(read->batches[0]).is_ok());
    EXPECT_EQ(dir.entries().size(), 5u);  // in, out, two parts and the lock
    (*second)->abort();
    sink->abandon(request);
    EXPECT_EQ(dir.entries(), (std::vector<std::string>{"in.csv", "out.csv"}));
    EXPECT_EQ(read_file(dir.file("out.csv")), "id\n9\n");
  }
}

TEST(FileConnector, SinkRejectsUpsertAndBadConfig) {
  TempDir dir;
  auto schema = std::make_shared<const Schema>(schema_of({{"id", "int64"}}));
  auto sink = file::make_file_sink();
  EXPECT_FALSE(sink->prepare(write_request(dir.file("out.csv"), schema, WriteMode::upsert)).is_ok());
  auto bad = sink->prepare(write_request(dir.file("out.txt"), schema));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.message(), "file destination: cannot tell the format of " + dir.file("out.txt") +
                               " from its name; set `format: csv` or `format: jsonl`");
  EXPECT_FALSE(
      sink->prepare(write_request(dir.file("o.csv"), schema, WriteMode::replace, {{"delimiter", ";;"}}))
          .is_ok());
}

TEST(ConnectorRegistry, KnowsFileAndGenerator) {
  EXPECT_NE(make_source("file"), nullptr);
  EXPECT_NE(make_source("generator"), nullptr);
  EXPECT_NE(make_sink("file"), nullptr);
  EXPECT_EQ(make_source("nope"), nullptr);
  EXPECT_EQ(make_sink("generator"), nullptr);
}

// The registry's hooks agree with what each spec says the connector can do.
TEST(ConnectorRegistry, HooksMatchTheSpecs) {
  ASSERT_EQ(connectors().size(), connector_specs().size());
  for (size_t i = 0; i < connectors().size(); ++i) {
    const Connector& connector = connectors()[i];
    SCOPED_TRACE(connector.spec.name);
    EXPECT_EQ(&connector.spec, connector_specs()[i]);
    EXPECT_EQ(connector.hooks.make_source != nullptr, connector.spec.can_read);
    EXPECT_EQ(connector.hooks.make_sink != nullptr, connector.spec.can_write);
    EXPECT_EQ(connector.hooks.make_catalog != nullptr, connector.spec.catalog);
    EXPECT_EQ(find_connector(connector.spec.name), &connector);
  }
  EXPECT_EQ(find_connector("nope"), nullptr);
}

}  // namespace
}  // namespace rbc
