// The generator connector's runtime hooks (connectors/registry.h): a source, nothing to
// probe or discover.
#include "connectors/generator/generator_source.h"
#include "connectors/registry.h"

namespace rbc {

ConnectorHooks generator_connector_hooks() {
  ConnectorHooks hooks;
  hooks.make_source = [](const SourceContext&) { return generator::make_generator_source(); };
  return hooks;
}

}  // namespace rbc
