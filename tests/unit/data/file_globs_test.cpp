// Globs and compressed files (issue 20) on real files: gzip and zstd round trips through
// ByteOutput and ByteInput, concatenated members, detection by magic bytes, the byte offset
// of a truncated or corrupt file; globs with `**` in name order; the chunker over several
// files (each file's lines from 1, its header skipped); and the file source over a glob read
// by one reader and by three in claimed chunks, giving the same rows in the same order, also
// in the autotuner's windows of records.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "connectors/file/compression.h"
#include "connectors/file/file_options.h"
#include "connectors/file/file_source.h"
#include "connectors/file/record_chunks.h"
#include "data_test_support.h"

namespace rbc {
namespace {

using file::ByteInput;
using file::ByteOutput;
using file::Compression;
using test::config_of;
using test::read_file;
using test::TempDir;
using test::write_file;

void write_compressed(const std::string& path, const std::vector<std::string>& members,
                      Compression compression) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  for (const auto& text : members) {  // one gzip member (zstd frame) each, concatenated
    ByteOutput out;
    ASSERT_TRUE(out.open(fd, path, compression).is_ok());
    ASSERT_TRUE(out.write(text).is_ok());
    ASSERT_TRUE(out.finish().is_ok());
  }
  ::close(fd);
}

Result<std::string> read_plain(const std::string& path, Compression compression = Compression::detect) {
  ByteInput input;
  RBC_RETURN_NOT_OK(input.open(path, compression));
  std::string text;
  char buffer[1000];
  for (;;) {
    RBC_ASSIGN_OR_RETURN(size_t n, input.read(buffer, sizeof buffer));
    if (n == 0) return text;
    text.append(buffer, n);
  }
}

std::string many_lines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += std::to_string(i) + ",row " + std::to_string(i * 7919 % 1000) + "\n";
  return text;
}

TEST(Compression, GzipAndZstdRoundTripAcrossConcatenatedMembers) {
  TempDir dir;
  const std::string a = many_lines(20000), b = many_lines(300);
  for (auto [name, compression] :
       {std::pair{"x.csv.gz", Compression::gzip}, std::pair{"x.csv.zst", Compression::zstd}}) {
    write_compressed(dir.file(name), {a, b}, compression);
    auto text = read_plain(dir.file(name));
    ASSERT_TRUE(text.is_ok()) << text.status().message();
    EXPECT_EQ(*text, a + b) << name;
  }
  // Detected by the first bytes when the name says nothing.
  std::filesystem::rename(dir.file("x.csv.gz"), dir.file("gzip-inside.csv"));
  EXPECT_EQ(*read_plain(dir.file("gzip-inside.csv")), a + b);
  // compression: none reads the bytes as they are.
  EXPECT_EQ(read_plain(dir.file("gzip-inside.csv"), Compression::none)->substr(0, 2), "\x1f\x8b");
}

TEST(Compression, TruncatedAndCorruptFilesNameTheFileAndByteOffset) {
  TempDir dir;
  write_compressed(dir.file("whole.gz"), {many_lines(20000)}, Compression::gzip);
  const std::string whole = read_file(dir.file("whole.gz"));
  write_file(dir.file("cut.gz"), whole.substr(0, 1000));
  auto cut = read_plain(dir.file("cut.gz"));
  ASSERT_FALSE(cut.is_ok());
  EXPECT_EQ(cut.status().message(),
            dir.file("cut.gz") + ": truncated gzip data: the file ends at byte offset 1000");

  std::string bad = whole;
  bad[3] = '\x7f';  // reserved flag bits in the gzip header
  write_file(dir.file("bad.gz"), bad);
  auto corrupt = read_plain(dir.file("bad.gz"));
  ASSERT_FALSE(corrupt.is_ok());
  EXPECT_EQ(
      corrupt.status().message(),
      dir.file("bad.gz") +
          ": corrupt gzip data (unknown header flags set) at byte offset 4");  // just past the flags byte

  write_compressed(dir.file("whole.zst"), {many_lines(20000)}, Compression::zstd);
  const std::string zst = read_file(dir.file("whole.zst"));
  write_file(dir.file("cut.zst"), zst.substr(0, 500));
  auto cut_zst = read_plain(dir.file("cut.zst"));
  ASSERT_FALSE(cut_zst.is_ok());
  EXPECT_EQ(cut_zst.status().message(),
            dir.file("cut.zst") + ": truncated zstd data: the file ends at byte offset 500");
}

TEST(Globs, MatchNamesAndFoldersInNameOrder) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("b/deep"));
  std::filesystem::create_directories(dir.file("a"));
  for (const char* name : {"orders-2.csv", "orders-10.csv", "other.csv", "a/orders-1.csv",
                           "b/deep/orders-3.csv", ".hidden/orders-9.csv"}) {
    std::filesystem::create_directories(std::filesystem::path(dir.file(name)).parent_path());
    write_file(dir.file(name), "id\n1\n");
  }
  EXPECT_EQ(file::expand_glob(dir.file("orders-*.csv")),
            (std::vector<std::string>{dir.file("orders-10.csv"), dir.file("orders-2.csv")}));
  EXPECT_EQ(file::expand_glob(dir.file("**/orders-*.csv")),
            (std::vector<std::string>{dir.file("a/orders-1.csv"), dir.file("b/deep/orders-3.csv"),
                                      dir.file("orders-10.csv"), dir.file("orders-2.csv")}));
  EXPECT_TRUE(file::expand_glob(dir.file("nothing-*.csv")).empty());
}

TEST(FileChunker, CutsSeveralFilesInOrderEachFromItsFirstLine) {
  TempDir dir;
  write_file(dir.file("a.csv"), "id\n1\n2\n3\n");
  write_compressed(dir.file("b.csv.gz"), {"id\n4\n5\n"}, Compression::gzip);
  write_file(dir.file("c.csv"), "");
  write_file(dir.file("d.csv"), "id\n6\n");
  file::FileChunker chunker({dir.file("a.csv"), dir.file("b.csv.gz"), dir.file("c.csv"), dir.file("d.csv")},
                            Compression::detect, file::FileFormat::csv, ',', 1000, 3);
  ASSERT_TRUE(chunker.open().is_ok());
  file::Chunk chunk;
  std::vector<std::string> seen;
  for (;;) {
    auto got = chunker.next(chunk);
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    if (!*got) break;
    seen.push_back(std::to_string(chunk.index) + " file " + std::to_string(chunk.file) + " line " +
                   std::to_string(chunk.first_line) + (chunk.file_start ? " start: " : ": ") +
                   std::string(chunk.view()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0 file 0 line 1 start: id\n1\n2\n", "1 file 0 line 4: 3\n",
                                            "2 file 1 line 1 start: id\n4\n5\n",
                                            "3 file 3 line 1 start: id\n6\n"}));
}

TEST(FileChunker, ReadAheadKeepsFileOrderAndReportsAnErrorWhereTheCutMeetsIt) {
  TempDir dir;
  std::vector<std::string> files;
  std::string expected;
  for (int f = 0; f < 5; ++f) {
    std::string text = "id\n" + many_lines(3000);
    files.push_back(dir.file("part-" + std::to_string(f) + ".csv.gz"));
    write_compressed(files.back(), {text}, Compression::gzip);
    if (f < 3) expected += text;
  }
  // The fourth file is cut short: its error comes after every chunk of the three before it.
  const std::string whole = read_file(files[3]);
  write_file(files[3], whole.substr(0, whole.size() / 2));
  file::FileChunker chunker(files, Compression::detect, file::FileFormat::csv, ',', 4096, 1000);
  ASSERT_TRUE(chunker.open().is_ok());
  file::Chunk chunk;
  std::string joined;
  Status error;
  for (;;) {
    chunker.read_ahead();  // as a reader does between chunks
    chunker.read_ahead();
    auto got = chunker.next(chunk);
    if (!got.is_ok()) {
      error = got.status();
      break;
    }
    ASSERT_TRUE(*got) << "the truncated file was not reported";
    joined += std::string(chunk.view());
  }
  EXPECT_EQ(joined.substr(0, expected.size()), expected);
  EXPECT_EQ(error.message(), files[3] + ": truncated gzip data: the file ends at byte offset " +
                                 std::to_string(whole.size() / 2));
}

TEST(FileSource, AGlobReadsTheSameRowsWithOneReaderOrThreeInClaimedChunks) {
  TempDir dir;
  std::string expected;
  for (int part = 1; part <= 5; ++part) {
    std::string text = part == 3 ? "name,id\n" : "id,name\n";  // one file lists its columns in another order
    for (int row = 0; row < 400; ++row) {
      const std::string id = std::to_string(part * 1000 + row), name = "n" + std::to_string(row % 13);
      text += part == 3 ? name + "," + id + "\n" : id + "," + name + "\n";
      expected += id + "|" + name + "\n";
    }
    const std::string name = dir.file("part-" + std::to_string(part) + ".csv");
    if (part % 2 == 0) {
      write_compressed(name + ".gz", {text}, Compression::gzip);
    } else {
      write_file(name, text);
    }
  }
  for (bool claimed : {false, true}) {
    StreamRequest request;
    request.pipeline = "p";
    request.stream = "s";
    request.config = config_of({{"path", dir.file("part-*")}, {"format", "csv"}});
    request.max_batch_bytes = 1000;
    auto source = file::make_file_source();
    auto schema = source->prepare(request);
    ASSERT_TRUE(schema.is_ok()) << schema.status().message();
    if (claimed) {
      request.claimed_chunks = true;
      request.partition_count = 3;
      source = file::make_file_source();
      ASSERT_TRUE(source->prepare(request).is_ok());
    }
    std::vector<std::unique_ptr<PartitionReader>> readers;
    for (int i = 0; i < request.partition_count; ++i) {
      auto opened = source->open(request, i);
      ASSERT_TRUE(opened.is_ok()) << opened.status().message();
      readers.push_back(std::move(opened).value());
    }
    std::string rows;
    for (size_t turn = 0;; ++turn) {  // the readers take turns, as the runner lets them
      PartitionReader& reader = *readers[turn % readers.size()];
      if (claimed) {
        auto got = reader.claim();
        ASSERT_TRUE(got.is_ok()) << got.status().message();
        if (!*got) break;
      }
      auto batch = reader.next();
      ASSERT_TRUE(batch.is_ok()) << batch.status().message();
      if (!*batch) break;
      for (const auto& row : test::rows_as_text({**batch})) rows += row + "\n";
    }
    EXPECT_EQ(rows, expected) << (claimed ? "three readers" : "one reader");
  }
}

// A compressed file's plain size is read from its gzip trailer (or its zstd frame header).
TEST(FileGlobs, PlainSizeEstimatesOfCompressedFiles) {
  TempDir dir;
  const std::string text = many_lines(5000);
  write_file(dir.file("x.csv"), text);
  write_compressed(dir.file("x.csv.gz"), {text}, Compression::gzip);
  write_compressed(dir.file("x.csv.zst"), {text}, Compression::zstd);
  for (const char* name : {"x.csv", "x.csv.gz"})
    EXPECT_EQ(file::plain_size_estimate(dir.file(name), Compression::detect), text.size()) << name;
  // A zstd stream written without its size (as ByteOutput writes): 4 times the compressed size.
  EXPECT_EQ(file::plain_size_estimate(dir.file("x.csv.zst"), Compression::detect),
            4 * std::filesystem::file_size(dir.file("x.csv.zst")));
  EXPECT_EQ(file::estimate_records({dir.file("x.csv"), dir.file("x.csv.gz")}, Compression::detect), 10000u);
  EXPECT_EQ(file::plain_size_estimate(dir.file("missing.csv"), Compression::detect), 0u);
}

// The autotuner reads a split glob in windows of its records (docs/autotune.md, Files): each
// window's readers claim its chunks in turn, in smaller batches, until the window is read;
// the rest is read with no window. The rows are the glob's, in order, each once.
TEST(FileGlobs, TunedWindowsOfRecordsReadEveryRowOnceInOrder) {
  TempDir dir;
  std::string expected;
  for (int part = 0; part < 3; ++part) {
    std::string text = "id,name\n";
    for (int i = 0; i < 400; ++i) {
      const std::string id = std::to_string(1000 + part * 1000 + i);  // lines of one length
      text += id + ",n" + id + "\n";
      expected += id + "|n" + id + "\n";
    }
    const std::string name = dir.file("part-" + std::to_string(part) + ".csv");
    if (part == 1) {
      write_compressed(name + ".gz", {text}, Compression::gzip);
    } else {
      write_file(name, text);
    }
  }
  StreamRequest request;
  request.pipeline = "p";
  request.stream = "s";
  request.config = config_of({{"path", dir.file("part-*")}, {"format", "csv"}});
  request.claimed_chunks = true;
  request.partition_count = 2;
  request.sliced_readers = 2;
  auto source = file::make_file_source();
  ASSERT_TRUE(source->prepare(request).is_ok());
  std::optional<KeySpan> span = source->key_span(request);
  ASSERT_TRUE(span.has_value());
  EXPECT_FALSE(span->empty);
  EXPECT_EQ(span->min, 0);
  EXPECT_NEAR(span->estimated_rows, 1203, 1203 * 0.1);  // records: the headers count
  std::vector<std::unique_ptr<PartitionReader>> readers;
  for (int i = 0; i < 2; ++i) readers.push_back(std::move(source->open(request, i)).value());
  std::string rows;
  std::vector<size_t> window_rows;
  // Windows [0, 300), [300, 700), then the rest; batches of at most 64 records in the windows.
  for (std::optional<int64_t> hi :
       {std::optional<int64_t>(300), std::optional<int64_t>(700), std::optional<int64_t>()}) {
    for (auto& reader : readers)
      ASSERT_TRUE(reader->start_slice(KeySlice{0, hi, 1, 0, false, {}, {}}, hi ? 64 : 0).is_ok());
    size_t in_window = 0;
    for (size_t turn = 0;; ++turn) {  // the readers take turns; the first that finds it read ends it
      PartitionReader& reader = *readers[turn % readers.size()];
      auto got = reader.claim();
      ASSERT_TRUE(got.is_ok()) << got.status().message();
      if (!*got) break;
      auto batch = reader.next();
      ASSERT_TRUE(batch.is_ok() && *batch) << (batch.is_ok() ? "no batch" : batch.status().message());
      if (hi) {
        EXPECT_LE((*batch)->num_rows, 64u);
      }
      in_window += (*batch)->num_rows;
      for (const auto& row : test::rows_as_text({**batch})) rows += row + "\n";
    }
    window_rows.push_back(in_window);
  }
  EXPECT_EQ(rows, expected);
  // 300 records: the first file's header and 299 rows; 400 more: its last 101 rows, the
  // second file's header and 298 rows.
  EXPECT_EQ(window_rows, (std::vector<size_t>{299, 399, 502}));
}

}  // namespace
}  // namespace rbc
