#!/usr/bin/env bash
# Include layers: no source file may include a header from a layer above its own, as
# tests/include_layers.txt says. Prints FILE:LINE and the include for every violation.
#   include_layers.sh [ROOT]      check ROOT (default $RBC_SOURCE_DIR, else the repository)
#   include_layers.sh --self-test check temporary trees with known good and bad includes
# Run as a test (cli.include_layers), it first runs the self-test, so a check that cannot
# fail fails too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
table=$(realpath "${RBC_LAYER_TABLE:-$here/../include_layers.txt}")

# check ROOT: 0 when every include respects the table, 1 with the violations on stdout.
check() {
  local root=$1
  local -A allowed=()
  local layers=() layer rest words
  while IFS= read -r line; do
    line=${line%%#*}
    [[ $line =~ ^[[:space:]]*$ ]] && continue
    layer=${line%%:*}; layer=${layer//[[:space:]]/}
    rest=${line#*:}
    read -ra words <<< "$rest"
    allowed[$layer]=" ${words[*]} "
    layers+=("$layer")
  done < "$table"
  # Longest layer first, so that the first prefix that matches is the layer.
  mapfile -t layers < <(printf '%s\n' "${layers[@]}" | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2)

  layer_of() {  # the layer of a repository-relative path, or nothing
    local l
    for l in "${layers[@]}"; do
      [[ $1 == "$l"/* ]] && { printf '%s' "$l"; return; }
    done
  }

  local include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">]'
  local violations=0 files=0 may file rel own inc target target_layer lineno text
  local tops
  tops=$(printf '%s\n' "${layers[@]}" | cut -d/ -f1 | sort -u)
  while IFS= read -r -d '' file; do
    rel=${file#"$root"/}
    own=$(layer_of "$rel")
    [ -z "$own" ] || [ "${allowed[$own]}" = " * " ] && continue
    files=$((files + 1))
    while IFS=: read -r lineno text; do
      [[ $text =~ $include_re ]] || continue
      inc=${BASH_REMATCH[1]}
      target=$inc
      # A quoted include that names a file next to the includer means that file.
      if [[ ${BASH_REMATCH[0]} == *'"' ]] && [ -f "$(dirname "$file")/$inc" ]; then
        target=$(realpath -m --relative-to="$root" "$(dirname "$file")/$inc")
      fi
      target_layer=$(layer_of "$target")
      [ -z "$target_layer" ] && continue
      [ "$target_layer" = "$own" ] && continue
      [[ ${allowed[$own]} == *" $target_layer "* ]] && continue
      [[ ${allowed[$own]} == *" $target "* ]] && continue  # one header allowed by name
      may=${allowed[$own]# }; may=${may% }
      echo "$rel:$lineno: includes \"$inc\" (layer $target_layer); layer $own may include only: ${may:-(nothing)}"
      violations=$((violations + 1))
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file")
  done < <(cd / && for top in $tops; do [ -d "$root/$top" ] && find "$root/$top" -type f \
             \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' -o -name '*.def' -o -name '*.inc' -o -name '*.ipp' \) -print0; done)
  if [ "$violations" -gt 0 ]; then
    echo "FAIL: $violations include(s) point up a layer (table: $table)"
    return 1
  fi
  echo "ok: $files files in $(printf '%s\n' "${layers[@]}" | wc -l) layers include only what $table allows"
  return 0
}

# The check must accept a good tree and name every bad include of a bad one.
self_test() {
  local dir failures=0 out expected
  dir=$(mktemp -d /tmp/rbc-layers.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$dir'" RETURN
  mkdir -p "$dir"/{graph,dsl,connectors/specs,connectors/file,connectors/postgres,operators/sql,operators/runtime,compiler/passes,compiler/driver,tests/unit}
  printf '#include <vector>\n#include "graph/status.h"\n' > "$dir/graph/types.h"
  printf '#include "graph/types.h"\n' > "$dir/graph/status.h"
  printf '#include "status.h"\n#include <boost/graph/adjacency_list.hpp>\n' > "$dir/graph/status.cpp"
  printf '#include "graph/types.h"\n' > "$dir/dsl/loader.h"
  printf '#include "graph/types.h"\n#include "expr/functions.h"\n' > "$dir/connectors/specs/specs.h"
  printf '#include "connectors/connector.h"\n' > "$dir/connectors/file/csv.h"
  printf '#include "connectors/specs/specs.h"\n' > "$dir/connectors/postgres/pg.h"
  printf '#include "connectors/postgres/pg.h"\n#include "expr/x.h"\n' > "$dir/operators/sql/kernel.h"
  printf '#include "operators/sql/kernel.h"\n#include "connectors/postgres/pg.h"\n' > "$dir/operators/runtime/executor.h"
  printf '#include "operators/sql/kernel.h"\n#include "dsl/loader.h"\n#include "connectors/specs/specs.h"\n' > "$dir/compiler/passes/validate.cpp"
  printf '#include "operators/runtime/executor.h"\n#include "tests/unit/helper.h"\n' > "$dir/compiler/driver/main.cpp"
  printf '#include "operators/runtime/executor.h"\n' > "$dir/tests/unit/helper.h"
  if ! out=$(check "$dir"); then
    echo "FAIL: self-test: the check rejects a tree that respects the layers:"; echo "$out"
    failures=$((failures + 1))
  fi
  # Now break it: one upward include per kind of mistake.
  printf '#include <vector>\n  #  include "dsl/loader.h"\n' > "$dir/graph/types.h"
  printf '#include "../compiler/passes/validate.cpp"\n' >> "$dir/graph/status.cpp"
  printf '#include "operators/runtime/executor.h"\n' >> "$dir/compiler/passes/validate.cpp"
  printf '#include "connectors/postgres/pg.h"\n' >> "$dir/compiler/passes/validate.cpp"
  printf '#include "compiler/passes/validate.cpp"\n' >> "$dir/operators/runtime/executor.h"
  printf '#include "tests/unit/helper.h"\n' >> "$dir/dsl/loader.h"
  printf '#include "operators/sql/kernel.h"\n' >> "$dir/connectors/specs/specs.h"
  printf '#include "connectors/postgres/pg.h"\n' >> "$dir/connectors/file/csv.h"
  expected=$(cat <<'END'
compiler/passes/validate.cpp:4: includes "operators/runtime/executor.h" (layer operators/runtime); layer compiler may include only: graph expr dsl connectors/specs connectors/file operators
compiler/passes/validate.cpp:5: includes "connectors/postgres/pg.h" (layer connectors); layer compiler may include only: graph expr dsl connectors/specs connectors/file operators
connectors/file/csv.h:2: includes "connectors/postgres/pg.h" (layer connectors); layer connectors/file may include only: graph expr connectors/connector.h connectors/specs/connector_specs.h connectors/specs/option_checks.h connectors/registry.h
connectors/specs/specs.h:3: includes "operators/sql/kernel.h" (layer operators); layer connectors/specs may include only: graph expr connectors/connectors.def
dsl/loader.h:2: includes "tests/unit/helper.h" (layer tests); layer dsl may include only: graph
graph/status.cpp:3: includes "../compiler/passes/validate.cpp" (layer compiler); layer graph may include only: (nothing)
graph/types.h:2: includes "dsl/loader.h" (layer dsl); layer graph may include only: (nothing)
operators/runtime/executor.h:3: includes "compiler/passes/validate.cpp" (layer compiler); layer operators/runtime may include only: graph expr operators connectors connectors/specs connectors/file
END
)
  if out=$(check "$dir"); then
    echo "FAIL: self-test: the check accepts upward includes:"; echo "$out"
    failures=$((failures + 1))
  elif ! diff -u <(echo "$expected") <(echo "$out" | grep -v '^FAIL: ' | sort); then
    echo "FAIL: self-test: the check did not name exactly the upward includes (diff above)"
    failures=$((failures + 1))
  fi
  [ "$failures" -eq 0 ] && echo "ok: self-test: a good tree passes, a bad one fails naming each of its 8 upward includes"
  return "$failures"
}

case "${1:-}" in
  --self-test) self_test ;;
  "") self_test || exit 1
      check "${RBC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}" ;;
  *) check "$(cd "$1" && pwd)" ;;
esac
