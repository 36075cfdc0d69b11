// Cutting a file into chunks of whole records (record_chunks.h).
#include "connectors/file/record_chunks.h"

#include <algorithm>
#include <cstring>

namespace rbc::file {

namespace {

constexpr size_t kFilesAhead = 2;   // how many files after the one cut read_ahead() works on
constexpr size_t kBlocksAhead = 4;  // how many blocks it keeps ready per file

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
      step_(std::clamp<size_t>(max_bytes, 1, size_t{1} << 20)) {
  for (size_t i = 0; i < files_.size(); ++i) inputs_.push_back(std::make_unique<FileInput>());
}

FileChunker::~FileChunker() = default;

Status FileChunker::open() {
  if (files_.empty()) return Status::internal("file chunker: no file to cut");
  RBC_RETURN_NOT_OK(open_file(0));
  opened_ = true;
  return Status::ok();
}

Status FileChunker::open_file(size_t file) {
  if (file > 0) {  // done with: its descriptor and decompressor go
    std::lock_guard lock(inputs_[file - 1]->mutex);
    inputs_[file - 1]->input.close();
  }
  file_ = file;
  cutting_.store(file);
  eof_ = false;
  carry_.clear();
  next_line_ = 1;
  next_offset_ = 0;
  FileInput& input = *inputs_[file];
  std::lock_guard lock(input.mutex);
  return open_input(input, file);
}

// Opens the file once (the cut or read_ahead(), whichever comes first), under input.mutex.
Status FileChunker::open_input(FileInput& input, size_t file) {
  if (input.opened) return Status::ok();
  input.opened = true;
  Status opened = input.input.open(files_[file], compression_);
  if (!opened.is_ok()) {
    input.failed = opened;
    return opened;
  }
  input.plain = input.input.compression() == Compression::none;
  return Status::ok();
}

void FileChunker::read_ahead() {
  const size_t from = cutting_.load() + 1;
  size_t done = 0;
  for (size_t f = from; f < files_.size() && f < from + kFilesAhead && done < max_bytes_; ++f) {
    FileInput& input = *inputs_[f];
    std::unique_lock lock(input.mutex, std::try_to_lock);
    if (!lock.owns_lock()) continue;
    if (!open_input(input, f).is_ok()) return;
    while (!input.plain && !input.ended && input.failed.is_ok() && input.blocks.size() < kBlocksAhead &&
           done < max_bytes_) {
      std::vector<char> block(step_);
      Result<size_t> n = input.input.read(block.data(), block.size());
      if (!n.is_ok()) {
        input.failed = n.status();
        return;
      }
      if (*n == 0) {
        input.ended = true;
        break;
      }
      block.resize(*n);
      input.blocks.push_back(std::move(block));
      done += *n;
    }
  }
}

// Appends the file's next bytes to the chunk: a step, or, while not even one record is
// whole (`grow`), as much as the chunk holds, so a long record is rescanned a logarithmic
// number of times.
Status FileChunker::read_more(Chunk& chunk, bool grow) {
  FileInput& input = *inputs_[file_];
  std::lock_guard lock(input.mutex);
  if (!input.blocks.empty()) {  // decompressed ahead: take it in order
    const std::vector<char>& block = input.blocks.front();
    if (chunk.bytes.size() < chunk.size + block.size()) chunk.bytes.resize(chunk.size + block.size());
    std::copy(block.begin(), block.end(), chunk.bytes.begin() + static_cast<std::ptrdiff_t>(chunk.size));
    chunk.size += block.size();
    input.blocks.pop_front();
    return Status::ok();
  }
  RBC_RETURN_NOT_OK(input.failed);
  if (input.ended) {
    eof_ = true;
    return Status::ok();
  }
  const size_t want = grow ? std::max(step_, chunk.size) : step_;
  if (chunk.bytes.size() < chunk.size + want) chunk.bytes.resize(chunk.size + want);
  RBC_ASSIGN_OR_RETURN(size_t n, input.input.read(chunk.bytes.data() + chunk.size, want));
  if (n == 0) {
    input.ended = true;
    eof_ = true;
  }
  chunk.size += n;
  return Status::ok();
}

Result<bool> FileChunker::next(Chunk& chunk, const ClaimLimit& limit) {
  std::lock_guard lock(mutex_);
  if (!opened_) return Status::internal("file chunker: " + files_.front() + " is not open");
  if (next_record_ >= limit.below) return false;
  size_t max_records = limit.max_records > 0 ? std::min(max_records_, limit.max_records) : max_records_;
  max_records = static_cast<size_t>(std::min<uint64_t>(max_records, limit.below - next_record_));
  CutProgress progress;
  for (;;) {
    if (chunk.bytes.size() < carry_.size()) chunk.bytes.resize(carry_.size());
    std::copy(carry_.begin(), carry_.end(), chunk.bytes.begin());
    chunk.size = carry_.size();
    carry_.clear();
    progress = CutProgress{};
    for (;;) {
      cut_records(format_, delimiter_, chunk.view(), eof_, max_bytes_, max_records, progress);
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
  chunk.record = next_record_;
  next_line_ += progress.newlines;
  next_offset_ += progress.bytes;
  next_record_ += progress.records;
  return true;
}

uint64_t estimate_records(const std::vector<std::string>& files, Compression compression) {
  if (files.empty()) return 0;
  uint64_t bytes = 0;
  for (const auto& path : files) bytes += plain_size_estimate(path, compression);
  ByteInput input;
  if (!input.open(files.front(), compression).is_ok()) return 0;
  std::vector<char> sample(256 << 10);
  size_t size = 0;
  while (size < sample.size()) {
    Result<size_t> n = input.read(sample.data() + size, sample.size() - size);
    if (!n.is_ok() || *n == 0) break;
    size += *n;
  }
  if (size == 0) return 0;
  const uint64_t lines = std::max<uint64_t>(1, count_newlines(sample.data(), sample.data() + size));
  return static_cast<uint64_t>(static_cast<double>(bytes) * static_cast<double>(lines) /
                               static_cast<double>(size));
}

}  // namespace rbc::file
