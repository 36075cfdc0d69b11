// gzip and zstd reading and writing (compression.h).
#include "connectors/file/compression.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rbc::file {

namespace {

constexpr size_t kRawStep = 1 << 18;
constexpr int kGzipWindowBits = 15 + 16;  // zlib's flag for the gzip wrapper

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

Status errno_status(const std::string& what, const std::string& path) {
  return Status::io_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::optional<Compression> compression_named(std::string_view name) {
  if (name == "none") return Compression::none;
  if (name == "gzip") return Compression::gzip;
  if (name == "zstd") return Compression::zstd;
  if (name == "auto") return Compression::detect;
  return std::nullopt;
}

const char* compression_name(Compression compression) {
  switch (compression) {
    case Compression::none: return "none";
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    case Compression::detect: return "auto";
  }
  return "none";
}

Compression compression_of_extension(std::string_view path) {
  if (ends_with(path, ".gz")) return Compression::gzip;
  if (ends_with(path, ".zst")) return Compression::zstd;
  return Compression::none;
}

std::string_view without_compression_extension(std::string_view path) {
  if (ends_with(path, ".gz")) return path.substr(0, path.size() - 3);
  if (ends_with(path, ".zst")) return path.substr(0, path.size() - 4);
  return path;
}

namespace {

// `detect`: by the path's extension, else by the first bytes' magic number.
Compression detected(const std::string& path, const unsigned char* head, size_t size) {
  Compression by_name = compression_of_extension(path);
  if (by_name != Compression::none) return by_name;
  if (size >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression::gzip;
  if (size >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
    return Compression::zstd;
  return Compression::none;
}

}  // namespace

uint64_t plain_size_estimate(const std::string& path, Compression compression) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat info {};
  unsigned char head[18] = {};
  const ssize_t got = ::fstat(fd, &info) == 0 ? ::pread(fd, head, sizeof head, 0) : -1;
  const auto size = static_cast<uint64_t>(info.st_size);
  if (compression == Compression::detect)
    compression = detected(path, head, got > 0 ? static_cast<size_t>(got) : 0);
  uint64_t plain = size;
  if (compression == Compression::gzip) {
    unsigned char tail[4] = {};
    plain = 4 * size;
    if (size >= 18 && ::pread(fd, tail, sizeof tail, static_cast<off_t>(size - 4)) == 4) {
      const uint64_t isize = tail[0] | tail[1] << 8 | tail[2] << 16 | static_cast<uint64_t>(tail[3]) << 24;
      plain = std::max(size, isize);
    }
  } else if (compression == Compression::zstd) {
    const unsigned long long content = got > 0 ? ZSTD_getFrameContentSize(head, static_cast<size_t>(got)) : 0;
    plain = content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR
                ? 4 * size
                : std::max<uint64_t>(size, content);
  }
  ::close(fd);
  return plain;
}

// ---- reading ----

struct ByteInput::Codec {
  z_stream gzip{};
  bool gzip_ready = false;
  ZSTD_DStream* zstd = nullptr;

  ~Codec() {
    if (gzip_ready) inflateEnd(&gzip);
    if (zstd != nullptr) ZSTD_freeDStream(zstd);
  }
};

ByteInput::ByteInput() = default;
ByteInput::~ByteInput() { close(); }

void ByteInput::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  codec_.reset();
}

Status ByteInput::open(const std::string& path, Compression compression) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return errno_status("open", path);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  raw_start_ = raw_end_ = 0;
  raw_offset_ = 0;
  raw_eof_ = false;
  in_frame_ = false;
  if (compression == Compression::detect) {
    if (compression_of_extension(path) == Compression::none) RBC_RETURN_NOT_OK(fill_raw());
    compression = detected(path, reinterpret_cast<const unsigned char*>(raw_.data()), raw_end_);
  }
  compression_ = compression;
  if (compression_ == Compression::none) return Status::ok();
  codec_ = std::make_unique<Codec>();
  if (compression_ == Compression::gzip) {
    if (inflateInit2(&codec_->gzip, kGzipWindowBits) != Z_OK)
      return Status::internal("zlib: inflateInit2 failed");
    codec_->gzip_ready = true;
  } else {
    codec_->zstd = ZSTD_createDStream();
    if (codec_->zstd == nullptr) return Status::internal("zstd: cannot create a decompression stream");
  }
  return Status::ok();
}

// Moves the unread compressed bytes to the front and reads more after them.
Status ByteInput::fill_raw() {
  if (raw_start_ > 0) {
    std::memmove(raw_.data(), raw_.data() + raw_start_, raw_end_ - raw_start_);
    raw_offset_ += raw_start_;
    raw_end_ -= raw_start_;
    raw_start_ = 0;
  }
  if (raw_.size() < raw_end_ + kRawStep) raw_.resize(raw_end_ + kRawStep);
  for (;;) {
    ssize_t n = ::read(fd_, raw_.data() + raw_end_, raw_.size() - raw_end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("read", path_);
    if (n == 0) raw_eof_ = true;
    raw_end_ += static_cast<size_t>(n);
    return Status::ok();
  }
}

Status ByteInput::corrupt(const std::string& what) const {
  return Status::invalid(path_ + ": " + what + " at byte offset " + std::to_string(raw_offset_ + raw_start_));
}

Result<size_t> ByteInput::read(char* data, size_t size) {
  if (fd_ < 0) return Status::internal("read of " + path_ + " before open");
  if (compression_ == Compression::none) {
    if (raw_start_ < raw_end_) {  // bytes peeked at by open()
      size_t n = std::min(size, raw_end_ - raw_start_);
      std::memcpy(data, raw_.data() + raw_start_, n);
      raw_start_ += n;
      return n;
    }
    for (;;) {
      ssize_t n = ::read(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_status("read", path_);
      return static_cast<size_t>(n);
    }
  }
  const char* kind = compression_ == Compression::gzip ? "gzip" : "zstd";
  size_t produced = 0;
  while (produced == 0) {
    if (raw_start_ == raw_end_) {
      if (raw_eof_) {
        if (in_frame_) return corrupt(std::string("truncated ") + kind + " data: the file ends");
        return size_t{0};
      }
      RBC_RETURN_NOT_OK(fill_raw());
      continue;
    }
    const size_t available = raw_end_ - raw_start_;
    if (compression_ == Compression::gzip) {
      z_stream& z = codec_->gzip;
      z.next_in = reinterpret_cast<Bytef*>(raw_.data() + raw_start_);
      z.avail_in = static_cast<uInt>(available);
      z.next_out = reinterpret_cast<Bytef*>(data + produced);
      z.avail_out = static_cast<uInt>(size - produced);
      in_frame_ = true;
      int rc = inflate(&z, Z_NO_FLUSH);
      const size_t consumed = available - z.avail_in;
      produced = size - z.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        raw_start_ += consumed;
        return corrupt(std::string("corrupt gzip data (") + (z.msg != nullptr ? z.msg : "inflate failed") +
                       ")");
      }
      raw_start_ += consumed;
      if (rc == Z_STREAM_END) {
        in_frame_ = false;
        inflateReset(&z);  // another member may follow
      } else if (rc == Z_BUF_ERROR && consumed == 0 && produced == 0) {
        if (raw_eof_) return corrupt("truncated gzip data: the file ends");
        RBC_RETURN_NOT_OK(fill_raw());
      }
    } else {
      ZSTD_inBuffer in{raw_.data() + raw_start_, available, 0};
      ZSTD_outBuffer out{data + produced, size - produced, 0};
      size_t rc = ZSTD_decompressStream(codec_->zstd, &out, &in);
      if (ZSTD_isError(rc)) {
        raw_start_ += in.pos;
        return corrupt(std::string("corrupt zstd data (") + ZSTD_getErrorName(rc) + ")");
      }
      raw_start_ += in.pos;
      produced += out.pos;
      in_frame_ = rc != 0;
      if (in.pos == 0 && out.pos == 0) {
        if (raw_eof_) return corrupt("truncated zstd data: the file ends");
        RBC_RETURN_NOT_OK(fill_raw());
      }
    }
  }
  return produced;
}

// ---- writing ----

struct ByteOutput::Codec {
  z_stream gzip{};
  bool gzip_ready = false;
  ZSTD_CStream* zstd = nullptr;

  ~Codec() {
    if (gzip_ready) deflateEnd(&gzip);
    if (zstd != nullptr) ZSTD_freeCStream(zstd);
  }
};

ByteOutput::ByteOutput() = default;
ByteOutput::~ByteOutput() = default;

Status ByteOutput::open(int fd, std::string path, Compression compression) {
  fd_ = fd;
  path_ = std::move(path);
  compression_ = compression == Compression::detect ? Compression::none : compression;
  if (compression_ == Compression::none) return Status::ok();
  codec_ = std::make_unique<Codec>();
  out_.resize(1 << 18);
  if (compression_ == Compression::gzip) {
    if (deflateInit2(&codec_->gzip, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      return Status::internal("zlib: deflateInit2 failed");
    codec_->gzip_ready = true;
  } else {
    codec_->zstd = ZSTD_createCStream();
    if (codec_->zstd == nullptr) return Status::internal("zstd: cannot create a compression stream");
    ZSTD_initCStream(codec_->zstd, 3);
  }
  return Status::ok();
}

Status ByteOutput::write_raw(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write", path_);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

Status ByteOutput::write(std::string_view data) {
  if (compression_ == Compression::none) return write_raw(data.data(), data.size());
  if (compression_ == Compression::gzip) {
    z_stream& z = codec_->gzip;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    while (z.avail_in > 0) {
      z.next_out = reinterpret_cast<Bytef*>(out_.data());
      z.avail_out = static_cast<uInt>(out_.size());
      if (deflate(&z, Z_NO_FLUSH) == Z_STREAM_ERROR) return Status::internal("zlib: deflate failed");
      RBC_RETURN_NOT_OK(write_raw(out_.data(), out_.size() - z.avail_out));
    }
    return Status::ok();
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    size_t rc = ZSTD_compressStream(codec_->zstd, &out, &in);
    if (ZSTD_isError(rc)) return Status::internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
    RBC_RETURN_NOT_OK(write_raw(out_.data(), out.pos));
  }
  return Status::ok();
}

Status ByteOutput::finish() {
  if (compression_ == Compression::gzip) {
    z_stream& z = codec_->gzip;
    z.next_in = nullptr;
    z.avail_in = 0;
    for (;;) {
      z.next_out = reinterpret_cast<Bytef*>(out_.data());
      z.avail_out = static_cast<uInt>(out_.size());
      int rc = deflate(&z, Z_FINISH);
      if (rc == Z_STREAM_ERROR) return Status::internal("zlib: deflate failed");
      RBC_RETURN_NOT_OK(write_raw(out_.data(), out_.size() - z.avail_out));
      if (rc == Z_STREAM_END) break;
    }
  } else if (compression_ == Compression::zstd) {
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t left = ZSTD_endStream(codec_->zstd, &out);
      if (ZSTD_isError(left)) return Status::internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      RBC_RETURN_NOT_OK(write_raw(out_.data(), out.pos));
      if (left == 0) break;
    }
  }
  return Status::ok();
}

}  // namespace rbc::file
