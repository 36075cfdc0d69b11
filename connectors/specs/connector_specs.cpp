// The list of connector specs, registered explicitly (connectors/connectors.def; no static
// initialisers that a linker could drop).
#include "connectors/specs/connector_specs.h"

#include <algorithm>

namespace rbc {

#define RBC_CONNECTOR(name) const ConnectorSpec& name##_connector_spec();
#include "connectors/connectors.def"
#undef RBC_CONNECTOR

const std::vector<const ConnectorSpec*>& connector_specs() {
  static const std::vector<const ConnectorSpec*> specs = {
#define RBC_CONNECTOR(name) &name##_connector_spec(),
#include "connectors/connectors.def"
#undef RBC_CONNECTOR
  };
  return specs;
}

const ConnectorSpec* find_connector_spec(std::string_view name) {
  for (const ConnectorSpec* spec : connector_specs()) {
    if (spec->name == name) return spec;
  }
  return nullptr;
}

std::vector<std::string> connector_names() {
  std::vector<std::string> names;
  for (const ConnectorSpec* spec : connector_specs()) names.push_back(spec->name);
  return names;
}

void add_change_columns(Schema& schema) {
  schema.add(Field{"_op", DataType{TypeId::text}, false});
  schema.add(Field{"_lsn", DataType{TypeId::int64}, false});
  schema.add(Field{"_commit_ts", DataType{TypeId::timestamptz}, true});
  schema.add(Field{"_unchanged_cols", DataType{TypeId::text}, true});
}

bool is_change_column(std::string_view name) {
  return name == "_op" || name == "_lsn" || name == "_commit_ts" || name == "_unchanged_cols";
}

}  // namespace rbc
