// The table of groups (group_table.h).
#include "expr/group_table.h"

#include <numeric>

#include "expr/group_key.h"

namespace rbc::sql {

GroupTable::GroupTable(const Plan& plan)
    : plan_(plan), schema_(std::make_shared<const Schema>(plan.select.input)) {
  for (const AggregateCall& call : plan_.aggregates) states_.push_back(make_states(call));
}

uint32_t GroupTable::group_of(std::string_view bytes, uint64_t hash) {
  auto found = index_.find(Hashed{bytes, hash});
  if (found != index_.end()) return found->second;
  auto id = static_cast<uint32_t>(keys_.size());
  keys_.emplace_back(bytes);
  key_bytes_ += sizeof(std::string) + (keys_.back().capacity() > 15 ? keys_.back().capacity() + 1 : 0);
  index_.emplace(keys_.back(), id);
  for (auto& states : states_) states->resize(keys_.size());
  return id;
}

Status GroupTable::update(const std::vector<std::vector<Vec>>& args, const uint32_t* rows,
                          const uint32_t* groups, size_t count) {
  for (size_t a = 0; a < states_.size(); ++a)
    RBC_RETURN_NOT_OK(states_[a]->update(args[a], rows, groups, count));
  return Status::ok();
}

Status GroupTable::merge(const GroupTable& other) {
  std::vector<uint32_t> into(other.keys_.size());
  for (size_t g = 0; g < other.keys_.size(); ++g) into[g] = group_of(other.keys_[g]);
  for (size_t a = 0; a < states_.size(); ++a)
    RBC_RETURN_NOT_OK(states_[a]->merge(*other.states_[a], into.data()));
  return Status::ok();
}

Result<Batch> GroupTable::rows(size_t first, size_t count,
                               std::optional<std::pair<int64_t, int64_t>> window) const {
  std::vector<uint32_t> ids(count);
  std::iota(ids.begin(), ids.end(), static_cast<uint32_t>(first));
  std::vector<Vec> keys(plan_.keys.size());
  for (size_t k = 0; k < keys.size(); ++k) keys[k].type = plan_.keys[k]->type;
  std::vector<std::string_view> bytes(keys_.begin() + static_cast<std::ptrdiff_t>(first),
                                      keys_.begin() + static_cast<std::ptrdiff_t>(first + count));
  decode_keys(bytes, keys);
  Batch groups = Batch::empty(schema_);
  groups.num_rows = count;
  size_t column = 0;
  for (size_t k = 0; k < keys.size(); ++k) groups.columns[column++] = to_column(keys[k], keys[k].type, count);
  if (window) {
    groups.columns[column++] = window_bound_column(plan_.window->column_type, window->first, count);
    groups.columns[column++] = window_bound_column(plan_.window->column_type, window->second, count);
  }
  for (size_t a = 0; a < states_.size(); ++a) {
    RBC_ASSIGN_OR_RETURN(Vec result, states_[a]->result(ids.data(), count));
    groups.columns[column++] = to_column(result, plan_.aggregates[a].type, count);
  }
  return groups;
}

size_t GroupTable::bytes() const {
  size_t total = key_bytes_ + index_.capacity() * (sizeof(std::pair<std::string_view, uint32_t>) + 1);
  for (const auto& states : states_) total += states->bytes();
  return total;
}

Result<std::vector<std::vector<Vec>>> aggregate_args(const Plan& plan, const EvalContext& context) {
  std::vector<std::vector<Vec>> args(plan.aggregates.size());
  for (size_t a = 0; a < args.size(); ++a) {
    for (const ExprPtr& arg : plan.aggregates[a].args) {
      RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*arg, context));
      args[a].push_back(std::move(value));
    }
  }
  return args;
}

Column window_bound_column(const DataType& type, int64_t value_us, size_t count) {
  Column column(type);
  column.reserve(count);
  const int64_t value = type.is_integer() ? value_us / 1000 : value_us;
  for (size_t i = 0; i < count; ++i) column.append<int64_t>(value);
  return column;
}

}  // namespace rbc::sql
