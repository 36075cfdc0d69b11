// What the file connector can do, and what the compiler learns from the files themselves
// (built into the libpq-free rbc_connector_specs, which links this folder's library).
#include <cstdio>
#include <filesystem>

#include "connectors/file/file_options.h"
#include "connectors/file/file_source.h"
#include "connectors/file/record_scanner.h"
#include "connectors/specs/connector_specs.h"
#include "connectors/specs/option_checks.h"

namespace rbc {
namespace {

// The schema inferred from the file's header and a sample.
std::optional<Schema> infer_schema(const Config& config, const std::string& stream) {
  auto options = file::resolve_file_options(config, stream, file::FileRole::source);
  if (!options.is_ok()) return std::nullopt;  // the run reports a missing file with its reason
  auto schema = file::infer_file_schema(*options);
  if (!schema.is_ok()) return std::nullopt;
  return *schema;
}

// "850 bytes", "132.0 KiB", "1.2 GiB".
std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

// A file is cut into chunks for several readers when it holds at least two batches'
// bytes (2 × max_batch_bytes): a reader parses one chunk of about max_batch_bytes into
// one batch, so a smaller file gives a second reader nothing to do.
// What the plan calls a stream's compressed files: "gzip ", "zstd " or "".
std::string compression_word(const file::FileOptions& options) {
  file::Compression compression = options.compression;
  if (compression == file::Compression::detect) compression = file::compression_of_extension(options.path);
  return compression == file::Compression::none ? "" : std::string(file::compression_name(compression)) + " ";
}

// Several files (a glob) are cut into chunks too: a chunk never spans two files, so each
// file gives the readers at least one chunk of its own.
ConnectorSpec::Split split_reads(const Config& config, const std::string& stream, int64_t max_batch_bytes) {
  auto options = file::resolve_file_options(config, stream, file::FileRole::source);
  if (!options.is_ok()) return {false, "no file to measure before the run"};
  std::error_code error;
  const bool csv = options->format == file::FileFormat::csv;
  const std::string kind = compression_word(*options) + (csv ? "CSV" : "JSON-lines");
  if (options->files.size() > 1) {
    uint64_t total = 0;
    size_t gzip = 0, zstd = 0;
    for (const auto& path : options->files) {
      total += std::filesystem::file_size(path, error);
      file::Compression compression = options->compression;
      if (compression == file::Compression::detect) compression = file::compression_of_extension(path);
      gzip += compression == file::Compression::gzip;
      zstd += compression == file::Compression::zstd;
    }
    std::string what = "a glob of " + std::to_string(options->files.size()) + (csv ? " CSV" : " JSON-lines") +
                       " files (" + human_size(total);
    if (gzip > 0) what += ", " + std::to_string(gzip) + " gzip";
    if (zstd > 0) what += ", " + std::to_string(zstd) + " zstd";
    return {true, what + ") matching " + options->pattern};
  }
  const uint64_t size = std::filesystem::file_size(options->path, error);
  if (error) return {false, "no file to measure before the run"};
  std::string what = "a " + human_size(size) + " " + kind + " file";
  if (!options->pattern.empty()) what += " (the one match of " + options->pattern + ")";
  const uint64_t two_batches = 2 * static_cast<uint64_t>(std::max<int64_t>(1, max_batch_bytes));
  if (size < two_batches) {
    return {false, what + " is smaller than two batches of max_batch_bytes " + human_size(two_batches / 2) +
                       ": one reader parses it"};
  }
  if (csv && options->header) {
    file::CsvScanner scanner(options->delimiter);
    if (scanner.open(options->path, options->compression).is_ok()) {
      auto header = scanner.next();
      auto record = header.is_ok() && *header != file::ScanResult::end ? scanner.next() : header;
      if (record.is_ok() && *record == file::ScanResult::end) return {false, what + " holds only its header"};
    }
  }
  return {true, what};
}

// Two sinks write the same file when their paths resolve to one.
std::string destination_key(const Config& config, const std::string& target) {
  auto options = file::resolve_file_options(config, target, file::FileRole::sink);
  if (!options.is_ok()) return {};
  std::error_code error;
  return "file:" + std::filesystem::weakly_canonical(options->path, error).string();
}

// A glob that matches no file is located at the path; a destination is one file, not a glob.
std::optional<ConfigProblem> check_glob(const Config& config, bool reading) {
  auto it = config.values.find("path");
  if (it == config.values.end() || !it->is_string() || !file::is_glob(it->get<std::string>()))
    return std::nullopt;
  const std::string pattern = it->get<std::string>();
  if (!reading) {
    return ConfigProblem{"path", std::nullopt, "a destination `path` is one file, not a glob: " + pattern,
                         "a directory path (ending in '/') writes one file per stream"};
  }
  if (!file::expand_glob(pattern).empty()) return std::nullopt;
  return ConfigProblem{"path", std::nullopt, "no file matches " + pattern,
                       "`*`, `?` and `[...]` match within a name, `**` any depth of folders; paths are "
                       "relative to the working directory"};
}

std::vector<ConfigProblem> check_options(const Config& config, bool reading) {
  return problems({expect_string(config, "path"), check_glob(config, reading),
                   expect_choice(config, "format", {"csv", "jsonl"}), expect_string(config, "delimiter"),
                   expect_bool(config, "header"), expect_string(config, "null"),
                   expect_choice(config, "compression", {"none", "gzip", "zstd", "auto"})});
}

}  // namespace

const ConnectorSpec& file_connector_spec() {
  static const ConnectorSpec spec = [] {
    ConnectorSpec s;
    s.name = "file";
    s.summary = "CSV or JSON Lines files";
    s.can_read = true;
    s.can_write = true;
    s.sync_modes = {SyncMode::full_refresh};
    s.write_modes = {WriteMode::append, WriteMode::replace};
    s.config_keys = {"path", "format", "delimiter", "header", "null", "compression"};
    s.infer_schema = infer_schema;
    s.split_reads = split_reads;
    s.destination_key = destination_key;
    s.check_options = check_options;
    s.same_destination_hint = "a directory path (ending in '/') writes one file per stream";
    return s;
  }();
  return spec;
}

}  // namespace rbc
