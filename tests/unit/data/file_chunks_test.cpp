// Split files: the record-aligned cut (quotes with line breaks, doubled quotes, CRLF, no
// final line break, a record longer than a chunk, malformed records), checked against the
// record scanner on the whole file; the chunker over a real file; and the file source read
// by several readers in claimed chunks, which must give the rows, the line numbers of its
// errors and its dead letters exactly as one reader does.
#include <gtest/gtest.h>

#include <random>

#include "connectors/file/file_source.h"
#include "connectors/file/record_chunks.h"
#include "connectors/file/record_scanner.h"
#include "data_test_support.h"

namespace rbc {
namespace {

using file::CsvScanner;
using file::CutProgress;
using file::FileFormat;
using file::ScanResult;
using test::read_file;
using test::schema_of;
using test::TempDir;
using test::write_file;

struct Piece {
  std::string text;
  uint64_t first_line = 1;
};

// Cuts `text` (a whole file) into chunks as the chunker does, from data that arrives
// `step` bytes at a time.
std::vector<Piece> cut_all(const std::string& text, size_t max_bytes, size_t max_records,
                           FileFormat format = FileFormat::csv, size_t step = SIZE_MAX) {
  std::vector<Piece> pieces;
  size_t start = 0;
  uint64_t line = 1;
  while (start < text.size()) {
    CutProgress progress;
    size_t have = std::min(text.size() - start, step);
    for (;;) {
      bool eof = start + have == text.size();
      file::cut_records(format, ',', std::string_view(text).substr(start, have), eof, max_bytes, max_records,
                        progress);
      if (progress.full) break;
      have = std::min(text.size() - start, have + step);
    }
    EXPECT_GT(progress.bytes, 0u);
    if (progress.bytes == 0) break;
    pieces.push_back({text.substr(start, progress.bytes), line});
    line += progress.newlines;
    start += progress.bytes;
  }
  return pieces;
}

std::vector<std::string> texts(const std::vector<Piece>& pieces) {
  std::vector<std::string> out;
  out.reserve(pieces.size());
  for (const auto& piece : pieces) out.push_back(piece.text);
  return out;
}

// Every record the scanner finds, as "line:kind:raw:field|field".
std::vector<std::string> scan_records(CsvScanner& scanner) {
  std::vector<std::string> records;
  std::string scratch;
  for (;;) {
    auto scanned = scanner.next();
    EXPECT_TRUE(scanned.is_ok());
    if (!scanned.is_ok() || *scanned == ScanResult::end) break;
    std::string record = std::to_string(scanner.line()) + (*scanned == ScanResult::record ? ":ok:" : ":bad:");
    record += std::string(scanner.raw()) + ":";
    if (*scanned == ScanResult::record) {
      for (const auto& field : scanner.fields())
        record += std::string(CsvScanner::text(field, scratch)) + "|";
    }
    records.push_back(record);
  }
  return records;
}

std::vector<std::string> scan_whole(const std::string& text) {
  CsvScanner scanner(',');
  scanner.open_chunk(text, 1, true);
  return scan_records(scanner);
}

std::vector<std::string> scan_pieces(const std::vector<Piece>& pieces) {
  std::vector<std::string> records;
  for (size_t i = 0; i < pieces.size(); ++i) {
    CsvScanner scanner(',');
    scanner.open_chunk(pieces[i].text, pieces[i].first_line, i == 0);
    auto more = scan_records(scanner);
    records.insert(records.end(), more.begin(), more.end());
  }
  return records;
}

TEST(RecordCut, QuotedLineBreaksAndDoubledQuotesStayInTheirRecord) {
  const std::string csv = "a,b\n1,\"x\ny\"\n2,\"say \"\"hi\"\"\nthere\"\n3,z\n";
  auto pieces = cut_all(csv, 1, 100);  // every record its own chunk
  EXPECT_EQ(texts(pieces),
            (std::vector<std::string>{"a,b\n", "1,\"x\ny\"\n", "2,\"say \"\"hi\"\"\nthere\"\n", "3,z\n"}));
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[1].first_line, 2u);
  EXPECT_EQ(pieces[2].first_line, 4u);
  EXPECT_EQ(pieces[3].first_line, 6u);
  EXPECT_EQ(scan_pieces(pieces), scan_whole(csv));
}

TEST(RecordCut, CrlfAndNoFinalLineBreak) {
  const std::string csv = "a,b\r\n1,\"x\r\ny\"\r\n2,z";
  EXPECT_EQ(texts(cut_all(csv, 1, 100)), (std::vector<std::string>{"a,b\r\n", "1,\"x\r\ny\"\r\n", "2,z"}));
  EXPECT_EQ(scan_pieces(cut_all(csv, 1, 100)), scan_whole(csv));
  EXPECT_EQ(texts(cut_all("x\n\"q\"", 1, 100)), (std::vector<std::string>{"x\n", "\"q\""}));
}

TEST(RecordCut, ARecordLongerThanAChunkIsOneChunk) {
  const std::string long_field(100, 'x');
  const std::string csv = "a\n\"" + long_field + "\n" + long_field + "\"\nb\n";
  // 2 bytes a chunk, the data arriving 8 bytes at a time: the long record waits for its end.
  auto pieces = cut_all(csv, 2, 100, FileFormat::csv, 8);
  EXPECT_EQ(texts(pieces),
            (std::vector<std::string>{"a\n", "\"" + long_field + "\n" + long_field + "\"\n", "b\n"}));
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[2].first_line, 4u);
  // With 8 bytes a chunk, "a\n" is short of them: the long record joins its chunk.
  EXPECT_EQ(cut_all(csv, 8, 100, FileFormat::csv, 8).size(), 2u);
}

TEST(RecordCut, ChunksHoldAtMostMaxRecordsAndAboutMaxBytes) {
  const std::string csv = "h\n1\n2\n3\n4\n5\n6\n";
  EXPECT_EQ(texts(cut_all(csv, 1000, 3)), (std::vector<std::string>{"h\n1\n2\n", "3\n4\n5\n", "6\n"}));
  // A chunk ends at the first record end at or after max_bytes.
  EXPECT_EQ(texts(cut_all(csv, 3, 100)), (std::vector<std::string>{"h\n1\n", "2\n3\n", "4\n5\n", "6\n"}));
}

TEST(RecordCut, QuotesInsideUnquotedFieldsAreText) {
  // 5'11" is an unquoted field: its quote opens nothing, so the next line is a record.
  const std::string csv = "h,w\n5'11\",tall\nx,y\n";
  EXPECT_EQ(texts(cut_all(csv, 1, 100)), (std::vector<std::string>{"h,w\n", "5'11\",tall\n", "x,y\n"}));
  EXPECT_EQ(scan_pieces(cut_all(csv, 1, 100)), scan_whole(csv));
}

TEST(RecordCut, MalformedRecordsEndWhereTheScannerResumes) {
  // Text after a closing quote: the scanner drops the line up to its line break.
  const std::string csv = "h\n\"ab\"c\"d\ne\n";
  EXPECT_EQ(texts(cut_all(csv, 1, 100)), (std::vector<std::string>{"h\n", "\"ab\"c\"d\n", "e\n"}));
  EXPECT_EQ(scan_pieces(cut_all(csv, 1, 100)), scan_whole(csv));
  // An unterminated quote runs to the end of the file.
  EXPECT_EQ(texts(cut_all("h\n\"open\nx\ny\n", 1, 100)), (std::vector<std::string>{"h\n", "\"open\nx\ny\n"}));
}

TEST(RecordCut, JsonLinesEndAtEachLineBreak) {
  const std::string jsonl = "{\"a\":\"x\\ny\"}\n\n{\"a\":2}\r\n{\"a\":3}";
  auto pieces = cut_all(jsonl, 1, 100, FileFormat::jsonl);
  EXPECT_EQ(texts(pieces),
            (std::vector<std::string>{"{\"a\":\"x\\ny\"}\n", "\n", "{\"a\":2}\r\n", "{\"a\":3}"}));
  EXPECT_EQ(pieces[3].first_line, 4u);
}

// Random texts over the characters that matter: parsed chunk by chunk, they give the
// scanner's records of the whole text (the same raw text, fields and line numbers).
TEST(RecordCut, ChunksScanLikeTheWholeFile) {
  std::mt19937 random(42);
  const std::string alphabet = "ab,,\"\"\n\n\r";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t length = random() % 40;
    for (size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    const auto whole = scan_whole(text);
    for (size_t max_bytes : {1, 2, 5, 16}) {
      for (size_t step : {size_t{1}, size_t{3}, SIZE_MAX}) {
        auto pieces = cut_all(text, max_bytes, 2, FileFormat::csv, step);
        std::string joined;
        for (const auto& piece : pieces) joined += piece.text;
        ASSERT_EQ(joined, text);
        ASSERT_EQ(scan_pieces(pieces), whole)
            << "text: " << ::testing::PrintToString(text) << " max_bytes " << max_bytes << " step " << step;
      }
    }
  }
}

TEST(FileChunker, CutsARealFileInOrderAndCountsLines) {
  TempDir dir;
  std::string csv = "\xEF\xBB\xBFid,note\n";
  for (int i = 0; i < 500; ++i)
    csv += std::to_string(i) + (i % 7 == 0 ? ",\"two\nlines, \"\"quoted\"\"\"\r\n" : ",plain\n");
  write_file(dir.file("in.csv"), csv);
  file::FileChunker chunker({dir.file("in.csv")}, file::Compression::detect, FileFormat::csv, ',', 100, 16);
  ASSERT_TRUE(chunker.open().is_ok());
  file::Chunk chunk;
  std::string joined;
  uint64_t expected_line = 1;
  for (uint64_t index = 0;; ++index) {
    auto got = chunker.next(chunk);
    ASSERT_TRUE(got.is_ok());
    if (!*got) break;
    EXPECT_EQ(chunk.index, index);
    EXPECT_EQ(chunk.offset, joined.size());
    EXPECT_EQ(chunk.first_line, expected_line);
    std::string text(chunk.view());
    expected_line += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
    joined += text;
  }
  EXPECT_EQ(joined, csv);
  auto again = chunker.next(chunk);
  ASSERT_TRUE(again.is_ok());
  EXPECT_FALSE(*again);
}

// The autotuner's windows (docs/autotune.md, Files): a claim takes only records before the
// window's end, at most max_records of them; the stream's record ordinals run on.
TEST(FileChunker, ClaimsStopAtTheWindowsEndAndTakeAtMostItsRecords) {
  TempDir dir;
  std::string csv = "id\n";
  for (int i = 0; i < 100; ++i) csv += std::to_string(i) + "\n";
  write_file(dir.file("in.csv"), csv);
  file::FileChunker chunker({dir.file("in.csv")}, file::Compression::detect, FileFormat::csv, ',', 1 << 20,
                            1000);
  ASSERT_TRUE(chunker.open().is_ok());
  file::Chunk chunk;
  std::string joined;
  uint64_t records = 0;
  auto claim = [&](file::ClaimLimit limit) {
    auto got = chunker.next(chunk, limit);
    EXPECT_TRUE(got.is_ok());
    if (!got.is_ok() || !*got) return false;
    EXPECT_EQ(chunk.record, records);
    std::string text(chunk.view());
    records += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
    joined += text;
    return true;
  };
  // The window [0, 30) in chunks of at most 8 records: 8, 8, 8, 6 (the header counts).
  std::vector<uint64_t> sizes;
  for (uint64_t before = records; claim({30, 8}); before = records) sizes.push_back(records - before);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{8, 8, 8, 6}));
  EXPECT_EQ(joined, csv.substr(0, joined.size()));
  EXPECT_FALSE(claim({30, 8}));  // read: nothing more below 30
  ASSERT_TRUE(claim({35, 0}));   // the next window, at the chunker's own limit
  EXPECT_EQ(records, 35u);
  while (claim({})) {  // the rest, with no window
  }
  EXPECT_EQ(joined, csv);
  EXPECT_EQ(records, 101u);
}

StreamRequest request_for(const std::string& path, std::optional<Schema> schema, size_t max_batch_bytes) {
  StreamRequest request;
  request.pipeline = "p";
  request.stream = "s";
  request.config = test::config_of({{"path", path}});
  request.declared_schema = std::move(schema);
  request.max_batch_bytes = max_batch_bytes;
  return request;
}

// Reads a split file as the runner does with `readers` readers: claims go round the
// readers in turn, and each pair of claimed chunks is parsed in reverse order, so a later
// chunk is parsed before an earlier one. Batches are kept in claim (file) order.
Result<test::ReadResult> read_split(Source& source, StreamRequest request, int readers) {
  request.partition_count = readers;
  request.claimed_chunks = true;
  test::ReadResult result;
  RBC_ASSIGN_OR_RETURN(result.schema, source.prepare(request));
  std::vector<std::unique_ptr<PartitionReader>> open;
  for (int i = 0; i < readers; ++i) {
    RBC_ASSIGN_OR_RETURN(auto reader, source.open(request, i));
    open.push_back(std::move(reader));
  }
  for (int turn = 0;; turn += 2) {
    PartitionReader& first = *open[static_cast<size_t>(turn % readers)];
    PartitionReader& second = *open[static_cast<size_t>((turn + 1) % readers)];
    RBC_ASSIGN_OR_RETURN(bool got_first, first.claim());
    if (!got_first) break;
    bool got_second = false;
    if (&second != &first) {
      RBC_ASSIGN_OR_RETURN(got_second, second.claim());
    }
    std::optional<Batch> later;
    if (got_second) {
      RBC_ASSIGN_OR_RETURN(later, second.next());
      if (!later) return Status::internal("a claimed chunk gave no batch");
    }
    RBC_ASSIGN_OR_RETURN(auto earlier, first.next());
    if (!earlier) return Status::internal("a claimed chunk gave no batch");
    result.rows += earlier->num_rows;
    result.batches.push_back(std::move(*earlier));
    if (later) {
      result.rows += later->num_rows;
      result.batches.push_back(std::move(*later));
    }
    if (!got_second && &second != &first) break;
  }
  for (const auto& reader : open) result.rejected += reader->rejected_rows();
  return result;
}

TEST(SplitFile, TwoReadersGiveTheRowsOfOneInFileOrder) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  std::string csv = "\xEF\xBB\xBFid,note,amount\n";
  for (int i = 0; i < 300; ++i) {
    csv += std::to_string(i) + ",";
    csv += i % 5 == 0 ? "\"a \"\"quoted\"\" note\nover two lines\"" : "n" + std::to_string(i);
    csv += "," + std::to_string(i * 3) + (i % 3 == 0 ? "\r\n" : "\n");
  }
  csv += "300,last,0";  // no final line break
  write_file(in, csv);
  auto source = file::make_file_source();
  auto whole = test::read_all(*source, request_for(in, std::nullopt, 1 << 20));
  ASSERT_TRUE(whole.is_ok()) << whole.status().message();
  EXPECT_EQ(whole->rows, 301u);
  for (size_t max_bytes : {size_t{8}, size_t{64}, size_t{1000}}) {
    auto split = read_split(*file::make_file_source(), request_for(in, std::nullopt, max_bytes), 2);
    ASSERT_TRUE(split.is_ok()) << split.status().message();
    EXPECT_EQ(*split->schema, *whole->schema);
    EXPECT_EQ(test::rows_as_text(split->batches), test::rows_as_text(whole->batches)) << max_bytes;
    if (max_bytes == 8) {
      EXPECT_GT(split->batches.size(), 200u);
    }
  }
}

TEST(SplitFile, ChunksRespectMaxBatchRows) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  std::string csv = "x\n";
  for (int i = 0; i < 1000; ++i) csv += std::to_string(i) + "\n";
  write_file(in, csv);
  auto request = request_for(in, std::nullopt, 1 << 20);
  request.max_batch_rows = 100;
  auto split = read_split(*file::make_file_source(), request, 3);
  ASSERT_TRUE(split.is_ok()) << split.status().message();
  EXPECT_EQ(split->rows, 1000u);
  for (const auto& batch : split->batches) EXPECT_LE(batch.num_rows, 100u);
  EXPECT_EQ(split->batches.front().num_rows, 99u);  // the header is the first chunk's first record
}

TEST(SplitFile, DataErrorsNameTheirLineWhicheverReaderParsesThem) {
  TempDir dir;
  const std::string in = dir.file("in.csv");
  std::string csv = "a,b\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(i) + ",\"x\ny\"\n";  // two lines a record
  csv += "oops,z\n";                                                      // line 82
  csv += "41,w\n";
  write_file(in, csv);
  auto schema = schema_of({{"a", "int64"}, {"b", "text"}});
  auto failed = read_split(*file::make_file_source(), request_for(in, schema, 16), 2);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().message(), in + ":82: column \"a\": cannot read \"oops\" as int64");

  auto request = request_for(in, schema, 16);
  request.on_data_error = OnDataError::dlq;
  request.dlq_path = dir.file("dlq.jsonl");
  auto read = read_split(*file::make_file_source(), request, 2);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(read->rows, 41u);
  EXPECT_EQ(read->rejected, 1u);
  EXPECT_NE(read_file(request.dlq_path).find("\"line\":82,"), std::string::npos)
      << read_file(request.dlq_path);
}

TEST(SplitFile, JsonLinesAndHeaderOnlyAndEmptyFiles) {
  TempDir dir;
  std::string jsonl;
  for (int i = 0; i < 50; ++i)
    jsonl += "{\"id\":" + std::to_string(i) + ",\"s\":\"a\\nb\"}\n" + (i % 9 ? "" : "\n");
  write_file(dir.file("in.jsonl"), jsonl);
  auto whole =
      test::read_all(*file::make_file_source(), request_for(dir.file("in.jsonl"), std::nullopt, 1 << 20));
  ASSERT_TRUE(whole.is_ok()) << whole.status().message();
  auto split = read_split(*file::make_file_source(), request_for(dir.file("in.jsonl"), std::nullopt, 10), 2);
  ASSERT_TRUE(split.is_ok()) << split.status().message();
  EXPECT_EQ(test::rows_as_text(split->batches), test::rows_as_text(whole->batches));

  auto schema = schema_of({{"a", "int64"}});
  write_file(dir.file("header.csv"), "a\n");
  auto header_only =
      read_split(*file::make_file_source(), request_for(dir.file("header.csv"), schema, 10), 2);
  ASSERT_TRUE(header_only.is_ok()) << header_only.status().message();
  EXPECT_EQ(header_only->rows, 0u);
  write_file(dir.file("empty.csv"), "");
  auto empty = read_split(*file::make_file_source(), request_for(dir.file("empty.csv"), schema, 10), 2);
  ASSERT_TRUE(empty.is_ok()) << empty.status().message();
  EXPECT_EQ(empty->rows, 0u);
  EXPECT_TRUE(empty->batches.empty());
}

TEST(SplitFile, ReadersOfAWholeFileClaimNothing) {
  TempDir dir;
  write_file(dir.file("a.csv"), "x\n1\n");
  auto source = file::make_file_source();
  auto request = request_for(dir.file("a.csv"), std::nullopt, 1 << 20);
  ASSERT_TRUE(source->prepare(request).is_ok());
  auto reader = source->open(request, 0);
  ASSERT_TRUE(reader.is_ok());
  EXPECT_FALSE((*reader)->claim().is_ok());
}

}  // namespace
}  // namespace rbc
