// Connector registration: connectors/connectors.def lists the connectors, each with its
// spec and hooks in its own folder; the state backends are listed below.
#include "connectors/registry.h"

#include "connectors/postgres/pg_state.h"

namespace rbc {

#define RBC_CONNECTOR(name)                     \
  const ConnectorSpec& name##_connector_spec(); \
  ConnectorHooks name##_connector_hooks();
#include "connectors/connectors.def"
#undef RBC_CONNECTOR

const std::vector<Connector>& connectors() {
  static const std::vector<Connector> list = {
#define RBC_CONNECTOR(name) {name##_connector_spec(), name##_connector_hooks()},
#include "connectors/connectors.def"
#undef RBC_CONNECTOR
  };
  return list;
}

const Connector* find_connector(std::string_view name) {
  for (const Connector& connector : connectors()) {
    if (connector.spec.name == name) return &connector;
  }
  return nullptr;
}

std::unique_ptr<Source> make_source(const std::string& use, const SourceContext& context) {
  const Connector* connector = find_connector(use);
  if (connector == nullptr || connector->hooks.make_source == nullptr) return nullptr;
  return connector->hooks.make_source(context);
}

std::unique_ptr<Sink> make_sink(const std::string& use) {
  const Connector* connector = find_connector(use);
  if (connector == nullptr || connector->hooks.make_sink == nullptr) return nullptr;
  return connector->hooks.make_sink();
}

namespace {

struct StateEntry {
  const char* name;
  Result<std::unique_ptr<StateStore>> (*make)(const StateSpec& state, const ConnectorRef& destination);
  void (*check)(const StateSpec& state, const ConnectorRef& destination, const CheckLine& line);
};

// The same names as graph/pipeline_keys.cpp's state_backend_names(), which the compiler
// checks without linking the backends (tests/unit/runtime/retry_test.cpp compares them).
const StateEntry kStateBackends[] = {
    {"none", &make_no_state_store, nullptr},
    {"file", &make_file_state_store, &check_file_state_store},
    {"postgres", &make_postgres_state_store, &check_postgres_state_store},
};

}  // namespace

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

void check_state_backend(const StateSpec& state, const ConnectorRef& destination, const CheckLine& line) {
  for (const auto& entry : kStateBackends) {
    if (state.backend.value == entry.name && entry.check != nullptr) entry.check(state, destination, line);
  }
}

}  // namespace rbc
