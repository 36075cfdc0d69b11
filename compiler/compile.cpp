// compile_pipeline: front-end, then every pass, then the finished plan.
#include "compiler/compile.h"

#include "dsl/yaml_loader.h"

namespace rbc {

std::optional<LogicalGraph> load_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                          const EnvLookup& env) {
  return load_yaml_pipeline(path, diagnostics, env);
}

Compilation compile_pipeline(const CompileRequest& request) {
  Compilation compilation;
  std::optional<LogicalGraph> graph = load_pipeline(request.path, compilation.diagnostics, request.env);
  if (!graph) return compilation;

  PhysicalPlan plan;
  plan.graph = std::move(*graph);
  plan.nodes.resize(plan.graph.node_count());
  PassContext context{request.options, compilation.diagnostics, &compilation.notes};
  PassManager manager(request.instrumentation);
  // The passes run even after front-end errors: validate reports its findings too,
  // so that one run shows every error of the file; the manager stops after it.
  compilation.internal_error = manager.run(plan, context);
  compilation.timings = manager.timings();
  if (compilation.internal_error.is_ok() && !compilation.diagnostics.has_errors())
    compilation.plan = std::move(plan);
  return compilation;
}

}  // namespace rbc
