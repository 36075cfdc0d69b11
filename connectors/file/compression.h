// Compressed files for the file connector: reading a file's bytes through gzip (zlib) or
// zstd (libzstd) when it is compressed, and writing them compressed. The readers above
// (BlockReader, FileChunker) see plain bytes either way.
//
// Detection (`compression: auto`, the default): the name's extension (.gz, .zst), else the
// first bytes (gzip 1f 8b, zstd 28 b5 2f fd). Concatenated gzip members and zstd frames
// read as one stream, so parts appended one after another stay one valid file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/status.h"

namespace rbc::file {

enum class Compression { none, gzip, zstd, detect };

// "none", "gzip", "zstd", "auto"; nullopt for anything else.
std::optional<Compression> compression_named(std::string_view name);
const char* compression_name(Compression compression);
// gzip for ".gz", zstd for ".zst", else none.
Compression compression_of_extension(std::string_view path);
// The path without a compression extension ("orders.csv.gz" -> "orders.csv").
std::string_view without_compression_extension(std::string_view path);

// About how many plain bytes a file holds, without reading it: its size, or for a compressed
// file what its trailer or first frame header says (gzip ISIZE, the last member's size mod
// 4 GiB; a zstd frame's content size, when its writer stored it), at least the compressed
// size; else 4 times that. 0 when it cannot be opened.
uint64_t plain_size_estimate(const std::string& path, Compression compression);

// Reads a file's plain bytes. A corrupt or truncated compressed file is an error naming
// the file and the byte offset (in the compressed file) where reading failed.
class ByteInput {
 public:
  ByteInput();
  ByteInput(const ByteInput&) = delete;
  ByteInput& operator=(const ByteInput&) = delete;
  ~ByteInput();

  // `compression` detect looks at the name, then at the first bytes.
  Status open(const std::string& path, Compression compression);
  // Up to `size` plain bytes into `data`; 0 at the end of the file.
  Result<size_t> read(char* data, size_t size);
  Compression compression() const { return compression_; }
  void close();

 private:
  struct Codec;
  Status fill_raw();
  Status corrupt(const std::string& what) const;

  std::string path_;
  int fd_ = -1;
  Compression compression_ = Compression::none;
  std::vector<char> raw_;  // compressed bytes read and not yet decompressed: [raw_start_, raw_end_)
  size_t raw_start_ = 0, raw_end_ = 0;
  uint64_t raw_offset_ = 0;  // the file offset of raw_[0]
  bool raw_eof_ = false;
  bool in_frame_ = false;  // a gzip member or zstd frame has started and not ended
  std::unique_ptr<Codec> codec_;
};

// Compresses what is written to an open descriptor (or passes it through for none).
class ByteOutput {
 public:
  ByteOutput();
  ByteOutput(const ByteOutput&) = delete;
  ByteOutput& operator=(const ByteOutput&) = delete;
  ~ByteOutput();

  Status open(int fd, std::string path, Compression compression);
  Status write(std::string_view data);
  // Ends the compressed stream (the gzip trailer, the zstd frame's end).
  Status finish();

 private:
  struct Codec;
  Status write_raw(const char* data, size_t size);

  int fd_ = -1;
  std::string path_;
  Compression compression_ = Compression::none;
  std::vector<char> out_;
  std::unique_ptr<Codec> codec_;
};

}  // namespace rbc::file
