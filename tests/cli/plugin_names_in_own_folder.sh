#!/usr/bin/env bash
# One spec per plugin: outside its own folder (connectors/NAME/, operators/NAME/) no code
# compares a connector's or operator's name with a string literal; it asks the spec
# (connectors/specs/connector_specs.h, operators/operator_specs.h) or the registry's hooks
# (connectors/registry.h) instead. The names are those registered in connectors.def and
# operators.def. Each comparison found is printed as file:line: text.
# The check first proves it can fail, on a file that breaks the rule.
set -u
src=${RBC_SOURCE_DIR:?}
names() { sed -n "s/^$1(\([a-z_0-9]*\)).*/\1/p" "$2"; }
connectors=$(names RBC_CONNECTOR "$src/connectors/connectors.def")
operators=$(names RBC_OPERATOR "$src/operators/operators.def")
if [ -z "$connectors" ] || [ -z "$operators" ]; then
  echo "FAIL: no connector or operator names read from connectors.def / operators.def"
  exit 1
fi

# comparisons ROOT KIND NAME...: the lines under ROOT's source folders that compare with
# "NAME", outside ROOT/KIND/NAME/; paths relative to ROOT.
comparisons() {
  local root=$1 kind=$2
  shift 2
  for name in "$@"; do
    (cd "$root" && grep -rnE "(==|!=)[[:space:]]*\"$name\"|\"$name\"[[:space:]]*(==|!=)" \
      compiler graph dsl expr operators connectors --include='*.h' --include='*.cpp' 2>/dev/null) |
      grep -v "^$kind/$name/"
  done
}
violations() {
  # shellcheck disable=SC2086  # the name lists are words
  comparisons "$1" connectors $connectors
  # shellcheck disable=SC2086
  comparisons "$1" operators $operators
}

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
mkdir -p "$probe/compiler" "$probe/connectors/postgres"
printf 'bool f(const std::string& use) { return use == "postgres"; }\n' >"$probe/compiler/bad.cpp"
printf 'bool g(const std::string& use) { return use == "postgres"; }\n' >"$probe/connectors/postgres/own.cpp"
found=$(violations "$probe")
if [ "$(printf '%s\n' "$found" | grep -c .)" != 1 ] || ! printf '%s' "$found" | grep -q 'compiler/bad.cpp'; then
  echo "FAIL: the check does not catch exactly the name comparison outside the plugin's folder:"
  printf '%s\n' "$found"
  exit 1
fi

found=$(violations "$src")
if [ -n "$found" ]; then
  printf '%s\n' "$found"
  echo "FAIL: a connector or operator name is compared outside its folder (above); ask its spec or hook"
  exit 1
fi
echo "connector and operator names are compared only in their own folders"
