// One lane's groups of an aggregation without a window (plan.h: start_aggregation). A
// batch is folded in three vectorised steps: WHERE gives the selected rows; the group keys
// are evaluated and each row's key bytes (group_key.h) are looked up in the group table,
// giving a group id per row; then every aggregate folds its evaluated arguments into its
// states by those ids. A two_phase lane keeps its groups in parts by key hash (MergePart,
// query.h), so that at the end every lane merges and emits its own part at once. Windowed
// aggregations are in windows.cpp.
#include <numeric>

#include "expr/group_key.h"
#include "expr/group_table.h"
#include "expr/plan.h"

namespace rbc::sql {
namespace {

class GroupedState final : public QueryState {
 public:
  GroupedState(std::shared_ptr<const Plan> plan, MergePart part)
      : plan_(std::move(plan)), part_(part), limit_(plan_->shape.limit) {
    for (int p = 0; p < std::max(1, part_.count); ++p)
      tables_.push_back(std::make_unique<GroupTable>(*plan_));
    // An aggregate without GROUP BY has its one group even over no rows (COUNT(*) is 0).
    if (plan_->keys.empty()) table_of(std::string()).group_of(std::string());
  }

  Result<Batch> add(const Batch& input, const BatchProgress& /*progress*/) override {
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
    if (tables_.size() > 1) return add_by_part(keys, context, count);
    std::vector<uint32_t> groups(count, 0);
    if (!keys.empty()) {
      std::string bytes;
      for (size_t row = 0; row < count; ++row) {
        bytes.clear();
        for (const Vec& key : keys) append_key(bytes, key, row);
        groups[row] = tables_[0]->group_of(bytes);
      }
    }
    RBC_ASSIGN_OR_RETURN(auto args, aggregate_args(*plan_, context));
    if (plan_->emit == EmitMode::changes) return changes(args, groups, count);
    if (rows_.size() < count) {
      rows_.resize(count);
      std::iota(rows_.begin(), rows_.end(), 0u);
    }
    RBC_RETURN_NOT_OK(tables_[0]->update(args, rows_.data(), groups.data(), count));
    return Batch::empty(plan_->select.output);
  }

  Status merge(QueryState& other_state) override {
    auto& other = static_cast<GroupedState&>(other_state);
    if (other.tables_.size() != tables_.size())
      return Status::internal("sql: merging lanes of different parts");
    auto& theirs = other.tables_[static_cast<size_t>(part_.own)];
    RBC_RETURN_NOT_OK(own_table().merge(*theirs));
    theirs = std::make_unique<GroupTable>(*plan_);
    return Status::ok();
  }

  Result<std::vector<Batch>> finish() override {
    std::vector<Batch> out;
    if (plan_->emit == EmitMode::changes) return out;
    const GroupTable& table = own_table();
    for (size_t first = 0; first < table.size() && !limit_.reached(); first += kFinishBatchRows) {
      RBC_ASSIGN_OR_RETURN(Batch groups,
                           table.rows(first, std::min(kFinishBatchRows, table.size() - first), std::nullopt));
      RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, groups));
      out.push_back(limit_.cut(std::move(rows)));
    }
    return out;
  }

  size_t groups() const override {
    size_t total = 0;
    for (const auto& table : tables_) total += table->size();
    return total;
  }
  size_t state_bytes() const override {
    size_t total = 0;
    for (const auto& table : tables_) total += table->bytes();
    return total;
  }

 private:
  // The part of the keys whose hash is `hash`: by its high half, so that the group table's
  // probe (by the low bits) stays spread within a part.
  size_t part_of(uint64_t hash) const { return static_cast<size_t>(((hash >> 32) * tables_.size()) >> 32); }
  GroupTable& table_of(std::string_view bytes) {
    return *tables_[tables_.size() == 1 ? 0 : part_of(key_hash(bytes))];
  }
  GroupTable& own_table() { return *tables_[tables_.size() == 1 ? 0 : static_cast<size_t>(part_.own)]; }
  const GroupTable& own_table() const {
    return *tables_[tables_.size() == 1 ? 0 : static_cast<size_t>(part_.own)];
  }

  // A two_phase lane (EMIT FINAL): each row's group is in the table of its key's part.
  Result<Batch> add_by_part(const std::vector<Vec>& keys, const EvalContext& context, size_t count) {
    part_rows_.resize(tables_.size());
    part_groups_.resize(tables_.size());
    for (size_t part = 0; part < tables_.size(); ++part) {
      part_rows_[part].clear();
      part_groups_[part].clear();
    }
    std::string bytes;  // without GROUP BY, every row's are empty
    for (size_t row = 0; row < count; ++row) {
      bytes.clear();
      for (const Vec& key : keys) append_key(bytes, key, row);
      const uint64_t hash = key_hash(bytes);
      const size_t part = part_of(hash);
      part_rows_[part].push_back(static_cast<uint32_t>(row));
      part_groups_[part].push_back(tables_[part]->group_of(bytes, hash));
    }
    RBC_ASSIGN_OR_RETURN(auto args, aggregate_args(*plan_, context));
    for (size_t part = 0; part < tables_.size(); ++part) {
      if (part_rows_[part].empty()) continue;
      RBC_RETURN_NOT_OK(tables_[part]->update(args, part_rows_[part].data(), part_groups_[part].data(),
                                              part_rows_[part].size()));
    }
    return Batch::empty(plan_->select.output);
  }

  // EMIT CHANGES (one part): row by row, each row's group folds it and then gives its updated row.
  Result<Batch> changes(const std::vector<std::vector<Vec>>& args, const std::vector<uint32_t>& groups,
                        size_t count) {
    Batch updated = Batch::empty(std::make_shared<const Schema>(plan_->select.input));
    for (size_t row = 0; row < count; ++row) {
      const auto index = static_cast<uint32_t>(row);
      RBC_RETURN_NOT_OK(tables_[0]->update(args, &index, &groups[row], 1));
      RBC_ASSIGN_OR_RETURN(Batch one, tables_[0]->rows(groups[row], 1, std::nullopt));
      append_rows(updated, one);
    }
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, updated));
    return limit_.cut(std::move(rows));
  }

  std::shared_ptr<const Plan> plan_;
  MergePart part_;
  std::vector<std::unique_ptr<GroupTable>> tables_;  // one per part of the keys
  std::vector<uint32_t> rows_;                       // 0, 1, 2, ...: the rows of a batch in evaluation order
  std::vector<std::vector<uint32_t>> part_rows_, part_groups_;  // each part's rows and their groups
  RowLimit limit_;
};

}  // namespace

std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan,
                                              const WatermarkStep& watermark, MergePart part) {
  if (plan->window) return start_windows(std::move(plan), watermark);
  return std::make_unique<GroupedState>(std::move(plan), part);
}

}  // namespace rbc::sql
