// One lane's groups of an aggregation without a window (plan.h: start_aggregation). A
// batch is folded in three vectorised steps: WHERE gives the selected rows; the group keys
// are evaluated and each row's key bytes (group_key.h) are looked up in the group table,
// giving a group id per row; then every aggregate folds its evaluated arguments into its
// states by those ids. Windowed aggregations are in windows.cpp.
#include <numeric>

#include "expr/group_key.h"
#include "expr/group_table.h"
#include "expr/plan.h"

namespace rbc::sql {
namespace {

class GroupedState final : public QueryState {
 public:
  explicit GroupedState(std::shared_ptr<const Plan> plan)
      : plan_(std::move(plan)), table_(std::make_unique<GroupTable>(*plan_)), limit_(plan_->shape.limit) {
    // An aggregate without GROUP BY has its one group even over no rows (COUNT(*) is 0).
    if (plan_->keys.empty()) table_->group_of(std::string());
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
    std::vector<uint32_t> groups(count, 0);
    if (!keys.empty()) {
      std::string bytes;
      for (size_t row = 0; row < count; ++row) {
        bytes.clear();
        for (const Vec& key : keys) append_key(bytes, key, row);
        groups[row] = table_->group_of(bytes);
      }
    }
    RBC_ASSIGN_OR_RETURN(auto args, aggregate_args(*plan_, context));
    if (plan_->emit == EmitMode::changes) return changes(args, groups, count);
    if (rows_.size() < count) {
      rows_.resize(count);
      std::iota(rows_.begin(), rows_.end(), 0u);
    }
    RBC_RETURN_NOT_OK(table_->update(args, rows_.data(), groups.data(), count));
    return Batch::empty(plan_->select.output);
  }

  Status merge(QueryState& other_state) override {
    auto& other = static_cast<GroupedState&>(other_state);
    RBC_RETURN_NOT_OK(table_->merge(*other.table_));
    other.table_ = std::make_unique<GroupTable>(*plan_);
    return Status::ok();
  }

  Result<std::vector<Batch>> finish() override {
    std::vector<Batch> out;
    if (plan_->emit == EmitMode::changes) return out;
    for (size_t first = 0; first < table_->size() && !limit_.reached(); first += kFinishBatchRows) {
      RBC_ASSIGN_OR_RETURN(
          Batch groups,
          table_->rows(first, std::min(kFinishBatchRows, table_->size() - first), std::nullopt));
      RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, groups));
      out.push_back(limit_.cut(std::move(rows)));
    }
    return out;
  }

  size_t groups() const override { return table_->size(); }
  size_t state_bytes() const override { return table_->bytes(); }

 private:
  // EMIT CHANGES: row by row, each row's group folds it and then gives its updated row.
  Result<Batch> changes(const std::vector<std::vector<Vec>>& args, const std::vector<uint32_t>& groups,
                        size_t count) {
    Batch updated = Batch::empty(std::make_shared<const Schema>(plan_->select.input));
    for (size_t row = 0; row < count; ++row) {
      const auto index = static_cast<uint32_t>(row);
      RBC_RETURN_NOT_OK(table_->update(args, &index, &groups[row], 1));
      RBC_ASSIGN_OR_RETURN(Batch one, table_->rows(groups[row], 1, std::nullopt));
      append_rows(updated, one);
    }
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, updated));
    return limit_.cut(std::move(rows));
  }

  std::shared_ptr<const Plan> plan_;
  std::unique_ptr<GroupTable> table_;
  std::vector<uint32_t> rows_;  // 0, 1, 2, ...: the rows of a batch in evaluation order
  RowLimit limit_;
};

}  // namespace

std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan,
                                              const WatermarkStep& watermark) {
  if (plan->window) return start_windows(std::move(plan), watermark);
  return std::make_unique<GroupedState>(std::move(plan));
}

}  // namespace rbc::sql
