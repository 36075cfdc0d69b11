// One lane's groups of an aggregation without a window (plan.h: start_aggregation). A
// batch is folded in three vectorised steps: WHERE gives the selected rows; the group keys
// are evaluated and each row's key bytes (group_key.h) are looked up in the group table,
// giving a group id per row; then every aggregate folds its evaluated arguments into its
// states by those ids. A two_phase lane keeps its groups in parts by key hash (MergePart,
// query.h), so that at the end every lane merges and emits its own part at once; its lanes
// may instead fold each row into its part's owner (QueryState::join). Windowed aggregations
// are in windows.cpp.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>

#include "expr/group_key.h"
#include "expr/group_table.h"
#include "expr/plan.h"

namespace rbc::sql {
namespace {

// Pre-aggregating in every lane pays when a lane's rows keep finding the groups it holds.
// A lane whose first kShuffleDecisionRows rows made at least kShuffleGroupsPerRow groups per
// row is looking at many keys: every lane would hold nearly every key (the lanes' count
// times the groups, and as many merges per key at the end) for little reduction. The lanes
// then fold each row into its key's owner instead, for a lock per part and batch. Neither
// value is tuned: bench/autotune.sh's GROUP BY (100k keys over 2M rows) makes 0.75 groups
// per row there, a GROUP BY of a thousand keys 0.015.
constexpr uint64_t kShuffleDecisionRows = 65'536;
constexpr double kShuffleGroupsPerRow = 0.5;

class GroupedState;

// The lanes of one two-phase aggregation, shared by their states once joined.
struct Lanes {
  explicit Lanes(size_t count) : locks(count), owners(count, nullptr) {}
  // Lane c's own part: other lanes fold into it once shuffling, so every lane takes its
  // lock to touch it.
  std::vector<std::mutex> locks;
  std::vector<GroupedState*> owners;
  std::atomic<bool> shuffle{false};
  std::mutex note_mutex;
  std::string note;  // the decision, as the run report says it
};

class GroupedState final : public QueryState {
 public:
  GroupedState(std::shared_ptr<const Plan> plan, MergePart part)
      : plan_(std::move(plan)), part_(part), limit_(plan_->shape.limit) {
    for (int p = 0; p < std::max(1, part_.count); ++p)
      tables_.push_back(std::make_unique<GroupTable>(*plan_));
    // An aggregate without GROUP BY has its one group even over no rows (COUNT(*) is 0).
    if (plan_->keys.empty()) table_of(std::string()).group_of(std::string());
    sizes_ = std::make_unique<PartSize[]>(tables_.size());
    for (size_t p = 0; p < tables_.size(); ++p) note_size(p);
    if (tables_.size() > 1) {
      lanes_ = std::make_shared<Lanes>(tables_.size());
      lanes_->owners[static_cast<size_t>(part_.own)] = this;
    }
  }

  void join(QueryState& first_state) override {
    auto& first = static_cast<GroupedState&>(first_state);
    if (&first == this || !first.lanes_ || first.tables_.size() != tables_.size()) return;
    lanes_ = first.lanes_;
    lanes_->owners[static_cast<size_t>(part_.own)] = this;
  }

  std::string lanes_note() const override {
    if (!lanes_) return "";
    std::lock_guard lock(lanes_->note_mutex);
    return lanes_->note;
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
    note_size(0);
    return Batch::empty(plan_->select.output);
  }

  Status merge(QueryState& other_state) override {
    auto& other = static_cast<GroupedState&>(other_state);
    if (other.tables_.size() != tables_.size())
      return Status::internal("sql: merging lanes of different parts");
    auto& theirs = other.tables_[static_cast<size_t>(part_.own)];
    RBC_RETURN_NOT_OK(own_table().merge(*theirs));
    theirs = std::make_unique<GroupTable>(*plan_);
    note_size(static_cast<size_t>(part_.own));
    other.note_size(static_cast<size_t>(part_.own));
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

  // From any thread: other lanes may be folding into this one's own part meanwhile.
  size_t groups() const override { return sum_sizes(&PartSize::groups); }
  size_t state_bytes() const override { return sum_sizes(&PartSize::bytes); }

 private:
  // The part of the keys whose hash is `hash`: by its high half, so that the group table's
  // probe (by the low bits) stays spread within a part.
  size_t part_of(uint64_t hash) const { return static_cast<size_t>(((hash >> 32) * tables_.size()) >> 32); }
  struct PartSize {
    std::atomic<size_t> groups{0}, bytes{0};
  };
  size_t sum_sizes(std::atomic<size_t> PartSize::*field) const {
    size_t total = 0;
    for (size_t part = 0; part < tables_.size(); ++part)
      total += (sizes_[part].*field).load(std::memory_order_relaxed);
    return total;
  }
  // Publishes part `part`'s size, by whichever lane just changed its table (under the
  // part's lock where other lanes may fold into it), for groups() and state_bytes().
  void note_size(size_t part) {
    sizes_[part].groups.store(tables_[part]->size(), std::memory_order_relaxed);
    sizes_[part].bytes.store(tables_[part]->bytes(), std::memory_order_relaxed);
  }
  // (With one part, part_of is 0 and part_.own is 0.)
  GroupTable& table_of(std::string_view bytes) { return *tables_[part_of(key_hash(bytes))]; }
  GroupTable& own_table() { return *tables_[static_cast<size_t>(part_.own)]; }
  const GroupTable& own_table() const { return *tables_[static_cast<size_t>(part_.own)]; }

  // A two_phase lane (EMIT FINAL): each row's group is in the table of its key's part: this
  // lane's own, or once the lanes shuffle, the part's owner's. Its own part first, so that
  // lanes folding at once start on different locks.
  Result<Batch> add_by_part(const std::vector<Vec>& keys, const EvalContext& context, size_t count) {
    part_rows_.resize(tables_.size());
    for (auto& rows : part_rows_) rows.clear();
    key_bytes_.clear();  // without GROUP BY, every row's are empty
    key_ends_.resize(count);
    hashes_.resize(count);
    for (size_t row = 0; row < count; ++row) {
      const size_t begin = key_bytes_.size();
      for (const Vec& key : keys) append_key(key_bytes_, key, row);
      key_ends_[row] = key_bytes_.size();
      hashes_[row] = key_hash(std::string_view(key_bytes_).substr(begin));
      part_rows_[part_of(hashes_[row])].push_back(static_cast<uint32_t>(row));
    }
    RBC_ASSIGN_OR_RETURN(auto args, aggregate_args(*plan_, context));
    const bool shuffle = lanes_ && lanes_->shuffle.load(std::memory_order_acquire);
    for (size_t i = 0; i < tables_.size(); ++i) {
      const size_t part = (static_cast<size_t>(part_.own) + i) % tables_.size();
      const std::vector<uint32_t>& rows = part_rows_[part];
      if (rows.empty()) continue;
      GroupTable& table = shuffle ? *lanes_->owners[part]->tables_[part] : *tables_[part];
      std::unique_lock<std::mutex> lock;
      if (lanes_ && (shuffle || part == static_cast<size_t>(part_.own)))
        lock = std::unique_lock(lanes_->locks[part]);
      groups_.resize(rows.size());
      for (size_t k = 0; k < rows.size(); ++k) {
        const size_t row = rows[k], begin = row == 0 ? 0 : key_ends_[row - 1];
        groups_[k] =
            table.group_of(std::string_view(key_bytes_).substr(begin, key_ends_[row] - begin), hashes_[row]);
      }
      RBC_RETURN_NOT_OK(table.update(args, rows.data(), groups_.data(), rows.size()));
      (shuffle ? lanes_->owners[part] : this)->note_size(part);
    }
    if (lanes_ && !shuffle && rows_seen_ < kShuffleDecisionRows) {
      rows_seen_ += count;
      if (rows_seen_ >= kShuffleDecisionRows) decide_shuffle();
    }
    return Batch::empty(plan_->select.output);
  }

  // After this lane's first kShuffleDecisionRows rows: shuffle from here on when they made
  // many groups. The first lane to find so turns every lane; the note keeps what it found.
  void decide_shuffle() {
    // Lanes that were not all joined (a lane started on its own) cannot reach every owner.
    if (std::find(lanes_->owners.begin(), lanes_->owners.end(), nullptr) != lanes_->owners.end()) return;
    const size_t groups = this->groups();
    const double per_row = static_cast<double>(groups) / static_cast<double>(rows_seen_);
    const bool many = per_row >= kShuffleGroupsPerRow;
    char ratio[64];
    std::snprintf(ratio, sizeof ratio, "%.2f per row; at %.2f or more the lanes shuffle", per_row,
                  kShuffleGroupsPerRow);
    std::string note = "lane " + std::to_string(part_.own) + "'s first " + std::to_string(rows_seen_) +
                       " rows made " + std::to_string(groups) + " groups (" + ratio + "): ";
    std::lock_guard lock(lanes_->note_mutex);
    if (many && !lanes_->shuffle.load()) {
      lanes_->note = note + "from then on each lane folds every row into the lane that owns its key";
      lanes_->shuffle.store(true, std::memory_order_release);
    } else if (!many && lanes_->note.empty()) {
      lanes_->note = note + "each lane pre-aggregates every key it sees";
    }
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
    note_size(0);
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, updated));
    return limit_.cut(std::move(rows));
  }

  std::shared_ptr<const Plan> plan_;
  MergePart part_;
  std::vector<std::unique_ptr<GroupTable>> tables_;  // one per part of the keys
  std::unique_ptr<PartSize[]> sizes_;                // each table's, as its last change left it
  std::vector<uint32_t> rows_;                       // 0, 1, 2, ...: the rows of a batch in evaluation order
  // add_by_part's: each part's rows, their groups; each row's key bytes (ending at
  // key_ends_[row] in key_bytes_) and hash
  std::vector<std::vector<uint32_t>> part_rows_;
  std::vector<uint32_t> groups_;
  std::string key_bytes_;
  std::vector<size_t> key_ends_;
  std::vector<uint64_t> hashes_;
  std::shared_ptr<Lanes> lanes_;  // with several parts: the aggregation's lanes, once joined
  uint64_t rows_seen_ = 0;        // until the shuffle is decided
  RowLimit limit_;
};

}  // namespace

std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan,
                                              const WatermarkStep& watermark, MergePart part) {
  if (plan->window) return start_windows(std::move(plan), watermark);
  return std::make_unique<GroupedState>(std::move(plan), part);
}

}  // namespace rbc::sql
