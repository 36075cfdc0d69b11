// The file connector's runtime hooks (connectors/registry.h): its source and sink, what
// `rbc check` probes (each source file readable, each sink directory writable) and what
// `rbc discover` lists (each stream's file and inferred schema).
#include <filesystem>
#include <fstream>
#include <set>

#include "connectors/file/file_options.h"
#include "connectors/file/file_sink.h"
#include "connectors/file/file_source.h"
#include "connectors/registry.h"

namespace rbc {
namespace {

StreamChecks check_sources(const std::vector<const SourceNode*>& sources, const CheckLine& line) {
  for (const SourceNode* source : sources) {
    auto options = file::resolve_file_options(source->connector.config, source->stream.name.value,
                                              file::FileRole::source);
    if (!options.is_ok()) {
      line("stream " + source->stream.name.value, options.status().message());
      continue;
    }
    for (const auto& path : options->files) {
      std::ifstream in(path, std::ios::binary);
      line("stream " + source->stream.name.value + " file " + path, in ? "" : "cannot read " + path);
    }
  }
  return {};
}

std::string directory_of(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  return dir.empty() ? "." : dir;
}

void check_destinations(const std::vector<const SinkNode*>& sinks, const CheckLine& line) {
  std::set<std::string> directories;
  for (const SinkNode* sink : sinks) {
    auto options =
        file::resolve_file_options(sink->destination.connector.config, sink->target, file::FileRole::sink);
    if (!options.is_ok()) {
      line("destination file for " + sink->target, options.status().message());
      continue;
    }
    std::string dir = directory_of(options->path);
    if (directories.insert(dir).second)
      line("destination file " + dir + "/", file::writable_problem(options->path));
  }
}

Result<Discovery> discover(const std::vector<const SourceNode*>& sources, const std::string& /*schema*/) {
  Discovery d;
  d.connector = "file";
  for (const SourceNode* source : sources) {
    const std::string& stream = source->stream.name.value;
    RBC_ASSIGN_OR_RETURN(
        auto options, file::resolve_file_options(source->connector.config, stream, file::FileRole::source));
    RBC_ASSIGN_OR_RETURN(Schema schema, file::infer_file_schema(options));
    DiscoveredTable t;
    t.name = stream;
    t.location = options.pattern.empty() ? options.path : options.pattern;
    if (!options.pattern.empty()) t.files = options.files;
    for (const auto& field : schema.fields())
      t.columns.push_back({field.name, "", field.type.to_string(), field.nullable});
    d.tables.push_back(std::move(t));
  }
  return d;
}

}  // namespace

ConnectorHooks file_connector_hooks() {
  ConnectorHooks hooks;
  hooks.make_source = [](const SourceContext&) { return file::make_file_source(); };
  hooks.make_sink = &file::make_file_sink;
  hooks.check_sources = &check_sources;
  hooks.check_destinations = &check_destinations;
  hooks.discover = &discover;
  return hooks;
}

}  // namespace rbc
