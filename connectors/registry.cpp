// Connector registration: one line per connector in each list below.
#include "connectors/registry.h"

#include "connectors/file/file_sink.h"
#include "connectors/file/file_source.h"
#include "connectors/generator/generator_source.h"
#include "connectors/postgres/pg_state.h"
#include "connectors/postgres/postgres.h"

namespace rbc {

namespace {

struct SourceEntry {
  const char* name;
  std::unique_ptr<Source> (*make)(const SourceContext&);
};

struct SinkEntry {
  const char* name;
  std::unique_ptr<Sink> (*make)();
};

const SourceEntry kSources[] = {
    {"file", [](const SourceContext&) { return file::make_file_source(); }},
    {"generator", [](const SourceContext&) { return generator::make_generator_source(); }},
    {"postgres", [](const SourceContext& context) { return make_postgres_source(context.idle_connections); }},
};

const SinkEntry kSinks[] = {
    {"file", &file::make_file_sink},
    {"postgres", &make_postgres_sink},
};

struct StateEntry {
  const char* name;
  Result<std::unique_ptr<StateStore>> (*make)(const StateSpec& state, const ConnectorRef& destination);
};

// The same names as graph/pipeline_keys.cpp's state_backend_names(), which the compiler
// checks without linking the backends (tests/unit/runtime/retry_test.cpp compares them).
const StateEntry kStateBackends[] = {
    {"none", &make_no_state_store},
    {"file", &make_file_state_store},
    {"postgres", &make_postgres_state_store},
};

}  // namespace

std::unique_ptr<Source> make_source(const std::string& use, const SourceContext& context) {
  for (const auto& entry : kSources) {
    if (use == entry.name) return entry.make(context);
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

Result<std::unique_ptr<StateStore>> make_state_store(const StateSpec& state,
                                                     const ConnectorRef& destination) {
  for (const auto& entry : kStateBackends) {
    if (state.backend.value == entry.name) return entry.make(state, destination);
  }
  return Status::invalid("state: unknown backend '" + state.backend.value + "'");
}

std::vector<std::string> registered_state_backends() {
  std::vector<std::string> names;
  for (const auto& entry : kStateBackends) names.emplace_back(entry.name);
  return names;
}

}  // namespace rbc
