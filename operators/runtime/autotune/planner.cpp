// The autotuner's decision logic; planner.h has the design.
#include "operators/runtime/autotune/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <utility>

#include "graph/plan_printer.h"

namespace rbc {

namespace {

std::string knob_name(int knob) {
  switch (knob) {
    case 0: return "parallelism and partition_mode";
    case 1: return "node_concurrency";
    default: return "copy_flush_bytes";
  }
}

// `knob`: 0 readers (parallelism, with the partition mode where `modes` are probed and
// there is more than one reader), 1 node concurrency, 2 flush bytes.
std::string knob_value(const TuneKnobs& knobs, int knob, bool modes) {
  switch (knob) {
    case 0:
      return "parallelism " + std::to_string(knobs.parallelism) +
             (modes && knobs.parallelism > 1
                  ? " partition_mode " + std::string(to_string(knobs.partition_mode))
                  : std::string());
    case 1: return "node_concurrency " + std::to_string(knobs.node_concurrency);
    default: return "copy_flush_bytes " + format_bytes(knobs.flush_bytes);
  }
}

template <typename Rate>
double median_rate(const std::vector<WindowMeasure>& windows, Rate rate) {
  std::vector<double> rates;
  for (const auto& w : windows) rates.push_back(w.seconds > 0 ? rate(w) / w.seconds : 0);
  if (rates.empty()) return 0;
  std::sort(rates.begin(), rates.end());
  size_t mid = rates.size() / 2;
  return rates.size() % 2 == 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
}

}  // namespace

double AutotunePlanner::Candidate::bytes_per_second() const {
  return median_rate(windows, [](const WindowMeasure& w) { return static_cast<double>(w.bytes); });
}

double AutotunePlanner::Candidate::rows_per_second() const {
  return median_rate(windows, [](const WindowMeasure& w) { return static_cast<double>(w.rows); });
}

double AutotunePlanner::Candidate::flush_share() const {
  double flush = 0, seconds = 0;
  for (const auto& w : windows) flush += w.flush_seconds, seconds += w.seconds * knobs.parallelism;
  return seconds > 0 ? flush / seconds : 0;
}

double AutotunePlanner::Candidate::bytes_per_cpu_second() const {
  double bytes = 0, cpu = 0;
  for (const auto& w : windows) bytes += static_cast<double>(w.bytes), cpu += w.cpu_seconds;
  return cpu > 0 ? bytes / cpu : 0;
}

double AutotunePlanner::Candidate::slowest() const {
  double low = 0;
  for (size_t i = 0; i < windows.size(); ++i) {
    double rate = windows[i].seconds > 0 ? static_cast<double>(windows[i].bytes) / windows[i].seconds : 0;
    low = i == 0 ? rate : std::min(low, rate);
  }
  return low;
}

double AutotunePlanner::Candidate::fastest() const {
  double high = 0;
  for (const auto& w : windows) {
    if (w.seconds > 0) high = std::max(high, static_cast<double>(w.bytes) / w.seconds);
  }
  return high;
}

AutotunePlanner::AutotunePlanner(std::string stream, const AutotuneCandidates& candidates, TuneKnobs baseline,
                                 int readers, std::optional<KeySpan> span,
                                 std::optional<RememberedChoice> remembered)
    : stream_(std::move(stream)),
      candidates_(candidates),
      baseline_(baseline),
      best_(baseline),
      readers_(readers),
      span_(span) {
  // A knob without candidates keeps its baseline; no candidate may need more readers
  // than the stream was opened with.
  auto& p = candidates_.parallelism;
  if (p.empty()) p = {baseline.parallelism};
  p.erase(std::remove_if(p.begin(), p.end(), [&](int64_t n) { return n < 1 || n > readers; }), p.end());
  if (p.empty()) p = {baseline.parallelism};
  if (candidates_.partition_mode.empty()) candidates_.partition_mode = {baseline.partition_mode};
  feeds_copy_ = !candidates_.copy_flush_bytes.empty();
  // Node concurrency is a knob only where the stream has a tuned transform (its baseline).
  if (baseline.node_concurrency <= 0) candidates_.node_concurrency.clear();
  if (candidates_.node_concurrency.empty() && baseline.node_concurrency > 0)
    candidates_.node_concurrency = {baseline.node_concurrency};
  if (!feeds_copy_) candidates_.copy_flush_bytes = {baseline.flush_bytes};

  if (!span_) {
    skip("the stream has no integer key to probe windows of");
    return;
  }
  if (span_->empty) {
    skip("no row has a key value");
    return;
  }
  by_blocks_ = span_->blocks > 0;
  if (!span_->indexed && !by_blocks_) {
    skip("the key has no index: every probe window would scan the whole table");
    return;
  }
  // A window is a range of blocks or of keys ("units"); rows per unit convert the two. A
  // table never analyzed has no estimate: then each key counts as a row.
  double keys = static_cast<double>(span_->max) - static_cast<double>(span_->min) + 1;
  double rows = span_->estimated_rows > 0 ? span_->estimated_rows : keys;
  double units = by_blocks_ ? static_cast<double>(span_->blocks) : keys;
  rows_ = rows;
  int slots = 0;
  // The windows are sized for the parallelism and partition-mode candidates; the flush
  // thresholds get what budget is left (they can rarely be measured: flush_unmeasurable()).
  // Parallelism and partition mode are one knob: each parallelism with each mode (one
  // reader has no mode to choose). Decided one after the other, the readers would be chosen
  // under the baseline's mode, which can be the wrong one for more readers (with mod every
  // reader scans all of the table, with range each a part of it).
  probe_modes_ = candidates_.partition_mode.size() > 1 && *std::max_element(p.begin(), p.end()) > 1;
  int pairs = 0;
  for (int64_t n : p)
    pairs += n > 1 && probe_modes_ ? static_cast<int>(candidates_.partition_mode.size()) : 1;
  if (pairs > 1) {
    knobs_left_.push_back(Knob::readers);
    slots += pairs;
  }
  if (candidates_.node_concurrency.size() > 1) {
    knobs_left_.push_back(Knob::node_concurrency);
    slots += static_cast<int>(candidates_.node_concurrency.size()) - 1;
  }
  if (candidates_.copy_flush_bytes.size() > 1) {
    knobs_left_.push_back(Knob::flush_bytes);
    slots = std::max(slots, static_cast<int>(candidates_.copy_flush_bytes.size()));
  }
  if (knobs_left_.empty()) {
    skip("nothing to tune: one candidate per knob");
    return;
  }
  budget_rows_ = static_cast<uint64_t>(std::min(kMaxProbeRows, kMaxProbeShare * rows));
  planned_window_rows_ = static_cast<double>(budget_rows_) / (slots * kMaxRounds);
  if (planned_window_rows_ < kMinWindowRows) {
    skip("tiny stream: about " + std::to_string(static_cast<uint64_t>(rows)) +
         " rows, a probe window would hold fewer than " + std::to_string(kMinWindowRows));
    return;
  }
  window_keys_ = std::max<int64_t>(1, std::llround(planned_window_rows_ * units / rows));
  next_lo_ = by_blocks_ ? 0 : span_->min;
  start_knob();
  // Advise mode always probes: its point is the measured gain.
  if (remembered && !candidates_.advise) {
    if (!feeds_copy_) remembered->knobs.flush_bytes = baseline_.flush_bytes;  // not a knob: not stored
    char change[32];
    double ratio = remembered->table_rows > 0 ? rows / remembered->table_rows : 0;
    std::snprintf(change, sizeof change, "%.2f", ratio);
    std::string of = "the remembered choice of run " + remembered->run_id;
    if (!is_candidate(remembered->knobs)) {
      memory_ = "re-probed";
      decision_ = of + " is not among this plan's candidates: probed again";
    } else if (ratio <= 0 || ratio > kSizeChange || ratio < 1 / kSizeChange) {
      memory_ = "re-probed";
      decision_ =
          "the stream's estimated rows changed " + std::string(change) + "x since " + of + ": probed again";
    } else {
      remembered_ = std::move(remembered);
      verifying_ = true;
    }
  }
}

bool AutotunePlanner::is_candidate(const TuneKnobs& knobs) const {
  auto in = [](const auto& list, auto value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  bool concurrency = candidates_.node_concurrency.empty()
                         ? knobs.node_concurrency == baseline_.node_concurrency
                         : in(candidates_.node_concurrency, int64_t{knobs.node_concurrency});
  return in(candidates_.parallelism, int64_t{knobs.parallelism}) &&
         in(candidates_.partition_mode, knobs.partition_mode) &&
         in(candidates_.copy_flush_bytes, knobs.flush_bytes) && concurrency;
}

void AutotunePlanner::verify(const WindowMeasure& measure) {
  double share = static_cast<double>(measure.bytes) / measure.seconds / remembered_->bytes_per_second;
  best_verified_share_ = std::max(best_verified_share_, share);
  if (share < kVerifiedShare && ++verify_measured_ < kVerifyWindows) return;
  verifying_ = false;
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", share >= kVerifiedShare ? share : best_verified_share_);
  std::string of = "the remembered choice of run " + remembered_->run_id;
  if (share >= kVerifiedShare) {
    memory_ = "verified";
    decision_ = of + " verified: a verification window ran at " + text + "x its remembered bytes/s";
    best_ = remembered_->knobs;
    current_.clear();
    knobs_left_.clear();
    steady_ = true;
  } else {
    memory_ = "re-probed";
    decision_ = of + " probed again: its " + std::to_string(kVerifyWindows) +
                " verification windows ran at most " + text + "x its remembered bytes/s";
  }
}

void AutotunePlanner::skip(std::string reason) {
  skipped_ = std::move(reason);
  best_ = baseline_;
  steady_ = true;
}

bool AutotunePlanner::start_knob() {
  current_.clear();
  while (!knobs_left_.empty()) {
    Knob knob = knobs_left_.front();
    knobs_left_.erase(knobs_left_.begin());
    auto add = [&](TuneKnobs knobs) {
      Candidate candidate{knobs, {}};
      // A candidate measured for an earlier knob keeps its windows.
      for (const auto& done : measured_) {
        if (done.knobs == knobs) candidate.windows = done.windows;
      }
      current_.push_back(std::move(candidate));
    };
    // Each candidate is the best knobs so far with this knob's value changed.
    auto with = [&](auto set) {
      TuneKnobs knobs = best_;
      set(knobs);
      add(knobs);
    };
    for (int64_t p : candidates_.parallelism) {
      if (knob != Knob::readers) break;
      if (p == 1 || !probe_modes_) {
        with([&](TuneKnobs& k) { k.parallelism = static_cast<int>(p); });
        continue;
      }
      for (PartitionMode mode : candidates_.partition_mode) {
        with([&](TuneKnobs& k) {
          k.parallelism = static_cast<int>(p);
          k.partition_mode = mode;
        });
      }
    }
    for (int64_t n : candidates_.node_concurrency) {
      if (knob != Knob::node_concurrency) break;
      with([&](TuneKnobs& k) { k.node_concurrency = static_cast<int>(n); });
    }
    for (int64_t bytes : candidates_.copy_flush_bytes) {
      if (knob != Knob::flush_bytes) break;
      with([&](TuneKnobs& k) { k.flush_bytes = bytes; });
    }
    current_knob_ = knob;
    return true;
  }
  return false;
}

double AutotunePlanner::Candidate::spread() const {
  double median = bytes_per_second();
  return median > 0 ? (fastest() - slowest()) / (2 * median) : 0;
}

double AutotunePlanner::noise(const Candidate& a, const Candidate& b) {
  return std::max({kTie, a.spread(), b.spread()});
}

bool AutotunePlanner::better(const Candidate& a, const Candidate& b) const {
  if (a.windows.empty() != b.windows.empty()) return b.windows.empty();
  if (a.knobs.parallelism != b.knobs.parallelism) {
    // More readers take more of the machine: they must win by more than the windows' noise.
    const Candidate& more = a.knobs.parallelism > b.knobs.parallelism ? a : b;
    const Candidate& fewer = &more == &a ? b : a;
    bool more_wins = more.bytes_per_second() > (1 + noise(a, b)) * fewer.bytes_per_second();
    return (&a == &more) == more_wins;
  }
  auto differ = [](double x, double y) {
    return std::abs(x - y) > kTie * std::max(std::abs(x), std::abs(y));
  };
  if (differ(a.bytes_per_second(), b.bytes_per_second())) return a.bytes_per_second() > b.bytes_per_second();
  if (differ(a.rows_per_second(), b.rows_per_second())) return a.rows_per_second() > b.rows_per_second();
  if (std::abs(a.flush_share() - b.flush_share()) > kTie) return a.flush_share() < b.flush_share();
  return a.bytes_per_cpu_second() > b.bytes_per_cpu_second();
}

size_t AutotunePlanner::leader() const {
  size_t best = 0;
  for (size_t i = 1; i < current_.size(); ++i) {
    if (better(current_[i], current_[best])) best = i;
  }
  return best;
}

bool AutotunePlanner::knob_settled() const {
  size_t fewest = current_.front().windows.size();
  for (const auto& c : current_) fewest = std::min(fewest, c.windows.size());
  if (fewest < static_cast<size_t>(kMinRounds)) return false;
  if (fewest >= static_cast<size_t>(kMaxRounds)) return true;
  const Candidate& lead = current_[leader()];
  // The best rival's median and its best window, weighed as better() weighs them.
  double second = 0, second_best_window = 0;
  for (const auto& c : current_) {
    if (&c == &lead) continue;
    double weight = 1;
    if (c.knobs.parallelism > lead.knobs.parallelism) weight = 1 / (1 + noise(lead, c));
    if (c.knobs.parallelism < lead.knobs.parallelism) weight = 1 + noise(lead, c);
    second = std::max(second, c.bytes_per_second() * weight);
    second_best_window = std::max(second_best_window, c.fastest() * weight);
  }
  // A median of two windows is their mean, which one disturbed window can still pull
  // down: after two rounds the leader's slowest window must beat every rival window.
  double stable_above = fewest < 3 ? second_best_window : second;
  return lead.bytes_per_second() > kLeadToStop * second && lead.slowest() > stable_above;
}

// A writer sends its buffer when it holds the flush threshold: in a window that gives each
// writer less than twice the largest threshold, the thresholds cannot show a difference.
std::optional<std::string> AutotunePlanner::flush_unmeasurable() const {
  double bytes = 0, windows = 0;
  for (const auto* list : {&current_, &measured_}) {
    for (const auto& c : *list) {
      for (const auto& w : c.windows) bytes += static_cast<double>(w.bytes), windows += 1;
    }
  }
  if (windows == 0) return std::nullopt;  // the baseline's first window will tell
  double per_writer = bytes / windows / best_.parallelism;
  int64_t largest =
      *std::max_element(candidates_.copy_flush_bytes.begin(), candidates_.copy_flush_bytes.end());
  if (per_writer >= 2.0 * static_cast<double>(largest)) return std::nullopt;
  return "copy_flush_bytes " + format_bytes(best_.flush_bytes) +
         " kept, not probed: a probe window gives each writer " +
         format_byte_count(static_cast<uint64_t>(per_writer)) + ", less than twice the largest threshold";
}

void AutotunePlanner::finish_knob(std::optional<std::string> not_probed) {
  int knob = static_cast<int>(current_knob_);
  bool complete = std::all_of(current_.begin(), current_.end(),
                              [](const Candidate& c) { return c.windows.size() >= kMinRounds; });
  std::string text;
  if (not_probed) {
    text = *not_probed;
  } else if (complete) {
    const Candidate& winner = current_[leader()];
    best_ = winner.knobs;
    double second = 0;
    for (const auto& c : current_) {
      if (&c != &winner) second = std::max(second, c.bytes_per_second());
    }
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", second > 0 ? winner.bytes_per_second() / second : 0.0);
    text = knob_value(best_, knob, probe_modes_) + " at " + ratio + "x the next candidate's bytes/s";
    if (second > winner.bytes_per_second()) {
      // Only a candidate with more readers can be faster and lose: within the noise.
      double guard = 0;
      for (const auto& c : current_) {
        if (&c != &winner) guard = std::max(guard, noise(winner, c));
      }
      char margin[16];
      std::snprintf(margin, sizeof margin, "%.2f", 1 + guard);
      text += std::string(" (more readers must be ") + margin + "x faster: the windows' noise)";
    }
  } else {
    text = knob_value(best_, knob, probe_modes_) +
           " kept: the probe budget ran out before every candidate ran " + std::to_string(kMinRounds) +
           " windows";
  }
  decision_ += (decision_.empty() ? "" : "; ") + text;
  keep_measured();
}

void AutotunePlanner::keep_measured() {
  for (auto& c : current_) {
    auto same = std::find_if(measured_.begin(), measured_.end(),
                             [&](const Candidate& m) { return m.knobs == c.knobs; });
    if (same != measured_.end()) {
      *same = std::move(c);
    } else if (!c.windows.empty()) {
      measured_.push_back(std::move(c));
    }
  }
  current_.clear();
}

bool AutotunePlanner::invalidate(int number, const std::string& why) {
  auto it = in_flight_.find(number);
  if (steady_ || it == in_flight_.end()) return false;
  // Every reader of a failing window may report it: the first says why.
  if (std::find(invalid_windows_.begin(), invalid_windows_.end(), number) != invalid_windows_.end())
    return true;
  const TuneKnobs knobs = it->second;
  invalid_windows_.push_back(number);
  // Its windows measured a candidate that does not work: none of them counts.
  for (auto* list : {&current_, &measured_}) {
    list->erase(
        std::remove_if(list->begin(), list->end(), [&](const Candidate& c) { return c.knobs == knobs; }),
        list->end());
  }
  std::string text = "candidate parallelism " + std::to_string(knobs.parallelism) + " partition_mode " +
                     to_string(knobs.partition_mode) + " invalidated in probe window " +
                     std::to_string(number) + ": " + why + "; fell back to the baseline";
  decision_ += (decision_.empty() ? "" : "; ") + text;
  fall_back_ = true;
  best_ = baseline_;
  return true;
}

TuneWindow AutotunePlanner::next_window() {
  if (fall_back_ && !steady_) {
    keep_measured();  // what the knob measured so far still shows in the event
    knobs_left_.clear();
    steady_ = true;
  }
  while (!steady_) {
    __int128 hi = static_cast<__int128>(next_lo_) + window_keys_;
    // The rows read and in flight, with this window's: the budget is a cap, not a target.
    double rows_out =
        static_cast<double>(probe_rows_) + planned_window_rows_ * static_cast<double>(in_flight_.size() + 1);
    bool out_of_budget = rows_out > static_cast<double>(budget_rows_) || probe_seconds_ >= kMaxProbeSeconds ||
                         hi > last_unit();  // the steady phase keeps the last keys (blocks)
    if (!out_of_budget && current_knob_ == Knob::flush_bytes) {
      if (std::optional<std::string> why = flush_unmeasurable()) {
        finish_knob(*why);
        if (!start_knob()) {
          steady_ = true;
          break;
        }
        continue;
      }
    }
    if (verifying_) {
      // The remembered choice's windows run until one passes or two fall short (verify()).
      if (!out_of_budget) return probe_window(remembered_->knobs, hi, true);
      verifying_ = false;  // windows without rows all along: nothing to verify it with
      memory_ = "kept";
      decision_ = "the remembered choice of run " + remembered_->run_id +
                  " kept: the probe budget ran out before a verification window read a row";
      best_ = remembered_->knobs;
      current_.clear();
      steady_ = true;
      break;
    }
    if (out_of_budget || knob_settled()) {
      finish_knob();
      if (out_of_budget) {
        // The knobs still to come keep their values: say so, so that no knob goes unexplained.
        for (Knob knob : knobs_left_) {
          decision_ += "; " + knob_name(static_cast<int>(knob)) + " not probed: the probe budget ran out";
        }
        knobs_left_.clear();
      }
      if (!start_knob()) {
        steady_ = true;
        break;
      }
      continue;
    }
    // Interleaved rounds: a candidate with the fewest windows (measured or running) runs
    // next. Round r starts at candidate r (mod their count): over n rounds each candidate
    // runs once at each place in a round, so each one's windows come as early in the probe,
    // on average, as the others'. The probe is no steady state (a destination falls further
    // behind its socket with each window), and in a fixed order the first candidate would
    // always run earliest.
    auto count = [&](const Candidate& c) {
      size_t n = c.windows.size();
      for (const auto& [number, knobs] : in_flight_) n += knobs == c.knobs;
      return n;
    };
    size_t fewest = count(current_[0]);
    for (const Candidate& c : current_) fewest = std::min(fewest, count(c));
    size_t next = 0;
    for (size_t k = 0; k < current_.size(); ++k) {
      next = (fewest + k) % current_.size();
      if (count(current_[next]) == fewest) break;
    }
    return probe_window(current_[next].knobs, hi, false);
  }
  return steady_window();
}

TuneWindow AutotunePlanner::probe_window(const TuneKnobs& knobs, __int128 hi, bool verification) {
  TuneWindow window;
  window.number = windows_run_++;
  window.knobs = knobs;
  window.flush_bytes =
      current_knob_ == Knob::flush_bytes && !verification ? knobs.flush_bytes : kProbeFlushBytes;
  window.slices = split(knobs, next_lo_, static_cast<int64_t>(hi), false);
  window.batch_rows = std::max(
      kMinBatchRows, static_cast<size_t>(planned_window_rows_ / (knobs.parallelism * kBatchesPerWindow)));
  in_flight_[window.number] = knobs;
  if (verification) verify_windows_.push_back(window.number);
  next_lo_ = static_cast<int64_t>(hi);
  return window;
}

void AutotunePlanner::record(int number, const WindowMeasure& measure) {
  auto it = in_flight_.find(number);
  if (it == in_flight_.end()) return;
  TuneKnobs knobs = it->second;
  in_flight_.erase(it);
  probe_rows_ += measure.rows;
  probe_seconds_ += measure.seconds;
  if (std::find(invalid_windows_.begin(), invalid_windows_.end(), number) != invalid_windows_.end()) return;
  // A window in a gap of the key space measures nothing: it does not count. One that ends
  // after its knob was decided still shows in the event.
  bool verification =
      std::find(verify_windows_.begin(), verify_windows_.end(), number) != verify_windows_.end();
  if (verification) {
    if (verifying_ && measure.rows > 0 && measure.seconds > 0) verify(measure);
  } else if (measure.rows > 0 && measure.seconds > 0) {
    bool found = false;
    for (auto* list : {&current_, &measured_}) {
      for (auto& c : *list) {
        if (!found && c.knobs == knobs) c.windows.push_back(measure), found = true;
      }
    }
  }
  if (steady_) return;
  // The catalog's estimate was off, or the keys are uneven: keep windows near their
  // planned size (growing at most 4x at a time, so a gap in the keys does not blow it up).
  double rows = static_cast<double>(measure.rows);
  if (rows > 1.5 * planned_window_rows_ || rows < 0.5 * planned_window_rows_) {
    double factor = rows > 0 ? std::min(4.0, planned_window_rows_ / rows) : 4.0;
    window_keys_ = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(window_keys_) * factor));
  }
}

TuneWindow AutotunePlanner::steady_window() const {
  const TuneKnobs& run = ran();
  TuneWindow window;
  window.number = windows_run_;
  window.steady = true;
  window.knobs = run;
  window.flush_bytes = run.flush_bytes;
  if (!span_ || span_->empty) {
    window.slices.assign(static_cast<size_t>(readers_), std::nullopt);
    window.slices[0] = KeySlice{};  // nothing to split by: the whole stream, one reader
    return window;
  }
  std::optional<int64_t> lo;
  if (windows_run_ > 0) lo = next_lo_;
  // One slice per reader, the rest of the stream: a query the server runs as one scan.
  window.slices = split(run, lo, std::nullopt, true);
  return window;
}

namespace {

// [lo, hi) in n contiguous pieces, `from` and `to` standing for an unset bound; the first
// piece keeps lo and the last hi, so an open end stays open.
std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> pieces(std::optional<int64_t> lo,
                                                                              std::optional<int64_t> hi,
                                                                              __int128 from, __int128 to,
                                                                              int n) {
  auto bound = [&](int i) {
    return std::optional<int64_t>(static_cast<int64_t>(from + (to - from) * i / n));
  };
  std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(i == 0 ? lo : bound(i), i == n - 1 ? hi : bound(i + 1));
  return out;
}

}  // namespace

std::vector<std::optional<KeySlice>> AutotunePlanner::split(const TuneKnobs& knobs, std::optional<int64_t> lo,
                                                            std::optional<int64_t> hi,
                                                            bool with_nulls) const {
  if (!by_blocks_) return split_keys(knobs, lo, hi, with_nulls);
  int n = std::max(1, knobs.parallelism);
  std::vector<std::optional<KeySlice>> slices(static_cast<size_t>(readers_));
  if (n > 1 && knobs.partition_mode == PartitionMode::range) {
    // range: each reader its own contiguous part of the blocks. Untuned, a range reader reads
    // its keys through the key's index, which on a table loaded in key order is its own part
    // of the heap, not all of it; every reader scanning all of a window and keeping a key
    // range would cost the server p times that, and range would lose windows it wins after.
    auto parts = pieces(lo, hi, lo.value_or(0), hi.value_or(span_->blocks), n);
    for (int i = 0; i < n; ++i) {
      slices[i] = KeySlice{};
      std::tie(slices[i]->block_lo, slices[i]->block_hi) = parts[i];
    }
    return slices;
  }
  // mod: each reader scans all of the window's blocks and keeps its share of their keys, as
  // an untuned mod reader scans all of the table (every window has NULLs).
  slices = split_keys(knobs, std::nullopt, std::nullopt, true);
  for (auto& slice : slices) {
    if (!slice) continue;
    slice->block_lo = lo;
    slice->block_hi = hi;
  }
  return slices;
}

std::vector<std::optional<KeySlice>> AutotunePlanner::split_keys(const TuneKnobs& knobs,
                                                                 std::optional<int64_t> lo,
                                                                 std::optional<int64_t> hi,
                                                                 bool with_nulls) const {
  std::vector<std::optional<KeySlice>> slices(static_cast<size_t>(readers_));
  int n = std::max(1, knobs.parallelism);
  if (n == 1 || knobs.partition_mode == PartitionMode::mod) {
    for (int i = 0; i < n; ++i) slices[i] = KeySlice{lo, hi, n, n == 1 ? 0 : i, with_nulls && i == 0, {}, {}};
    return slices;
  }
  // range: n contiguous pieces of the key span; the first also keeps the NULL keys.
  __int128 to = hi ? static_cast<__int128>(*hi) : static_cast<__int128>(span_->max) + 1;
  auto parts = pieces(lo, hi, lo.value_or(span_->min), to, n);
  for (int i = 0; i < n; ++i) {
    KeySlice slice;
    std::tie(slice.lo, slice.hi) = parts[i];
    slice.with_nulls = with_nulls && i == 0;
    slices[i] = slice;
  }
  return slices;
}

// The choice's median bytes/s over the baseline's, each from its latest knob's windows
// (the baseline ran in the first knob's windows, the choice in the last knob it won).
double AutotunePlanner::gain() const {
  const Candidate *chosen = measured(best_), *base = measured(baseline_);
  if (chosen == nullptr || base == nullptr || base->bytes_per_second() <= 0) return 0;
  return chosen->bytes_per_second() / base->bytes_per_second();
}

const AutotunePlanner::Candidate* AutotunePlanner::measured(const TuneKnobs& knobs) const {
  const Candidate* found = nullptr;
  for (const auto* list : {&measured_, &current_}) {
    for (const auto& c : *list) {
      if (!c.windows.empty() && c.knobs == knobs) found = &c;
    }
  }
  return found;
}

AutotuneEvent AutotunePlanner::event() const {
  AutotuneEvent event;
  event.stream = stream_;
  event.pinned = candidates_.pinned;
  event.decided = skipped_.empty();
  event.reason = event.decided ? decision_ : skipped_;
  if (!steady_)
    event.reason += (event.reason.empty() ? "" : "; ") + std::string("the run stopped while probing");
  event.parallelism = ran().parallelism;
  event.partition_mode = ran().partition_mode;
  if (feeds_copy_) event.copy_flush_bytes = ran().flush_bytes;
  if (ran().node_concurrency > 0) event.node_concurrency = ran().node_concurrency;
  if (candidates_.advise && event.decided) {
    event.advise = true;
    event.advised_parallelism = best_.parallelism;
    event.advised_partition_mode = best_.partition_mode;
    if (feeds_copy_) event.advised_copy_flush_bytes = best_.flush_bytes;
    if (best_.node_concurrency > 0) event.advised_node_concurrency = best_.node_concurrency;
    event.advised_gain = gain();
  }
  event.remembered = memory_;
  event.estimated_rows = rows_;
  if (const Candidate* choice = measured(best_)) event.chosen_bytes_per_second = choice->bytes_per_second();
  // A choice this run probed and runs, to verify next time (a verified one stays as it was).
  event.to_remember = event.decided && steady_ && !candidates_.advise && !fall_back_ &&
                      event.chosen_bytes_per_second > 0 && memory_ != "verified" && memory_ != "kept";
  event.probe_windows = windows_run_;
  event.window_unit = by_blocks_ ? "heap blocks" : span_ && span_->records ? "records" : "keys";
  event.probe_rows = probe_rows_;
  event.probe_seconds = probe_seconds_;
  const Candidate* chosen = measured(best_);
  double rate = chosen != nullptr ? chosen->rows_per_second() : 0;
  event.probe_overhead_seconds =
      rate > 0 ? std::max(0.0, probe_seconds_ - static_cast<double>(probe_rows_) / rate) : probe_seconds_;
  std::vector<const Candidate*> all;
  for (const auto& c : measured_) all.push_back(&c);
  for (const auto& c : current_) all.push_back(&c);
  for (const Candidate* c : all) {
    AutotuneCandidateResult result;
    result.parallelism = c->knobs.parallelism;
    result.partition_mode = c->knobs.partition_mode;
    result.copy_flush_bytes = c->knobs.flush_bytes;
    result.node_concurrency = c->knobs.node_concurrency;
    result.windows = static_cast<int>(c->windows.size());
    for (const auto& w : c->windows)
      result.rows += w.rows, result.bytes += w.bytes, result.seconds += w.seconds;
    result.bytes_per_second = c->bytes_per_second();
    result.rows_per_second = c->rows_per_second();
    result.flush_share = c->flush_share();
    result.bytes_per_cpu_second = c->bytes_per_cpu_second();
    event.candidates.push_back(result);
  }
  return event;
}

}  // namespace rbc
