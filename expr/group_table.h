// One table of groups: each group's key bytes (group_key.h), looked up in one hash table,
// and the aggregates' states by group id (ids count up in the order groups first appear).
// A plain aggregation holds one per lane (a two_phase lane one per part of the keys); a
// windowed one holds one per open window.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <xxhash.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expr/plan.h"

namespace rbc::sql {

// The hash of a group's key bytes: the same in every lane and run.
inline uint64_t key_hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

class GroupTable {
 public:
  explicit GroupTable(const Plan& plan);

  // The id of the group whose key bytes are `bytes`, a new one when it is new; `hash` is
  // key_hash(bytes), when the caller has it already.
  uint32_t group_of(std::string_view bytes) { return group_of(bytes, key_hash(bytes)); }
  uint32_t group_of(std::string_view bytes, uint64_t hash);
  size_t size() const { return keys_.size(); }
  // Folds row rows[k] of every aggregate's evaluated arguments into group groups[k].
  Status update(const std::vector<std::vector<Vec>>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count);
  // Adds every group of `other` (the same query's table in another lane) into this one.
  Status merge(const GroupTable& other);
  // Groups [first, first + count) as rows of the groups' schema (plan.select.input): their
  // keys, the window's start and end when there is one, their aggregates' results.
  Result<Batch> rows(size_t first, size_t count, std::optional<std::pair<int64_t, int64_t>> window) const;
  size_t bytes() const;

 private:
  const Plan& plan_;
  std::shared_ptr<const Schema> schema_;  // the groups' (plan.select.input)
  // Group g's key bytes are keys_[g]; a deque never moves them, so the index can point into them.
  std::deque<std::string> keys_;
  // Looked up by key bytes with their hash computed once (a two_phase lane also picks the
  // part by it); the table hashes only when it grows.
  struct Hashed {
    std::string_view bytes;
    uint64_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view bytes) const { return key_hash(bytes); }
    size_t operator()(const Hashed& key) const { return key.hash; }
  };
  struct Equal {
    using is_transparent = void;
    static std::string_view bytes(std::string_view b) { return b; }
    static std::string_view bytes(const Hashed& key) { return key.bytes; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return bytes(a) == bytes(b);
    }
  };
  absl::flat_hash_map<std::string_view, uint32_t, Hash, Equal> index_;
  size_t key_bytes_ = 0;
  std::vector<std::unique_ptr<AggregateStates>> states_;
};

// Every aggregate's arguments evaluated over the selected rows of a batch.
Result<std::vector<std::vector<Vec>>> aggregate_args(const Plan& plan, const EvalContext& context);

// A column of `type` holding `value` (microseconds, as a window bound) `count` times:
// timestamps as they are, an integer time as epoch milliseconds.
Column window_bound_column(const DataType& type, int64_t value_us, size_t count);

}  // namespace rbc::sql
