// Configuration of the file connector, shared by its source and sink: which file a
// stream maps to, its format, and the CSV dialect.
//
// `path` names either a file, or a directory (an existing one, or any path ending in
// '/') in which stream S lives in `<dir>/S.csv` or `<dir>/S.jsonl`, or, for a source, a
// glob (`*`, `?`, `[...]` in a name, `**` for any depth of folders) whose matches, sorted
// by name, are the stream's files.
//   format   csv | jsonl. Default: from the file's extension (.csv, .tsv, .jsonl,
//            .ndjson); in a directory a source takes whichever of the two files exists,
//            a sink writes csv.
//   delimiter  one character, default "," ("\t" for .tsv)
//   header     CSV has a header line, default true
//   null       unquoted text that means NULL, default "" (an unquoted empty field)
//   compression  none | gzip | zstd | auto (default: by extension, then, reading, the
//                first bytes); the format's extension is the one before .gz/.zst
#pragma once

#include <string>
#include <vector>

#include "connectors/file/compression.h"
#include "graph/config.h"
#include "graph/status.h"

namespace rbc::file {

enum class FileFormat { csv, jsonl };

struct FileOptions {
  std::string path;                // the resolved file (a glob's first match)
  std::vector<std::string> files;  // every file of the stream, in name order (path first)
  std::string pattern;             // the glob as written; empty when `path` is no glob
  FileFormat format = FileFormat::csv;
  char delimiter = ',';
  bool header = true;
  std::string null_text;
  Compression compression = Compression::detect;  // a sink's is never detect
};

enum class FileRole { source, sink };

// Resolves the config of one stream into the file it reads or writes.
Result<FileOptions> resolve_file_options(const Config& config, const std::string& stream, FileRole role);

// Whether `path` is a glob: a `*`, `?` or `[` in it.
bool is_glob(const std::string& path);
// The regular files `pattern` matches, sorted by name (std::string order).
std::vector<std::string> expand_glob(const std::string& pattern);

// "" when a file can be created at `path` (its nearest existing ancestor directory is
// writable), else why not (rbc check).
std::string writable_problem(const std::string& path);

}  // namespace rbc::file
