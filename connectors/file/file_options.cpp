// Resolution of the file connector's config keys (see file_options.h for the rules).
#include "connectors/file/file_options.h"

#include <unistd.h>

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

}  // namespace

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

  std::error_code ec;
  const bool directory = ends_with(path, "/") || fs::is_directory(path, ec);
  if (directory) {
    if (stream.empty()) return Status::invalid(std::string(who) + ": `path` " + path + " is a directory");
    fs::path dir(path);
    if (format_given || role == FileRole::sink) {
      options.path = (dir / (stream + "." + extension_of(options.format))).string();
    } else {
      std::string csv = (dir / (stream + ".csv")).string();
      std::string jsonl = (dir / (stream + ".jsonl")).string();
      bool has_csv = fs::exists(csv, ec), has_jsonl = fs::exists(jsonl, ec);
      if (has_csv && has_jsonl) {
        return Status::invalid(std::string(who) + ": both " + csv + " and " + jsonl +
                               " exist; set `format` to choose");
      }
      if (!has_csv && !has_jsonl) {
        return Status::not_found(std::string(who) + ": no file for stream \"" + stream + "\" (looked for " +
                                 csv + " and " + jsonl + ")");
      }
      options.path = has_csv ? csv : jsonl;
      options.format = has_csv ? FileFormat::csv : FileFormat::jsonl;
    }
  } else {
    options.path = path;
    if (!format_given) {
      if (ends_with(path, ".csv") || ends_with(path, ".tsv")) {
        options.format = FileFormat::csv;
      } else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) {
        options.format = FileFormat::jsonl;
      } else {
        return Status::invalid(std::string(who) + ": cannot tell the format of " + path +
                               " from its name; set `format: csv` or `format: jsonl`");
      }
    }
  }
  if (ends_with(options.path, ".tsv")) options.delimiter = '\t';

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
