// One lane's groups of an aggregation (plan.h: start_aggregation). A batch is folded in
// three vectorised steps: WHERE gives the selected rows; the group keys are evaluated and
// each row's key bytes (group_key.h) are looked up in one hash table, giving a group id per
// row (ids count up in the order groups first appear); then every aggregate folds its
// evaluated arguments into its states by those ids.
#include <absl/container/flat_hash_map.h>

#include <deque>
#include <numeric>

#include "expr/group_key.h"
#include "expr/plan.h"

namespace rbc::sql {
namespace {

constexpr size_t kFinishBatchRows = 65536;

class GroupedState final : public QueryState {
 public:
  explicit GroupedState(std::shared_ptr<const Plan> plan) : plan_(std::move(plan)) {
    for (const AggregateCall& call : plan_->aggregates) states_.push_back(make_states(call));
    // An aggregate without GROUP BY has its one group even over no rows (COUNT(*) is 0).
    if (plan_->keys.empty()) group_of(std::string());
  }

  Result<Batch> add(const Batch& input) override {
    bool all = false;
    RBC_ASSIGN_OR_RETURN(std::vector<uint32_t> selected, select_rows(plan_->where, input, all));
    const size_t count = all ? input.num_rows : selected.size();
    if (count == 0) return Batch::empty(plan_->select.output);
    EvalContext context{&input, all ? nullptr : selected.data(), count};

    std::vector<Vec> keys;
    for (const ExprPtr& key : plan_->keys) {
      RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*key, context));
      keys.push_back(std::move(value));
    }
    std::vector<uint32_t> groups(count, 0);
    if (!keys.empty()) {
      std::string bytes;
      for (size_t row = 0; row < count; ++row) {
        bytes.clear();
        for (const Vec& key : keys) append_key(bytes, key, row);
        groups[row] = group_of(bytes);
      }
    }
    std::vector<std::vector<Vec>> args(states_.size());
    for (size_t a = 0; a < states_.size(); ++a) {
      for (const ExprPtr& arg : plan_->aggregates[a].args) {
        RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*arg, context));
        args[a].push_back(std::move(value));
      }
    }
    if (plan_->emit == EmitMode::changes) return changes(keys, args, groups, count);
    if (rows_.size() < count) {
      rows_.resize(count);
      std::iota(rows_.begin(), rows_.end(), 0u);
    }
    for (size_t a = 0; a < states_.size(); ++a)
      RBC_RETURN_NOT_OK(states_[a]->update(args[a], rows_.data(), groups.data(), count));
    return Batch::empty(plan_->select.output);
  }

  Status merge(QueryState& other_state) override {
    auto& other = static_cast<GroupedState&>(other_state);
    std::vector<uint32_t> into(other.keys_.size());
    for (size_t g = 0; g < other.keys_.size(); ++g) into[g] = group_of(other.keys_[g]);
    for (size_t a = 0; a < states_.size(); ++a)
      RBC_RETURN_NOT_OK(states_[a]->merge(*other.states_[a], into.data()));
    other.clear();
    return Status::ok();
  }

  Result<std::vector<Batch>> finish() override {
    std::vector<Batch> out;
    if (plan_->emit == EmitMode::changes) return out;
    for (size_t first = 0; first < keys_.size() && !limit_reached(); first += kFinishBatchRows) {
      size_t count = std::min(kFinishBatchRows, keys_.size() - first);
      std::vector<uint32_t> ids(count);
      std::iota(ids.begin(), ids.end(), static_cast<uint32_t>(first));
      std::vector<Vec> keys(plan_->keys.size());
      for (size_t k = 0; k < keys.size(); ++k) keys[k].type = plan_->keys[k]->type;
      std::vector<std::string_view> bytes(keys_.begin() + static_cast<std::ptrdiff_t>(first),
                                          keys_.begin() + static_cast<std::ptrdiff_t>(first + count));
      decode_keys(bytes, keys);
      Batch groups = Batch::empty(std::make_shared<const Schema>(plan_->select.input));
      groups.num_rows = count;
      for (size_t k = 0; k < keys.size(); ++k) groups.columns[k] = to_column(keys[k], keys[k].type, count);
      for (size_t a = 0; a < states_.size(); ++a) {
        RBC_ASSIGN_OR_RETURN(Vec result, states_[a]->result(ids.data(), count));
        groups.columns[keys.size() + a] = to_column(result, plan_->aggregates[a].type, count);
      }
      RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, groups));
      out.push_back(limited(std::move(rows)));
    }
    return out;
  }

  size_t groups() const override { return keys_.size(); }
  size_t state_bytes() const override {
    size_t total = key_bytes_ + index_.capacity() * (sizeof(std::pair<std::string_view, uint32_t>) + 1);
    for (const auto& states : states_) total += states->bytes();
    return total;
  }

 private:
  // The id of the group whose key bytes are `bytes`, a new one when it is new.
  uint32_t group_of(std::string_view bytes) {
    auto found = index_.find(bytes);
    if (found != index_.end()) return found->second;
    auto id = static_cast<uint32_t>(keys_.size());
    keys_.emplace_back(bytes);
    key_bytes_ += sizeof(std::string) + (keys_.back().capacity() > 15 ? keys_.back().capacity() + 1 : 0);
    index_.emplace(keys_.back(), id);
    for (auto& states : states_) states->resize(keys_.size());
    return id;
  }

  // EMIT CHANGES: row by row, each row's group folds it and then gives its updated row.
  Result<Batch> changes(const std::vector<Vec>& keys, const std::vector<std::vector<Vec>>& args,
                        const std::vector<uint32_t>& groups, size_t count) {
    Batch updated = Batch::empty(std::make_shared<const Schema>(plan_->select.input));
    updated.num_rows = count;
    for (size_t k = 0; k < keys.size(); ++k) updated.columns[k] = to_column(keys[k], keys[k].type, count);
    for (size_t row = 0; row < count; ++row) {
      const auto index = static_cast<uint32_t>(row);
      for (size_t a = 0; a < states_.size(); ++a) {
        RBC_RETURN_NOT_OK(states_[a]->update(args[a], &index, &groups[row], 1));
        RBC_ASSIGN_OR_RETURN(Vec result, states_[a]->result(&groups[row], 1));
        updated.columns[keys.size() + a].append_from(to_column(result, plan_->aggregates[a].type, 1), 0);
      }
    }
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, updated));
    return limited(std::move(rows));
  }

  bool limit_reached() const { return plan_->shape.limit && emitted_ >= *plan_->shape.limit; }

  // `rows` cut to what the LIMIT leaves.
  Batch limited(Batch rows) {
    if (plan_->shape.limit) {
      uint64_t left = *plan_->shape.limit - std::min(emitted_, *plan_->shape.limit);
      if (rows.num_rows > left) {
        for (auto& column : rows.columns) column.truncate(left);
        rows.num_rows = left;
      }
    }
    emitted_ += rows.num_rows;
    return rows;
  }

  void clear() {
    index_.clear();
    keys_.clear();
    key_bytes_ = 0;
    states_.clear();
    for (const AggregateCall& call : plan_->aggregates) states_.push_back(make_states(call));
  }

  std::shared_ptr<const Plan> plan_;
  // Group g's key bytes are keys_[g]; a deque never moves them, so the index can point into them.
  std::deque<std::string> keys_;
  absl::flat_hash_map<std::string_view, uint32_t> index_;
  size_t key_bytes_ = 0;
  std::vector<std::unique_ptr<AggregateStates>> states_;
  std::vector<uint32_t> rows_;  // 0, 1, 2, ...: the rows of a batch in evaluation order
  uint64_t emitted_ = 0;
};

}  // namespace

std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan) {
  return std::make_unique<GroupedState>(std::move(plan));
}

}  // namespace rbc::sql
