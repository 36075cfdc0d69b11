// The runtime autotuner (docs/autotune.md): per stream, probe candidate knob values over
// short windows of the stream, then lock the winner for the rest ("steady").
//
// A window is a contiguous range [lo, hi) of the table's heap blocks where the source reads
// block ranges by scanning them (PostgreSQL tables), else of the stream's integer key, read
// by the window's parallelism readers (the partition-mode knob: each keeps its keys mod p, or
// its sub-range of the keys, or of a block window's blocks) while the stream's writers use
// the window's flush threshold. Block windows read as the steady phase does (a scan); key
// windows read through the key's index, which costs the server more per row than a scan
// (generator streams cost the same). The next window starts as soon as the current one is
// read, so the pipeline stays full as in the steady phase (waiting for each window to be
// written would measure a pipeline that fills and drains, and favour more readers); a
// window's time runs from the previous window's last write to its own. Windows follow each
// other in order and the steady phase reads every block or key after the last window (and
// the NULL keys): each row is read exactly once, all from the one snapshot the readers share.
//
// Knobs are tuned one after another (the readers: parallelism and partition mode together,
// each parallelism with each mode; then the stream's transforms' node concurrency; then
// flush bytes), each candidate over two to four interleaved windows.
// Other streams of the run may be running meanwhile: a window measures its candidate on a
// machine that is doing whatever else the run does.
//
// This file is the decision logic alone (AutotunePlanner: deterministic, unit-tested,
// no threads or clocks), so that the rules can be tested window by window;
// stream_tuner.h runs its windows on the reader threads and measures them, and
// tuned_reader.h is the reader that reads the slices it hands out. docs/architecture.md
// has the reasons.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "graph/physical_plan.h"
#include "operators/runtime/run_report.h"

namespace rbc {

struct TuneKnobs {
  int parallelism = 1;
  PartitionMode partition_mode = PartitionMode::mod;
  int64_t flush_bytes = kDefaultCopyFlushBytes;
  int node_concurrency = 0;  // the stream's stateless transforms' batches at once; 0: no such knob
  bool operator==(const TuneKnobs&) const = default;
};

// What one window measured.
struct WindowMeasure {
  uint64_t rows = 0, bytes = 0;
  double seconds = 0;
  double flush_seconds = 0;  // writers' time inside write() (encoding and sending)
  double cpu_seconds = 0;    // process CPU time
};

// A window to run: its knobs and, per reader, the slice it reads (none: the reader waits
// for the next window, or, once steady, is done).
struct TuneWindow {
  int number = 0;
  bool steady = false;
  TuneKnobs knobs;
  // The writers' COPY flush threshold during the window: the candidate's when the flush
  // threshold is the knob probed (or once steady), else kProbeFlushBytes.
  int64_t flush_bytes = kDefaultCopyFlushBytes;
  size_t batch_rows = 0;  // probe windows: rows per batch, so that a window spans several
  std::vector<std::optional<KeySlice>> slices;  // per reader
};

// A stream's choice remembered from an earlier run on this many cores (docs/autotune.md,
// Remembered choices): the next run verifies it with one window instead of probing.
struct RememberedChoice {
  TuneKnobs knobs;
  double bytes_per_second = 0;  // its median in the probe that chose it
  double table_rows = 0;        // the stream's estimated rows then
  std::string run_id;           // the run that chose it
};

// Remembered choices are per machine size: the cores the plan was made for.
inline int tuning_cores(const PhysicalPlan& plan) {
  return plan.parallelism ? plan.parallelism->available_cores : 0;
}

class AutotunePlanner {
 public:
  // Probe budget (docs/autotune.md, Windows). The probe's rows are the run's own rows, so
  // the budget bounds what slower candidates can cost, not rows read twice: 15% of a stream
  // at most, so that if the losing candidates (two thirds of the windows) ran at half the
  // winner's rate the probe would cost a tenth of the run; 200,000 rows are enough for 2-4 windows of several
  // thousand rows per candidate; 30 s stops a stream whose windows crawl.
  static constexpr double kMaxProbeRows = 200000, kMaxProbeShare = 0.15, kMaxProbeSeconds = 30;
  // Rates are medians over a candidate's windows. Two windows each (the least, so that
  // no single window decides) decide a clear lead, one where every window of the leader beats every window of
  // the rivals; a closer race runs up to four, so that one window hit by something else on the machine (a
  // checkpoint, an autovacuum) cannot decide it. Every probe window costs: on a small machine the losing
  // candidates' windows are a measurable share of the run.
  static constexpr int kMinRounds = 2, kMaxRounds = 4;
  // After kMinRounds a knob is settled when the leader's median is this far ahead of every
  // other candidate's (more readers weighed by the noise, see noise()) and even its slowest
  // window beats their medians (stable; after two rounds, their best windows). 8% is four
  // ties (kTie): a lead more windows are unlikely to reverse; closer races run kMaxRounds.
  static constexpr double kLeadToStop = 1.08;
  // Closer than this is a tie, for the next criterion: below what a window can resolve.
  static constexpr double kTie = 0.02;
  static constexpr uint64_t kMinWindowRows = 2000;  // smaller windows measure noise: skip tuning
  // Each reader's part of a window comes in this many batches, so that its batches overlap
  // with the transforms and writers as in the steady phase (one batch per window would
  // measure a pipeline that runs its stages one after another) ...
  static constexpr int kBatchesPerWindow = 8;
  // ... but no smaller than this: below it the per-batch cost, not the rows, is measured.
  static constexpr size_t kMinBatchRows = 256;
  // A window holds a few MiB: with the default 4 MiB threshold a writer would send one
  // window's rows during a later window, and the candidate measured then would pay for
  // it. Flushing at the smallest threshold a pin may set sends each window's rows within it.
  static constexpr int64_t kProbeFlushBytes = kMinCopyFlushBytes;
  // A remembered choice is probed again when its verification window runs below this share
  // of its remembered bytes/s (a 20% drop is beyond what windows of one candidate differ by
  // on a quiet machine), or when the table's estimated rows changed more than this factor.
  static constexpr double kVerifiedShare = 0.8, kSizeChange = 2.0;
  // A run's first window also fills the pipeline (connections, buffers, the writers' first
  // flush): a choice fails verification only when both of its first two windows fall short.
  static constexpr int kVerifyWindows = 2;

  // `readers`: how many readers the stream was opened with (at least every parallelism
  // candidate). `span`: the key span, std::nullopt when the stream has no integer key.
  // `remembered`: the choice an earlier run stored, verified before anything is probed.
  AutotunePlanner(std::string stream, const AutotuneCandidates& candidates, TuneKnobs baseline, int readers,
                  std::optional<KeySpan> span, std::optional<RememberedChoice> remembered = std::nullopt);

  // The window to run next; once it is steady, the same steady window again.
  TuneWindow next_window();
  // The measurement of window `number` (windows may still be running after it).
  void record(int number, const WindowMeasure& measure);
  // A slice of probe window `number` failed (`why`) before it delivered a row: its
  // candidate is invalidated, probing stops, and the steady phase runs the baseline
  // (docs/autotune.md, Faults). False when it is too late for that (steady already).
  bool invalidate(int number, const std::string& why);
  // autotune-decision once tuned, autotune-skipped when it fell back to the baseline.
  AutotuneEvent event() const;

 private:
  struct Candidate {
    TuneKnobs knobs;
    std::vector<WindowMeasure> windows;
    double bytes_per_second() const;  // medians over the windows
    double rows_per_second() const;
    double flush_share() const;
    double bytes_per_cpu_second() const;
    double slowest() const;  // the lowest bytes/s of its windows
    double fastest() const;  // the highest
    double spread() const;   // (fastest - slowest) / (2 x median): how far its windows disagree
  };
  // What two candidates' windows cannot tell apart, as a share of a rate: the larger spread
  // of the two (at least kTie). A candidate with more readers must beat one with fewer by
  // more than this: on a tie the one that leaves more of the machine to the rest of the run.
  static double noise(const Candidate& a, const Candidate& b);
  // readers: parallelism and partition mode, one candidate per pair (knob_value's order).
  enum class Knob { readers, node_concurrency, flush_bytes };

  void skip(std::string reason);
  bool start_knob();  // the next knob with more than one candidate; false when none is left
  // Picks the knob's winner, or keeps the current value with the reason `not_probed`.
  void finish_knob(std::optional<std::string> not_probed = std::nullopt);
  // Moves the current knob's candidates into measured_ (replacing earlier measurements of
  // the same knobs), for the event.
  void keep_measured();
  std::optional<std::string> flush_unmeasurable() const;
  bool knob_settled() const;
  size_t leader() const;
  bool better(const Candidate& a, const Candidate& b) const;
  TuneWindow steady_window() const;
  // The next probe window, [next_lo_, hi) read with `knobs`; `verification`: a remembered choice's.
  TuneWindow probe_window(const TuneKnobs& knobs, __int128 hi, bool verification);
  // The knobs the steady phase runs: the winner, or in advise mode the baseline.
  const TuneKnobs& ran() const { return candidates_.advise ? baseline_ : best_; }
  double gain() const;  // advise: the winner's measured bytes/s over the baseline's
  const Candidate* measured(const TuneKnobs& knobs) const;  // the knobs' windows, if any ran
  bool is_candidate(const TuneKnobs& knobs) const;
  void verify(const WindowMeasure& measure);  // the first measured verification window decides
  // The window [lo, hi) (keys or blocks) split among knobs.parallelism readers, one slice
  // each (NULL keys to reader 0).
  std::vector<std::optional<KeySlice>> split(const TuneKnobs& knobs, std::optional<int64_t> lo,
                                             std::optional<int64_t> hi, bool with_nulls) const;
  // The keys [lo, hi) split so (mod, or n sub-ranges of the key span).
  std::vector<std::optional<KeySlice>> split_keys(const TuneKnobs& knobs, std::optional<int64_t> lo,
                                                  std::optional<int64_t> hi, bool with_nulls) const;
  // The last unit a window may reach: the largest key, or the last block.
  __int128 last_unit() const { return by_blocks_ ? span_->blocks - 1 : static_cast<__int128>(span_->max); }

  std::string stream_;
  AutotuneCandidates candidates_;
  TuneKnobs baseline_, best_;
  int readers_;
  std::optional<KeySpan> span_;
  bool feeds_copy_ = false;  // the stream feeds a COPY destination: flush bytes is a knob
  bool by_blocks_ = false;   // windows are ranges of heap blocks (KeySpan::blocks), not keys
  std::string skipped_;      // why it fell back to the baseline; empty when tuning
  bool steady_ = false;
  double rows_ = 0;  // the stream's estimated rows
  // A remembered choice: verifying_ while its windows run, until the first is measured.
  std::optional<RememberedChoice> remembered_;
  bool verifying_ = false;
  std::string memory_;  // "verified", "re-probed" or "" (nothing remembered)
  std::vector<int> verify_windows_;
  int verify_measured_ = 0;  // verification windows measured that fell short
  double best_verified_share_ = 0;
  // probing
  std::vector<Knob> knobs_left_;
  std::vector<Candidate> current_;   // the candidates of the knob being tuned
  std::vector<Candidate> measured_;  // every candidate of every finished knob
  Knob current_knob_ = Knob::readers;
  bool probe_modes_ = false;            // the readers knob pairs each parallelism above 1 with each mode
  std::map<int, TuneKnobs> in_flight_;  // windows handed out and not yet measured
  double planned_window_rows_ = 0;
  int64_t window_keys_ = 1, next_lo_ = 0;  // the next window is [next_lo_, next_lo_ + window_keys_)
  int windows_run_ = 0;                    // handed out
  uint64_t probe_rows_ = 0, budget_rows_ = 0;
  double probe_seconds_ = 0;
  std::string decision_;              // how each knob was decided
  bool fall_back_ = false;            // a candidate failed: the steady phase runs the baseline
  std::vector<int> invalid_windows_;  // windows of invalidated candidates: not measured
};

}  // namespace rbc
