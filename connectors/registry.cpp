// Connector registration: one line per connector in each list below.
#include "connectors/registry.h"

#include "connectors/file/file_sink.h"
#include "connectors/file/file_source.h"
#include "connectors/generator/generator_source.h"
#include "connectors/postgres/postgres.h"

namespace rbc {

namespace {

struct SourceEntry {
  const char* name;
  std::unique_ptr<Source> (*make)();
};

struct SinkEntry {
  const char* name;
  std::unique_ptr<Sink> (*make)();
};

const SourceEntry kSources[] = {
    {"file", &file::make_file_source},
    {"generator", &generator::make_generator_source},
    {"postgres", &make_postgres_source},
};

const SinkEntry kSinks[] = {
    {"file", &file::make_file_sink},
    {"postgres", &make_postgres_sink},
};

}  // namespace

std::unique_ptr<Source> make_source(const std::string& use) {
  for (const auto& entry : kSources) {
    if (use == entry.name) return entry.make();
  }
  return nullptr;
}

std::unique_ptr<Sink> make_sink(const std::string& use) {
  for (const auto& entry : kSinks) {
    if (use == entry.name) return entry.make();
  }
  return nullptr;
}

std::vector<std::string> source_names() {
  std::vector<std::string> names;
  for (const auto& entry : kSources) names.emplace_back(entry.name);
  return names;
}

std::vector<std::string> sink_names() {
  std::vector<std::string> names;
  for (const auto& entry : kSinks) names.emplace_back(entry.name);
  return names;
}

}  // namespace rbc
