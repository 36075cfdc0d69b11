// One lane's windowed aggregation (plan.h: start_windows). Each batch, in read order:
//   1. the time of every row is evaluated; the batch's largest (or the one its hash router
//      computed over the whole batch) will feed the watermark;
//   2. each row WHERE keeps is folded into every open window it belongs to (TUMBLING: one,
//      HOPPING: size / advance of them, SESSION: its key's session, merging the sessions it
//      bridges); a row none of whose windows is open is late (take_late_rows);
//   3. the watermark advances past the batch (watermark.h) and every window whose end it
//      has reached closes: EMIT FINAL emits its groups, and its state is freed.
// A row is judged against the watermark as it stood before its batch, so the result depends
// only on the order of the batches, not on how keys fall into lanes. At the end of the
// input every window still open closes.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "expr/group_key.h"
#include "expr/group_table.h"
#include "expr/plan.h"
#include "expr/watermark.h"
#include "graph/value_format.h"

namespace rbc::sql {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// One key's session: [start, end) with end = its last row's time + the gap.
struct Session {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t order = 0;    // creation order: sessions closing at one time leave in this order
  size_t accounted = 0;  // its bytes as counted in session_bytes_ (account())
  std::string key;
  std::vector<std::unique_ptr<AggregateStates>> states;  // one group each
};

class WindowedState final : public QueryState {
 public:
  WindowedState(std::shared_ptr<const Plan> plan, const WatermarkStep& watermark)
      : plan_(std::move(plan)),
        window_(*plan_->window),
        tracker_(watermark),
        limit_(plan_->shape.limit),
        groups_schema_(std::make_shared<const Schema>(plan_->select.input)) {}

  Result<Batch> add(const Batch& input, const BatchProgress& progress) override {
    late_.clear();
    const int64_t watermark = tracker_.current();  // rows are judged against it as it stood
    RBC_ASSIGN_OR_RETURN(Times times, event_times(input));
    std::optional<int64_t> batch_max = progress.max_event_us ? progress.max_event_us : times.max;

    bool all = false;
    RBC_ASSIGN_OR_RETURN(std::vector<uint32_t> selected, select_rows(plan_->where, input, all));
    const size_t count = all ? input.num_rows : selected.size();
    Batch updated = Batch::empty(groups_schema_);  // EMIT CHANGES' rows
    if (count > 0) {
      EvalContext context{&input, all ? nullptr : selected.data(), count};
      std::vector<Vec> keys;
      for (const ExprPtr& key : plan_->keys) {
        RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*key, context));
        keys.push_back(std::move(value));
      }
      RBC_ASSIGN_OR_RETURN(auto args, aggregate_args(*plan_, context));
      std::string key;
      for (size_t i = 0; i < count; ++i) {
        const uint32_t row = all ? static_cast<uint32_t>(i) : selected[i];
        if (!times.valid[row]) {
          late_.push_back({row, "its event time is NULL, so it belongs to no window"});
          continue;
        }
        key.clear();
        for (const Vec& k : keys) append_key(key, k, i);
        const auto index = static_cast<uint32_t>(i);
        const int64_t t = times.us[row];
        bool folded = window_.kind == WindowKind::session
                          ? fold_session(key, t, watermark, args, index, updated)
                          : fold_windows(key, t, watermark, args, index, updated);
        if (!folded) late_.push_back({row, late_reason(t, watermark)});
      }
      RBC_RETURN_NOT_OK(flush_pending(args));
      if (!status_.is_ok()) return status_;
    }
    late_total_ += late_.size();

    Batch out = Batch::empty(plan_->select.output);
    if (updated.num_rows > 0) {
      RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, updated));
      append_rows(out, limit_.cut(std::move(rows)));
    }
    RBC_RETURN_NOT_OK(close_until(tracker_.advance(progress, batch_max), out));
    return out;
  }

  Status merge(QueryState&) override {
    return Status::internal("a windowed aggregation's lanes are not merged: each owns its keys");
  }

  Result<std::vector<Batch>> finish() override {
    Batch out = Batch::empty(plan_->select.output);
    RBC_RETURN_NOT_OK(close_until(INT64_MAX, out));
    std::vector<Batch> batches;
    if (out.num_rows > 0) batches.push_back(std::move(out));
    return batches;
  }

  std::vector<LateRow> take_late_rows() override { return std::exchange(late_, {}); }
  size_t open_windows() const override { return windows_.size() + session_count_; }
  uint64_t late_rows() const override { return late_total_; }
  size_t groups() const override {
    size_t total = session_count_;
    for (const auto& [start, table] : windows_) total += table->size();
    return total;
  }
  size_t state_bytes() const override {
    size_t total = session_bytes_;
    for (const auto& [start, table] : windows_) total += table->bytes();
    return total;
  }

 private:
  struct Times {
    std::vector<int64_t> us;
    std::vector<uint8_t> valid;
    std::optional<int64_t> max;
  };

  // Every row's event time in microseconds (an integer time is epoch milliseconds).
  Result<Times> event_times(const Batch& input) const {
    Times times;
    const size_t n = input.num_rows;
    times.us.assign(n, 0);
    times.valid.assign(n, 0);
    if (n == 0) return times;
    RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*window_.time, EvalContext{&input, nullptr, n}));
    const TypeId type = window_.time->type.id;
    for (size_t row = 0; row < n; ++row) {
      if (!value.is_valid(row)) continue;
      int64_t v = value.ints[value.constant ? 0 : row];
      if (type == TypeId::date) {
        // An infinite date is the infinite timestamp; a date past 294247 has no window.
        if (v == INT32_MAX || v == INT32_MIN) {
          v = v > 0 ? INT64_MAX : INT64_MIN;
        } else if (__builtin_mul_overflow(v, int64_t{86'400'000'000}, &v)) {
          v = v > 0 ? INT64_MAX : INT64_MIN;
        }
      } else if (type != TypeId::timestamp && type != TypeId::timestamptz) {
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
          return Status::invalid("window time " + std::to_string(v) +
                                 " is out of range for epoch milliseconds");
        v *= 1000;
      }
      // Window bounds are the time plus and minus sizes: an infinity (PostgreSQL's
      // timestamp 'infinity'), or a time that near rbc's ends, has none that fits.
      const int64_t margin = 2 * (window_.size_us + window_.advance_us + window_.gap_us);
      if (v > INT64_MAX - margin || v < INT64_MIN + margin) {
        return Status::invalid("window time " + format_time(v) +
                               " has no window: its bounds are past the range of a timestamp");
      }
      times.us[row] = v;
      times.valid[row] = 1;
      times.max = std::max(times.max.value_or(INT64_MIN), v);
    }
    return times;
  }

  // TUMBLING and HOPPING: the row joins each of its windows that is still open. Rows are
  // gathered per window and folded by flush_pending (EMIT CHANGES folds at once).
  bool fold_windows(const std::string& key, int64_t t, int64_t watermark,
                    const std::vector<std::vector<Vec>>& args, uint32_t index, Batch& updated) {
    bool folded = false;
    const int64_t last = floor_div(t, window_.advance_us) * window_.advance_us;
    // Oldest first, so that EMIT CHANGES gives a row's windows in start order.
    int64_t first = last;
    while (first - window_.advance_us > t - window_.size_us) first -= window_.advance_us;
    for (int64_t start = first; start <= last; start += window_.advance_us) {
      if (start + window_.size_us <= watermark) continue;  // closed
      folded = true;
      Pending& pending = pending_for(start);
      const uint32_t group = pending.table->group_of(key);
      if (plan_->emit == EmitMode::changes) {
        if (!status_.is_ok()) continue;
        status_ = pending.table->update(args, &index, &group, 1);
        if (!status_.is_ok()) continue;
        Result<Batch> one = pending.table->rows(group, 1, std::pair{start, start + window_.size_us});
        if (!one.is_ok()) {
          status_ = one.status();
          continue;
        }
        append_rows(updated, *one);
      } else {
        pending.rows.push_back(index);
        pending.groups.push_back(group);
      }
    }
    return folded;
  }

  struct Pending {
    GroupTable* table = nullptr;
    std::vector<uint32_t> rows, groups;
  };

  Pending& pending_for(int64_t start) {
    auto [found, added] = pending_.try_emplace(start);
    if (added) {
      auto [window, created] = windows_.try_emplace(start);
      if (created) window->second = std::make_unique<GroupTable>(*plan_);
      found->second.table = window->second.get();
    }
    return found->second;
  }

  Status flush_pending(const std::vector<std::vector<Vec>>& args) {
    for (auto& [start, pending] : pending_) {
      if (!pending.rows.empty())
        RBC_RETURN_NOT_OK(
            pending.table->update(args, pending.rows.data(), pending.groups.data(), pending.rows.size()));
    }
    pending_.clear();
    return Status::ok();
  }

  // SESSION: the row's own window [t, t + gap) joins every open session of its key that it
  // touches; they become one. Late when it touches none and its own window has closed.
  bool fold_session(const std::string& key, int64_t t, int64_t watermark,
                    const std::vector<std::vector<Vec>>& args, uint32_t index, Batch& updated) {
    const int64_t end = t + window_.gap_us;
    auto& list = sessions_[key];
    Session* target = nullptr;
    for (auto it = list.begin(); it != list.end();) {
      Session& s = **it;
      if (s.start > end || s.end < t) {
        ++it;
        continue;
      }
      if (target == nullptr) {
        target = &s;
        ++it;
        continue;
      }
      // A second session the row bridges: merged into the first.
      for (size_t a = 0; a < target->states.size(); ++a) {
        const uint32_t zero = 0;
        if (status_.is_ok()) status_ = target->states[a]->merge(*s.states[a], &zero);
      }
      closing_.erase({s.end, s.order});
      reshape(*target, std::min(target->start, s.start), std::max(target->end, s.end));
      session_bytes_ -= s.accounted;
      --session_count_;
      by_order_.erase(s.order);
      it = list.erase(it);
    }
    if (target == nullptr) {
      if (end <= watermark) {
        if (list.empty()) sessions_.erase(key);
        return false;
      }
      auto session = std::make_unique<Session>();
      session->start = t;
      session->end = end;
      session->order = next_order_++;
      session->key = key;
      for (const AggregateCall& call : plan_->aggregates) {
        session->states.push_back(make_states(call));
        session->states.back()->resize(1);
      }
      target = session.get();
      closing_.insert({target->end, target->order});
      by_order_[target->order] = target;
      ++session_count_;
      list.push_back(std::move(session));
    } else {
      reshape(*target, std::min(target->start, t), std::max(target->end, end));
    }
    const uint32_t zero = 0;
    for (size_t a = 0; a < target->states.size() && status_.is_ok(); ++a)
      status_ = target->states[a]->update(args[a], &index, &zero, 1);
    account(*target);
    if (plan_->emit == EmitMode::changes && status_.is_ok()) {
      Result<Batch> one = session_rows({target});
      if (one.is_ok()) {
        append_rows(updated, *one);
      } else {
        status_ = one.status();
      }
    }
    return true;
  }

  void reshape(Session& session, int64_t start, int64_t end) {
    if (end != session.end) {
      closing_.erase({session.end, session.order});
      closing_.insert({end, session.order});
    }
    session.start = start;
    session.end = end;
  }

  // Keeps session_bytes_ the sum of the open sessions' sizes as their states grow (a
  // sketch allocated, a longer string kept), so that closing one gives back what it holds.
  void account(Session& session) {
    const size_t now = session_size(session);
    session_bytes_ = session_bytes_ - session.accounted + now;
    session.accounted = now;
  }

  static size_t session_size(const Session& session) {
    size_t bytes = sizeof(Session) + session.key.capacity() + 64;
    for (const auto& states : session.states) bytes += states->bytes();
    return bytes;
  }

  // Sessions as rows of the groups' schema.
  Result<Batch> session_rows(const std::vector<const Session*>& sessions) const {
    Batch groups = Batch::empty(groups_schema_);
    const size_t count = sessions.size();
    groups.num_rows = count;
    std::vector<Vec> keys(plan_->keys.size());
    for (size_t k = 0; k < keys.size(); ++k) keys[k].type = plan_->keys[k]->type;
    std::vector<std::string_view> bytes;
    for (const Session* s : sessions) bytes.emplace_back(s->key);
    decode_keys(bytes, keys);
    size_t column = 0;
    for (size_t k = 0; k < keys.size(); ++k)
      groups.columns[column++] = to_column(keys[k], keys[k].type, count);
    Column& starts = groups.columns[column++];
    Column& ends = groups.columns[column++];
    for (const Session* s : sessions) {
      starts.append_from(window_bound_column(window_.column_type, s->start, 1), 0);
      ends.append_from(window_bound_column(window_.column_type, s->end, 1), 0);
    }
    for (size_t a = 0; a < plan_->aggregates.size(); ++a) {
      Column& results = groups.columns[column++];
      for (const Session* s : sessions) {
        const uint32_t zero = 0;
        RBC_ASSIGN_OR_RETURN(Vec result, s->states[a]->result(&zero, 1));
        results.append_from(to_column(result, plan_->aggregates[a].type, 1), 0);
      }
    }
    return groups;
  }

  // Closes every window whose end the watermark has reached, oldest first; EMIT FINAL
  // appends their rows (after HAVING) to `out`.
  Status close_until(int64_t watermark, Batch& out) {
    const bool emit = plan_->emit == EmitMode::final_rows;
    while (!windows_.empty() && windows_.begin()->first + window_.size_us <= watermark) {
      auto window = windows_.begin();
      const GroupTable& table = *window->second;
      const std::pair bounds{window->first, window->first + window_.size_us};
      for (size_t first = 0; emit && first < table.size() && !limit_.reached(); first += kFinishBatchRows) {
        RBC_ASSIGN_OR_RETURN(Batch groups,
                             table.rows(first, std::min(kFinishBatchRows, table.size() - first), bounds));
        RBC_RETURN_NOT_OK(emit_groups(groups, out));
      }
      windows_.erase(window);
    }
    std::vector<const Session*> closed;
    for (auto it = closing_.begin(); it != closing_.end() && it->first <= watermark; ++it)
      closed.push_back(by_order_.at(it->second));
    if (closed.empty()) return Status::ok();
    for (size_t first = 0; emit && first < closed.size() && !limit_.reached(); first += kFinishBatchRows) {
      std::vector<const Session*> part(
          closed.begin() + static_cast<std::ptrdiff_t>(first),
          closed.begin() + static_cast<std::ptrdiff_t>(std::min(closed.size(), first + kFinishBatchRows)));
      RBC_ASSIGN_OR_RETURN(Batch groups, session_rows(part));
      RBC_RETURN_NOT_OK(emit_groups(groups, out));
    }
    for (const Session* s : closed) {
      closing_.erase({s->end, s->order});
      by_order_.erase(s->order);
      session_bytes_ -= s->accounted;
      --session_count_;
      auto list = sessions_.find(s->key);
      auto& sessions = list->second;
      sessions.erase(std::find_if(sessions.begin(), sessions.end(),
                                  [&](const std::unique_ptr<Session>& p) { return p.get() == s; }));
      if (sessions.empty()) sessions_.erase(list);
    }
    return Status::ok();
  }

  Status emit_groups(const Batch& groups, Batch& out) {
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, groups));
    append_rows(out, limit_.cut(std::move(rows)));
    return Status::ok();
  }

  std::string format_time(int64_t us) const {
    std::string out;
    if (window_.column_type.is_integer()) {
      append_int64(out, floor_div(us, 1000));
    } else if (window_.column_type.id == TypeId::timestamptz) {
      append_timestamptz(out, us);
    } else {
      append_timestamp(out, us);
    }
    return out;
  }

  std::string late_reason(int64_t t, int64_t watermark) const {
    std::string window;
    if (window_.kind == WindowKind::session) {
      window = "its session [" + format_time(t) + ", " + format_time(t + window_.gap_us) + ")";
    } else {
      int64_t start = floor_div(t, window_.advance_us) * window_.advance_us;
      window = "its window [" + format_time(start) + ", " + format_time(start + window_.size_us) + ")";
    }
    return "late row: event time " + format_time(t) + " is behind the watermark " + format_time(watermark) +
           ": " + window + " had closed";
  }

  std::shared_ptr<const Plan> plan_;
  const WindowSpec& window_;
  WatermarkTracker tracker_;
  RowLimit limit_;
  std::shared_ptr<const Schema> groups_schema_;
  Status status_ = Status::ok();  // the first error of the batch being folded

  // TUMBLING and HOPPING: the open windows by start.
  std::map<int64_t, std::unique_ptr<GroupTable>> windows_;
  absl::flat_hash_map<int64_t, Pending> pending_;  // this batch's rows per window

  // SESSION: each key's open sessions; which close when (end, order).
  std::unordered_map<std::string, std::vector<std::unique_ptr<Session>>> sessions_;
  std::set<std::pair<int64_t, uint64_t>> closing_;
  std::unordered_map<uint64_t, Session*> by_order_;
  uint64_t next_order_ = 0;
  size_t session_count_ = 0;
  size_t session_bytes_ = 0;

  std::vector<LateRow> late_;
  uint64_t late_total_ = 0;
};

}  // namespace

}  // namespace rbc::sql

namespace rbc {

std::optional<int64_t> max_event_time_us(const Column& times) {
  std::optional<int64_t> max;
  for (size_t row = 0; row < times.size(); ++row) {
    if (times.is_null(row)) continue;
    int64_t us = 0;
    switch (times.type().id) {
      case TypeId::date:
        // Past the range (an infinite date): the lane's own check fails the run on that row.
        if (__builtin_mul_overflow(int64_t{times.value<int32_t>(row)}, int64_t{86'400'000'000}, &us))
          continue;
        break;
      case TypeId::timestamp:
      case TypeId::timestamptz: us = times.value<int64_t>(row); break;
      case TypeId::int16: us = int64_t{times.value<int16_t>(row)} * 1000; break;
      case TypeId::int32: us = int64_t{times.value<int32_t>(row)} * 1000; break;
      case TypeId::int64:
        // Out of range for epoch milliseconds: the lane's own check fails the run on that row.
        if (__builtin_mul_overflow(times.value<int64_t>(row), 1000, &us)) continue;
        break;
      default: return std::nullopt;
    }
    max = std::max(max.value_or(INT64_MIN), us);
  }
  return max;
}

}  // namespace rbc

namespace rbc::sql {

std::unique_ptr<QueryState> start_windows(std::shared_ptr<const Plan> plan, const WatermarkStep& watermark) {
  return std::make_unique<WindowedState>(std::move(plan), watermark);
}

}  // namespace rbc::sql
