// Saved state of incremental streams and the history of runs (docs/execution.md, State).
// The interface knows no backend: connectors/registry.cpp picks one per run by
// `state.backend` (make_state_store):
//   none     — nothing is saved: an incremental stream reads from the beginning every run;
//   file     — a JSON file at `state.config.path`, rewritten atomically (temp file + rename);
//   postgres — tables `cursors` and `runs` in schema `rbc_state` (or `state.config.schema`)
//              of the destination database, or of the database at `state.config.url`.
// When the state lives in the destination database, the postgres sink writes each
// checkpoint inside the transaction that commits its rows (SinkRequest::state); every
// other combination saves a checkpoint here right after the sink's commit succeeded.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "connectors/connector.h"
#include "connectors/probe.h"
#include "graph/pipeline_model.h"

namespace rbc {

// One stream's entry in the run history.
struct RunRecord {
  std::string run_id;
  std::string pipeline;
  std::string stream;
  std::string status = "running";  // running | succeeded | failed | abandoned
  int retries = 0;
  std::string error;  // the run's error message when it failed
  // Read back by unfinished_run():
  uint64_t rows_committed = 0;
  std::string started_at;  // UTC, "2026-12-07 07:30:01"

  static RunRecord of(std::string run_id, std::string pipeline, std::string stream) {
    RunRecord record;
    record.run_id = std::move(run_id);
    record.pipeline = std::move(pipeline);
    record.stream = std::move(stream);
    return record;
  }
};

// The autotuner's choice for a stream on a machine with `cores` cores, remembered after a
// run that succeeded (docs/autotune.md, Remembered choices).
struct TunedChoice {
  int cores = 0;
  int parallelism = 1;
  std::string partition_mode = "mod";
  int64_t copy_flush_bytes = 0;
  int node_concurrency = 0;     // 0: the stream has no tuned transform
  double bytes_per_second = 0;  // the winner's median over its probe windows
  double table_rows = 0;        // the stream's estimated rows when it was chosen
  std::string run_id;           // the run that chose it
  bool operator==(const TunedChoice&) const = default;
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  // "postgres rbc_state in user@host:5432/db", for logs.
  virtual std::string describe() const = 0;
  // True when the state is kept in the destination's own database, so that the sink can
  // write it in its own transactions (SinkRequest::state).
  virtual bool in_destination() const { return false; }
  virtual std::string schema() const { return {}; }
  // The saved position of a stream; unset when there is none (or no store yet).
  virtual Result<std::optional<CursorPosition>> load(const std::string& pipeline,
                                                     const std::string& stream) = 0;
  // Creates what is missing (schema, tables, file), takes the stream's run lock (held until
  // the store is destroyed; an error naming the holder when another run has it), marks the
  // stream's runs still recorded as running as abandoned (their process died, or it would
  // hold the lock), and records the run as running.
  virtual Status begin_run(const RunRecord& run) = 0;
  // The stream's latest run before `run` that committed rows and did not succeed, when no
  // run succeeded after it: rows a rerun of a full-refresh append would write again.
  virtual Result<std::optional<RunRecord>> unfinished_run(const RunRecord& run) = 0;
  // After the sink committed `checkpoint`: adds its rows to the run record and, when it
  // has a position, saves it as the stream's cursor.
  virtual Status save(const RunRecord& run, const Checkpoint& checkpoint) = 0;
  // Removes a stream's saved position (rbc cdc drop: the next run starts afresh).
  virtual Status forget(const std::string& pipeline, const std::string& stream) = 0;
  // The run's outcome: status, end time, retries, error.
  virtual Status end_run(const RunRecord& run) = 0;
  // The stream's remembered autotune choice for `cores` cores; unset when there is none.
  virtual Result<std::optional<TunedChoice>> load_choice(const std::string& pipeline,
                                                         const std::string& stream, int cores) = 0;
  // Remembers `choice` for (pipeline, stream, choice.cores), replacing what was there.
  virtual Status save_choice(const std::string& pipeline, const std::string& stream,
                             const TunedChoice& choice) = 0;
};

// The backends without a database: `none`, and `file` at `state.config.path`.
Result<std::unique_ptr<StateStore>> make_no_state_store(const StateSpec& state,
                                                        const ConnectorRef& destination);
Result<std::unique_ptr<StateStore>> make_file_state_store(const StateSpec& state,
                                                          const ConnectorRef& destination);
std::unique_ptr<StateStore> make_file_state_store(std::string path);
// rbc check: can the file backend write under state.config.path (default: the working directory)?
void check_file_state_store(const StateSpec& state, const ConnectorRef& destination, const CheckLine& line);

}  // namespace rbc
