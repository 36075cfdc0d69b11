// The one reader of the pipeline model. Each front-end turns what it parsed (a YAML
// node, an .rbc value) into a LocatedValue tree; this reader takes the tree into the
// typed model (graph/pipeline_model.h) by the key table of graph/pipeline_keys.h: key
// checks and "did you mean", types, and every "must be ..." message, so that YAML and
// .rbc read every key the same way.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/diagnostic.h"
#include "graph/pipeline_keys.h"

namespace rbc {

struct LocatedEntry;

// A value as a front-end read it, before it has a type.
struct LocatedValue {
  enum class Kind { text, number, list, block, other };
  Kind kind = Kind::other;
  std::string text;   // text and number: the value, ${VAR} already substituted
  std::string shown;  // how a message names the value: 'text', the number 1.5, a list
  SourceRange where;
  // Errors found while the front-end evaluated this scalar (an unset ${VAR}), reported
  // when it is read, so that the value of an unknown key reports only the unknown key.
  std::vector<Diagnostic> problems;
  std::vector<LocatedEntry> entries;  // block, in written order
  std::vector<LocatedValue> items;    // list
};

struct LocatedEntry {
  std::string key;
  SourceRange key_where;
  LocatedValue value;
};

class ModelReader {
 public:
  // The words messages use for the front-end's syntax.
  enum class Syntax { yaml, rbc };
  ModelReader(Syntax syntax, DiagnosticEngine& diagnostics) : syntax_(syntax), diagnostics_(diagnostics) {}

  // Reports repeated keys, and keys not in `allowed` with "did you mean".
  void check_keys(const std::vector<std::pair<std::string, SourceRange>>& keys,
                  const std::vector<std::string>& allowed, const std::string& context);

  // Checks the block's keys against the table (and `extra_keys`, which the front-end
  // reads itself), then reads every key of the table into `model`. False when `block`
  // is not a block.
  template <typename Model>
  bool read_block(const std::vector<ModelKey<Model>>& keys, const LocatedValue& block, Model& model,
                  const std::string& context, const std::vector<std::string>& extra_keys = {});

  // Reads one value into the field of `key` (nothing for a front_end key).
  template <typename Model>
  void read(const ModelKey<Model>& key, const LocatedValue& value, Model& model);

  // Typed values; each reports its own error and returns nothing on a bad value.
  std::optional<std::string> text(const LocatedValue& value, const std::string& what);
  std::optional<int64_t> integer(const LocatedValue& value, const std::string& what);
  std::optional<int64_t> byte_size(const LocatedValue& value, const std::string& what);
  std::optional<int64_t> duration(const LocatedValue& value, const std::string& what);
  std::optional<int64_t> duration_ms(const LocatedValue& value, const std::string& what);
  std::optional<bool> boolean(const LocatedValue& value, const std::string& what);
  std::optional<std::vector<std::string>> names(const LocatedValue& value, const std::string& what);
  template <typename Enum>
  std::optional<Enum> enumeration(const LocatedValue& value, const std::string& what);

 private:
  // Reports the value's deferred problems; true if it had any.
  bool report_problems(const LocatedValue& value);
  // The text of a scalar (a string, a name or, when `numbers`, a number literal).
  std::optional<std::string> scalar(const LocatedValue& value, bool numbers, bool& reported);

  Syntax syntax_;
  DiagnosticEngine& diagnostics_;
};

}  // namespace rbc
