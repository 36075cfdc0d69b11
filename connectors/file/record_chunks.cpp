// Cutting a file into chunks of whole records (record_chunks.h).
#include "connectors/file/record_chunks.h"

#include <algorithm>
#include <cstring>

namespace rbc::file {

namespace {

const char* find(const char* p, const char* end, char c) {
  return static_cast<const char*>(std::memchr(p, c, static_cast<size_t>(end - p)));
}

uint64_t count_newlines(const char* p, const char* end) {
  return static_cast<uint64_t>(std::count(p, end, '\n'));
}

// Where the CSV record that starts at `p` ends (after its line break), exactly as
// CsvScanner::scan splits records; nullptr when its end is not in [p, end) and the file
// goes on. `quote` is the first '"' at or after p, or `end`.
const char* csv_record_end(const char* p, const char* end, const char* quote, bool eof, char delimiter) {
  const char* nl = find(p, end, '\n');
  if (nl == nullptr && !eof) return nullptr;
  const char* line_end = nl != nullptr ? nl : end;
  if (quote >= line_end) return nl != nullptr ? nl + 1 : end;  // no quote on the line

  // A quote opens a quoted field only at a field's start; elsewhere it is text.
  const char* s = p;
  for (;;) {
    if (s < end && *s == '"') {
      const char* q = s + 1;
      for (;;) {
        const char* c = find(q, end, '"');
        if (c == nullptr) return eof ? end : nullptr;  // unterminated: malformed up to the end
        if (c + 1 == end && !eof) return nullptr;
        if (c + 1 < end && c[1] == '"') {  // a doubled quote
          q = c + 2;
          continue;
        }
        q = c;
        break;
      }
      s = q + 1;
      if (s == end) return end;
      if (*s == delimiter) {
        ++s;
        continue;
      }
      if (*s == '\n') return s + 1;
      if (*s == '\r' && (s + 1 == end || s[1] == '\n')) {
        if (s + 1 == end) return eof ? end : nullptr;
        return s + 2;
      }
      // Text after a closing quote: malformed; the scanner resumes after the next line break.
      const char* e = find(s, end, '\n');
      if (e == nullptr) return eof ? end : nullptr;
      return e + 1;
    }
    const char* c = s;
    while (c < end && *c != delimiter && *c != '\n') ++c;
    if (c == end && !eof) return nullptr;
    if (c < end && *c == delimiter) {
      s = c + 1;
      continue;
    }
    return c < end ? c + 1 : end;
  }
}

}  // namespace

void cut_records(FileFormat format, char delimiter, std::string_view data, bool eof, size_t max_bytes,
                 size_t max_records, CutProgress& progress) {
  const char* base = data.data();
  const char* end = base + data.size();
  const char* p = base + progress.bytes;
  const char* quote = p;  // the next '"' at or after p (found lazily), or end
  bool quote_known = false;
  while (!progress.full) {
    if (progress.records >= max_records || progress.bytes >= max_bytes) {
      progress.full = true;
      break;
    }
    if (p == end) {
      progress.full = eof;
      break;
    }
    const char* next = nullptr;
    if (format == FileFormat::jsonl) {
      const char* nl = find(p, end, '\n');
      if (nl == nullptr && !eof) break;
      next = nl != nullptr ? nl + 1 : end;
      progress.newlines += nl != nullptr ? 1 : 0;
    } else {
      if (!quote_known || quote < p) {
        const char* q = find(p, end, '"');
        quote = q != nullptr ? q : end;
        quote_known = true;
      }
      next = csv_record_end(p, end, quote, eof, delimiter);
      if (next == nullptr) break;
      progress.newlines += quote >= next ? (next[-1] == '\n' ? 1 : 0) : count_newlines(p, next);
    }
    ++progress.records;
    progress.bytes = static_cast<size_t>(next - base);
    p = next;
  }
}

FileChunker::FileChunker(std::vector<std::string> files, Compression compression, FileFormat format,
                         char delimiter, size_t max_bytes, size_t max_records)
    : files_(std::move(files)),
      compression_(compression),
      format_(format),
      delimiter_(delimiter),
      max_bytes_(std::max<size_t>(1, max_bytes)),
      max_records_(std::max<size_t>(1, max_records)),
      step_(std::clamp<size_t>(max_bytes, 1, size_t{1} << 20)) {}

FileChunker::~FileChunker() = default;

Status FileChunker::open() {
  if (files_.empty()) return Status::internal("file chunker: no file to cut");
  RBC_RETURN_NOT_OK(open_file(0));
  opened_ = true;
  return Status::ok();
}

Status FileChunker::open_file(size_t file) {
  file_ = file;
  eof_ = false;
  carry_.clear();
  next_line_ = 1;
  next_offset_ = 0;
  return input_.open(files_[file], compression_);
}

// Appends the file's next bytes to the chunk: a step, or, while not even one record is
// whole (`grow`), as much as the chunk holds, so a long record is rescanned a logarithmic
// number of times.
Status FileChunker::read_more(Chunk& chunk, bool grow) {
  const size_t want = grow ? std::max(step_, chunk.size) : step_;
  if (chunk.bytes.size() < chunk.size + want) chunk.bytes.resize(chunk.size + want);
  RBC_ASSIGN_OR_RETURN(size_t n, input_.read(chunk.bytes.data() + chunk.size, want));
  if (n == 0) eof_ = true;
  chunk.size += n;
  return Status::ok();
}

Result<bool> FileChunker::next(Chunk& chunk) {
  std::lock_guard lock(mutex_);
  if (!opened_) return Status::internal("file chunker: " + files_.front() + " is not open");
  CutProgress progress;
  for (;;) {
    if (chunk.bytes.size() < carry_.size()) chunk.bytes.resize(carry_.size());
    std::copy(carry_.begin(), carry_.end(), chunk.bytes.begin());
    chunk.size = carry_.size();
    carry_.clear();
    progress = CutProgress{};
    for (;;) {
      cut_records(format_, delimiter_, chunk.view(), eof_, max_bytes_, max_records_, progress);
      if (progress.full) break;
      RBC_RETURN_NOT_OK(read_more(chunk, progress.records == 0));
    }
    carry_.assign(chunk.bytes.begin() + static_cast<std::ptrdiff_t>(progress.bytes),
                  chunk.bytes.begin() + static_cast<std::ptrdiff_t>(chunk.size));
    chunk.size = progress.bytes;
    if (progress.bytes > 0) break;
    // This file is done: go on with the next one, if any.
    if (file_ + 1 == files_.size()) return false;
    RBC_RETURN_NOT_OK(open_file(file_ + 1));
  }
  chunk.file = file_;
  chunk.file_start = next_offset_ == 0;
  chunk.index = next_index_++;
  chunk.first_line = next_line_;
  chunk.offset = next_offset_;
  next_line_ += progress.newlines;
  next_offset_ += progress.bytes;
  return true;
}

}  // namespace rbc::file
