// Resolution of the file connector's config keys (see file_options.h for the rules).
#include "connectors/file/file_options.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace rbc::file {

namespace {

namespace fs = std::filesystem;

const char* extension_of(FileFormat format) { return format == FileFormat::csv ? "csv" : "jsonl"; }

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Adds the files under `dir` that match parts[at..] ("**" spans any number of folders).
void match_parts(const fs::path& dir, const std::vector<std::string>& parts, size_t at,
                 std::vector<std::string>& out) {
  std::error_code error;
  const std::string& part = parts[at];
  const bool last = at + 1 == parts.size();
  if (part == "**") {
    if (!last) match_parts(dir, parts, at + 1, out);
    for (fs::directory_iterator it(dir.empty() ? "." : dir, error), end; !error && it != end;
         it.increment(error)) {
      if (it->is_directory(error) && it->path().filename().string()[0] != '.')
        match_parts(dir / it->path().filename(), parts, at, out);
    }
    return;
  }
  if (part.empty()) {  // a doubled or leading slash
    if (!last) match_parts(dir, parts, at + 1, out);
    return;
  }
  if (!is_glob(part)) {
    fs::path next = dir / part;
    if (last ? fs::is_regular_file(next, error) : fs::is_directory(next, error)) {
      if (last)
        out.push_back(next.string());
      else
        match_parts(next, parts, at + 1, out);
    }
    return;
  }
  for (fs::directory_iterator it(dir.empty() ? "." : dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    if (last ? it->is_regular_file(error) : it->is_directory(error)) {
      if (last)
        out.push_back((dir / name).string());
      else
        match_parts(dir / name, parts, at + 1, out);
    }
  }
}

}  // namespace

bool is_glob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand_glob(const std::string& pattern) {
  std::vector<std::string> parts = split_path(pattern);
  std::vector<std::string> out;
  fs::path root = !pattern.empty() && pattern[0] == '/' ? fs::path("/") : fs::path();
  match_parts(root, parts, root.empty() ? 0 : 1, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<FileOptions> resolve_file_options(const Config& config, const std::string& stream, FileRole role) {
  const char* who = role == FileRole::source ? "file source" : "file destination";
  const auto& values = config.values;
  auto path_it = values.find("path");
  if (path_it == values.end() || !path_it->is_string() || path_it->get<std::string>().empty()) {
    return Status::invalid(std::string(who) + ": config needs `path` (a file or a directory)");
  }
  const std::string path = path_it->get<std::string>();

  FileOptions options;
  bool format_given = false;
  if (auto it = values.find("format"); it != values.end()) {
    std::string format = it->is_string() ? it->get<std::string>() : "";
    if (format == "csv") {
      options.format = FileFormat::csv;
    } else if (format == "jsonl") {
      options.format = FileFormat::jsonl;
    } else {
      return Status::invalid(std::string(who) + ": `format` must be csv or jsonl, not " + it->dump());
    }
    format_given = true;
  }

  if (auto it = values.find("compression"); it != values.end()) {
    auto compression = compression_named(it->is_string() ? it->get<std::string>() : "");
    if (!compression) {
      return Status::invalid(std::string(who) + ": `compression` must be none, gzip, zstd or auto, not " +
                             it->dump());
    }
    options.compression = *compression;
  }

  std::error_code ec;
  const bool directory = !is_glob(path) && (ends_with(path, "/") || fs::is_directory(path, ec));
  if (is_glob(path)) {
    if (role == FileRole::sink)
      return Status::invalid(std::string(who) + ": `path` " + path + " is a glob; a destination is one file");
    options.pattern = path;
    options.files = expand_glob(path);
    if (options.files.empty()) return Status::not_found(std::string(who) + ": no file matches " + path);
    options.path = options.files.front();
  }
  if (directory) {
    if (stream.empty()) return Status::invalid(std::string(who) + ": `path` " + path + " is a directory");
    fs::path dir(path);
    if (role == FileRole::sink) {
      options.path = (dir / (stream + "." + extension_of(options.format))).string();
    } else {
      // The stream's file: <stream>.csv or .jsonl (only the `format` given), plain or
      // compressed (.gz, .zst); exactly one of them.
      std::vector<std::pair<std::string, FileFormat>> found;
      std::string looked_for;
      for (FileFormat format : {FileFormat::csv, FileFormat::jsonl}) {
        if (format_given && format != options.format) continue;
        for (const char* compressed : {"", ".gz", ".zst"}) {
          std::string candidate = (dir / (stream + "." + extension_of(format) + compressed)).string();
          looked_for += (looked_for.empty() ? "" : ", ") + candidate;
          if (fs::exists(candidate, ec)) found.emplace_back(candidate, format);
        }
      }
      if (found.size() > 1) {
        return Status::invalid(std::string(who) + ": both " + found[0].first + " and " + found[1].first +
                               " exist; name the file in `path`" +
                               (found[0].second != found[1].second ? " or set `format`" : ""));
      }
      if (found.empty() && format_given) {
        found.emplace_back((dir / (stream + "." + extension_of(options.format))).string(), options.format);
      } else if (found.empty()) {
        return Status::not_found(std::string(who) + ": no file for stream \"" + stream + "\" (looked for " +
                                 looked_for + ")");
      }
      options.path = found.front().first;
      options.format = found.front().second;
    }
  } else {
    if (options.pattern.empty()) options.path = path;
    // A glob's extension is its own (`*.csv.gz`), whichever file matched first.
    const std::string plain(without_compression_extension(path));
    if (!format_given) {
      if (ends_with(plain, ".csv") || ends_with(plain, ".tsv")) {
        options.format = FileFormat::csv;
      } else if (ends_with(plain, ".jsonl") || ends_with(plain, ".ndjson")) {
        options.format = FileFormat::jsonl;
      } else {
        return Status::invalid(std::string(who) + ": cannot tell the format of " + path +
                               " from its name; set `format: csv` or `format: jsonl`");
      }
    }
  }
  if (options.files.empty()) options.files = {options.path};
  if (ends_with(std::string(without_compression_extension(options.path)), ".tsv")) options.delimiter = '\t';
  // A sink compresses what its name (or `compression`) says; a source may also look at the bytes.
  if (role == FileRole::sink && options.compression == Compression::detect)
    options.compression = compression_of_extension(options.path);

  if (auto it = values.find("delimiter"); it != values.end()) {
    std::string delimiter = it->is_string() ? it->get<std::string>() : "";
    if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
    if (delimiter.size() != 1 || delimiter[0] == '"' || delimiter[0] == '\n' || delimiter[0] == '\r') {
      return Status::invalid(std::string(who) +
                             ": `delimiter` must be one character other than a quote or "
                             "line break, not " +
                             it->dump());
    }
    options.delimiter = delimiter[0];
  }
  if (auto it = values.find("header"); it != values.end()) {
    if (!it->is_boolean()) return Status::invalid(std::string(who) + ": `header` must be true or false");
    options.header = it->get<bool>();
  }
  if (auto it = values.find("null"); it != values.end()) {
    if (!it->is_string()) return Status::invalid(std::string(who) + ": `null` must be a string");
    options.null_text = it->get<std::string>();
  }
  return options;
}

std::string writable_problem(const std::string& path) {
  std::error_code error;
  std::filesystem::path dir = path.empty() ? std::filesystem::path(".") : std::filesystem::path(path);
  // An existing file (the output of an earlier run) is replaced from its directory.
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error))
    dir = dir.parent_path();
  if (dir.empty()) dir = ".";
  while (!std::filesystem::exists(dir, error)) {
    if (!dir.has_parent_path() || dir.parent_path() == dir) {
      dir = ".";
      break;
    }
    dir = dir.parent_path();
  }
  if (!std::filesystem::is_directory(dir, error)) return "not a directory: " + dir.string();
  if (access(dir.c_str(), W_OK) != 0) return "not writable: " + dir.string();
  return {};
}

}  // namespace rbc::file
