// The router runner (router_runner.h).
#include "operators/runtime/router_runner.h"

#include <algorithm>

#include "operators/runtime/clock.h"
#include "operators/runtime/routing.h"

namespace rbc {

Status RouterRunner::prepare(std::shared_ptr<const Schema> input) {
  output_schema = input;
  if (step_.mode == RouterNode::Mode::hash) {
    for (const auto& key : step_.keys) key_columns_.push_back(input->index_of(key));
    const bool plain = std::find(key_columns_.begin(), key_columns_.end(), -1) == key_columns_.end();
    if (plain && step_.event_time.empty()) return Status::ok();
    // Keys that are expressions (an aggregation's GROUP BY UPPER(city)) are evaluated first,
    // and so is a window's time, after them.
    std::string query = "SELECT ";
    for (size_t k = 0; k < step_.keys.size(); ++k) query += (k ? ", " : "") + step_.keys[k];
    if (!step_.event_time.empty()) query += std::string(step_.keys.empty() ? "" : ", ") + step_.event_time;
    query += " FROM input";
    SqlCompileResult compiled = compile_sql(query, *input);
    if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled))
      return Status::invalid("hash keys: " + format_sql_error(query, errors->front()));
    key_query_ = std::get<CompiledQuery>(std::move(compiled));
    key_columns_.clear();
    for (size_t k = 0; k < step_.keys.size(); ++k) key_columns_.push_back(static_cast<int>(k));
    return Status::ok();
  }
  for (const auto& [output, condition] : step_.predicates) {
    std::string query = "SELECT * FROM input WHERE " + condition;
    SqlCompileResult compiled = compile_sql(query, *input);
    if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled))
      return Status::invalid("output '" + output + "': " + format_sql_error(query, errors->front()));
    predicates_.emplace_back(output, std::get<CompiledQuery>(std::move(compiled)));
  }
  return Status::ok();
}

void RouterRunner::route(const Msg& envelope) {
  if (run_.stopped()) return;
  int64_t start = now_ns();
  counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  counters.in(envelope->batch);
  try {
    if (step_.mode == RouterNode::Mode::hash) {
      route_by_hash(envelope, start);
    } else {
      route_by_predicates(envelope, start);
    }
  } catch (const std::exception& e) {
    run_.fail(id(), envelope->lane, std::string("unexpected exception: ") + e.what());
  }
}

// Fragment k of batch s gets sequence number s*N+k, so that the lanes' numbers together
// stay contiguous; the batch's cursor position rides on its last fragment; in front of a
// window, every fragment carries the whole batch's largest event time.
void RouterRunner::route_by_hash(const Msg& envelope, int64_t start) {
  const int n = step_.outputs.value;
  std::vector<std::vector<uint32_t>> rows;
  std::optional<int64_t> max_event_us;
  if (key_query_) {
    Result<Batch> keys = key_query_->evaluate(envelope->batch);
    if (!keys.is_ok()) return run_.fail(id(), envelope->lane, "hash keys: " + keys.status().message());
    rows = rows_by_lane(*keys, key_columns_, n);
    if (!step_.event_time.empty()) max_event_us = max_event_time_us(keys->columns.back());
  } else {
    rows = rows_by_lane(envelope->batch, key_columns_, n);
  }
  std::vector<Msg> fragments;
  for (int lane = 0; lane < n; ++lane) {
    auto fragment = std::make_shared<Envelope>();
    fragment->batch = take_rows(envelope->batch, rows[lane]);
    fragment->seq = envelope->seq * n + lane;
    fragment->lane = lane;
    fragment->ticket = envelope->ticket;
    fragment->progress = envelope->progress;
    fragment->progress.max_event_us = max_event_us;
    if (lane == n - 1) fragment->position = envelope->position;
    fragments.push_back(std::move(fragment));
  }
  counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
  for (auto& fragment : fragments) run_.emit(*this, std::move(fragment));
}

// Each named output gets the rows its condition holds for (an empty batch when none),
// with the input's sequence number; rows no condition holds for are dropped; unlabelled
// edges get every row.
void RouterRunner::route_by_predicates(const Msg& envelope, int64_t start) {
  std::vector<std::pair<const std::string*, Msg>> outputs;
  for (const auto& [name, query] : predicates_) {
    Result<Batch> selected = query.evaluate(envelope->batch);
    if (!selected.is_ok())
      return run_.fail(id(), envelope->lane, "output '" + name + "': " + selected.status().message());
    auto fragment = std::make_shared<Envelope>();
    fragment->batch = std::move(selected).value();
    fragment->seq = envelope->seq;
    fragment->lane = envelope->lane;
    fragment->ticket = envelope->ticket;
    fragment->position = envelope->position;
    fragment->progress = envelope->progress;
    outputs.emplace_back(&name, std::move(fragment));
  }
  counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
  for (const auto& successor : successors) {
    const Envelope* source = envelope.get();
    for (const auto& [name, fragment] : outputs) {
      if (*name == successor.label) source = fragment.get();
    }
    counters.out(source->batch);
    run_.put(run_.runner(successor.node), std::make_shared<Envelope>(*source));
  }
}

}  // namespace rbc
