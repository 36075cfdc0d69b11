// Cutting a stream's CSV or JSON-lines files into chunks of whole records, in file order
// (the files in name order, each from its start), so that several readers can parse them
// at once (docs/execution.md, "Split files"). A chunk never spans two files.
//
// The cut follows the record boundaries of CsvScanner exactly: a quote opens a quoted field
// only at the start of a field, a quoted field may hold delimiters, doubled quotes and line
// breaks, and a malformed record ends where the scanner resumes. So each chunk, parsed on
// its own, yields the records the whole file would, and the cut never lands inside a quoted
// field. JSON-lines records end at each line break. The cutter counts the line breaks of
// every chunk, so each chunk knows the line its first record starts on.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/file/compression.h"
#include "connectors/file/file_options.h"
#include "graph/status.h"

namespace rbc::file {

// How far a chunk's cut has got: whole records taken from the front of its bytes.
struct CutProgress {
  size_t bytes = 0;       // the bytes of the records taken, line breaks included
  size_t records = 0;     // records taken (blank lines count; the header too)
  uint64_t newlines = 0;  // line breaks in those bytes, inside quoted fields too
  bool full = false;      // a limit was reached, or the data ended at the end of the file
};

// Takes whole records from `data` (a file's bytes from a record's start) after the
// `progress.bytes` already taken, until `max_records` are taken, or at least `max_bytes`,
// or the data runs out. A record whose end is not in `data` is taken only when `eof` (the
// file ends at the data's end). Called again with more data, it carries on where it stopped.
void cut_records(FileFormat format, char delimiter, std::string_view data, bool eof, size_t max_bytes,
                 size_t max_records, CutProgress& progress);

// One chunk: its bytes (whole records), where it stands in its file.
struct Chunk {
  std::vector<char> bytes;  // capacity is kept from chunk to chunk; `size` bytes are the chunk
  size_t size = 0;
  uint64_t index = 0;       // 0, 1, 2, ... over the stream, in file order
  size_t file = 0;          // which of the stream's files (FileOptions::files)
  bool file_start = false;  // the file's first chunk (its byte order mark and header)
  uint64_t first_line = 1;  // the line the chunk starts on (from 1)
  uint64_t offset = 0;      // its first byte's offset in the (decompressed) file
  uint64_t record = 0;      // its first record's ordinal over the stream (headers count)

  std::string_view view() const { return {bytes.data(), size}; }
};

// Cuts files into chunks of at most `max_records` records and about `max_bytes` bytes (a
// chunk ends at the first record end at or after max_bytes; one record longer than that is
// one chunk). A file is read in steps, never whole (decompressed as it is read): the bytes
// read past a cut are kept for the next chunk. Shared by a stream's readers; next() hands
// out one chunk at a time. The cut is serial, so decompressing in it would be too: readers
// call read_ahead() between chunks to decompress the next compressed files' first blocks
// in parallel (each file under its own lock; a few blocks per file, two files ahead).
// The autotuner reads a stream in windows of consecutive records (docs/autotune.md, Files):
// a claim may be limited to the records before a window's end, in smaller chunks.
struct ClaimLimit {
  uint64_t below = UINT64_MAX;  // only records whose ordinal is below this
  size_t max_records = 0;       // at most this many records in the chunk; 0: the chunker's limit
};

class FileChunker {
 public:
  FileChunker(std::vector<std::string> files, Compression compression, FileFormat format, char delimiter,
              size_t max_bytes, size_t max_records);
  FileChunker(const FileChunker&) = delete;
  FileChunker& operator=(const FileChunker&) = delete;
  ~FileChunker();

  // Opens the first file.
  Status open();
  // The file's next chunk into `chunk`; false after the last one, or when the next record
  // is at or past `limit.below`.
  Result<bool> next(Chunk& chunk, const ClaimLimit& limit = {});
  // Decompresses up to about one chunk's bytes of the compressed files after the one being
  // cut, for the cut to take later; called outside next(), never blocks on a busy file.
  void read_ahead();

 private:
  // One file's input: read by the cut and, ahead of it, by read_ahead(), under `mutex`.
  struct FileInput {
    std::mutex mutex;
    ByteInput input;
    bool opened = false, ended = false, plain = false;
    Status failed;                         // met ahead; reported when the cut gets there
    std::deque<std::vector<char>> blocks;  // decompressed ahead, not yet cut
  };
  Status read_more(Chunk& chunk, bool grow);
  Status open_file(size_t file);
  Status open_input(FileInput& input, size_t file);

  std::mutex mutex_;
  std::vector<std::string> files_;
  Compression compression_;
  size_t file_ = 0;                 // the file being cut
  std::atomic<size_t> cutting_{0};  // file_, for read_ahead()
  bool opened_ = false;
  std::vector<std::unique_ptr<FileInput>> inputs_;
  FileFormat format_;
  char delimiter_;
  size_t max_bytes_, max_records_, step_;
  bool eof_ = false;
  std::vector<char> carry_;  // bytes read past the last cut: the start of the next chunk
  uint64_t next_index_ = 0, next_line_ = 1, next_offset_ = 0;  // line and offset: in file_
  uint64_t next_record_ = 0;                                   // over the stream
};

// About how many records `files` hold (for the autotuner's windows): their plain bytes
// (plain_size_estimate) over the bytes per line break of the first file's first 256 KiB.
uint64_t estimate_records(const std::vector<std::string>& files, Compression compression);

}  // namespace rbc::file
