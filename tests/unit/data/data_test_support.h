// Helpers for the data-connector tests: a scratch directory, whole-file reads and
// writes, and driving a Source or Sink the way the runtime does.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "graph/value_format.h"

namespace rbc::test {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rbc-data-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_))
      names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Config config_of(const nlohmann::json& values) {
  Config config;
  config.values = values;
  return config;
}

struct ReadResult {
  std::shared_ptr<const Schema> schema;
  std::vector<Batch> batches;
  size_t rows = 0;
  size_t rejected = 0;
};

// prepare + open every partition + drain; the first error is returned.
inline Result<ReadResult> read_all(Source& source, const StreamRequest& request) {
  ReadResult result;
  RBC_ASSIGN_OR_RETURN(result.schema, source.prepare(request));
  for (int i = 0; i < request.partition_count; ++i) {
    RBC_ASSIGN_OR_RETURN(auto reader, source.open(request, i));
    for (;;) {
      RBC_ASSIGN_OR_RETURN(auto batch, reader->next());
      if (!batch) break;
      if (!(*batch->schema == *result.schema))
        return Status::internal("batch schema differs from prepare()'s");
      result.rows += batch->num_rows;
      result.batches.push_back(std::move(*batch));
    }
    result.rejected += reader->rejected_rows();
  }
  return result;
}

// prepare + one writer per batch list + commit + finish.
inline Status write_all(Sink& sink, const SinkRequest& request,
                        const std::vector<std::vector<Batch>>& parts) {
  RBC_RETURN_NOT_OK(sink.prepare(request));
  for (size_t i = 0; i < parts.size(); ++i) {
    RBC_ASSIGN_OR_RETURN(auto writer, sink.open(request, static_cast<int>(i)));
    for (const auto& batch : parts[i]) RBC_RETURN_NOT_OK(writer->write(batch));
    RBC_RETURN_NOT_OK(writer->commit());
  }
  return sink.finish(request);
}

// Every row as "v1|v2|..." with NULL for nulls, in batch order.
inline std::vector<std::string> rows_as_text(const std::vector<Batch>& batches) {
  std::vector<std::string> rows;
  for (const auto& batch : batches) {
    for (size_t row = 0; row < batch.num_rows; ++row) {
      std::string line;
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        if (c != 0) line += "|";
        if (batch.columns[c].is_null(row)) {
          line += "NULL";
        } else {
          append_formatted_value(line, batch.columns[c], row);
        }
      }
      rows.push_back(std::move(line));
    }
  }
  return rows;
}

inline Schema schema_of(const std::vector<std::pair<std::string, std::string>>& columns) {
  Schema schema;
  for (const auto& [name, type] : columns) schema.add(Field{name, *parse_data_type(type)});
  return schema;
}

}  // namespace rbc::test
