#!/usr/bin/env bash
# The plan is the whole contract: nothing under operators/runtime/ may read the pipeline's
# own options (the logical nodes' bodies, PipelineInfo, the *Spec structs) or a connector's
# or operator's spec table. Each forbidden use is printed as file:line: text.
# The check first proves it can fail, on a file that breaks the rule.
set -u
forbidden='find_connector_spec|connector_specs\(|find_operator_spec|operator_specs\(|connectors/specs/|operators/operator_specs\.h|\.source\(\)|\.sink\(\)|\.transform\(\)|\.router\(\)|\binfo\.(resources|state|name)|\bgraph\.info\b|\b(StreamSpec|DestinationSpec|TransformSpec|ResourcesSpec|AutotuneSpec|SourceNode|SinkNode|TransformNode|PipelineInfo)\b'

violations() { grep -rnE "$forbidden" "$1" --include='*.h' --include='*.cpp'; }

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int f(const rbc::PhysicalPlan& p) { return p.graph.info.resources.max_retries.value; }\n' >"$probe/bad.cpp"
if ! violations "$probe" >/dev/null; then
  echo "FAIL: the check does not catch a runtime file that reads the pipeline's resources"
  exit 1
fi

if violations "$RBC_SOURCE_DIR/operators/runtime"; then
  echo "FAIL: operators/runtime/ reads the pipeline or a spec table instead of the plan's steps (above)"
  exit 1
fi
echo "operators/runtime/ reads plan steps only"
