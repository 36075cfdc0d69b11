// `rbc exec --metrics-addr HOST:PORT`: serves the run's counters in the Prometheus text
// format at GET /metrics, over HTTP/1.1 with Boost.Beast, from a thread of its own.
//
// The run monitor hands it a snapshot of the run's counters every
// RunOptions::snapshot_interval (RunOptions::on_snapshot); a scrape renders the last one, so
// a scrape never touches the running graph. Counters are kept across the attempts of a
// retried run (an attempt's final snapshot is added to what earlier attempts counted), so
// they only grow. What it serves, per pipeline (labels in docs/execution.md, Metrics):
//   rbc_stream_{rows,bytes}_{read,written}_total         per stream
//   rbc_node_{batches,rows,bytes}_{in,out}_total,
//   rbc_node_rejected_rows_total, rbc_node_busy_seconds_total     per stream and node
//   rbc_errors_total, rbc_retries_total                  per stream and node (the failed
//                                                        attempt's node; "" when none)
//   rbc_cdc_lag_bytes, rbc_cdc_lag_seconds, rbc_cdc_max_slot_wal_bytes     cdc streams
//   rbc_autotune_parallelism, rbc_autotune_info          per source stream
//   rbc_attempt, rbc_run_elapsed_seconds
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "graph/status.h"
#include "operators/runtime/executor.h"

namespace rbc {

class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9187", "[::1]:9187", "localhost:9187"; port 0 picks
  // a free one) before returning: a malformed address or one that cannot be bound (in use,
  // not local) is an error here, before the run starts.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address, std::string pipeline);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "127.0.0.1:9187": where it listens (the chosen port for port 0).
  const std::string& address() const { return bound_; }

  // RunOptions::on_snapshot and RunOptions::on_retry.
  void update(const RunProgress& snapshot);
  void retried(const RunError& error, const RetryEvent& event);

  // The Prometheus text (version 0.0.4) of the last snapshot.
  std::string render() const;

 private:
  struct Impl;
  MetricsServer(std::string pipeline);

  std::string pipeline_;
  std::string bound_;
  mutable std::mutex mutex_;
  RunProgress last_;                        // the running attempt's last snapshot
  std::map<NodeId, NodeProgress> earlier_;  // ended attempts' node counters, summed
  std::map<std::string, StreamProgress> earlier_streams_;
  std::map<std::pair<std::string, std::string>, uint64_t> errors_, retries_;  // (stream, node id)
  int attempt_ = 1;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace rbc
