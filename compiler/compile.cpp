// compile_pipeline: front-end, then every pass, then the finished plan.
#include "compiler/compile.h"

#include "connectors/specs/connector_specs.h"
#include "dsl/lang/format.h"
#include "dsl/lang/lower.h"
#include "dsl/source_file.h"
#include "dsl/yaml_loader.h"
#include "operators/operator_specs.h"

namespace rbc {

lang::Vocabulary pipeline_vocabulary() {
  lang::Vocabulary vocabulary;
  vocabulary.connectors = connector_names();
  for (const OperatorSpec* spec : operator_specs()) {
    vocabulary.transforms.emplace_back(spec->name,
                                       spec->required_keys.empty() ? "" : spec->required_keys.front());
  }
  return vocabulary;
}

bool is_rbc_program(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".rbc") == 0;
}

std::optional<LogicalGraph> load_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                          const EnvLookup& env) {
  if (is_rbc_program(path)) return lang::load_rbc_pipeline(path, pipeline_vocabulary(), diagnostics, env);
  return load_yaml_pipeline(path, diagnostics, env);
}

std::optional<std::string> pipeline_as_rbc(const std::string& path, DiagnosticEngine& diagnostics) {
  if (is_rbc_program(path)) {
    std::optional<std::string> text = read_pipeline_file(path, diagnostics);
    if (!text) return std::nullopt;
    auto parsed = lang::parse_program(path, std::move(*text), diagnostics);
    if (diagnostics.has_errors()) return std::nullopt;
    return lang::format_program(parsed->program, parsed.get());
  }
  std::optional<LogicalGraph> graph = load_yaml_pipeline(path, diagnostics, EnvLookup{});
  if (!graph || diagnostics.has_errors()) return std::nullopt;
  lang::ast::Program program = lang::program_of(*graph, pipeline_vocabulary(), diagnostics);
  if (diagnostics.has_errors()) return std::nullopt;
  return lang::format_program(program);
}

Compilation compile_pipeline(const CompileRequest& request) {
  Compilation compilation;
  std::optional<LogicalGraph> graph = load_pipeline(request.path, compilation.diagnostics, request.env);
  if (!graph) return compilation;

  PhysicalPlan plan;
  plan.graph = std::move(*graph);
  plan.reset_steps();
  PassContext context{request.options, compilation.diagnostics, &compilation.notes};
  PassManager manager(request.instrumentation);
  // The passes run even after front-end errors: bind and validate report their findings too,
  // so that one run shows every error of the file; the manager stops after them.
  compilation.internal_error = manager.run(plan, context);
  compilation.timings = manager.timings();
  if (compilation.internal_error.is_ok() && !compilation.diagnostics.has_errors())
    compilation.plan = std::move(plan);
  return compilation;
}

}  // namespace rbc
