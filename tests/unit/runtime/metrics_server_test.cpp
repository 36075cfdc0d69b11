// The metrics endpoint (operators/runtime/metrics_server.h): what it renders, counters kept
// across attempts, and the address errors. The HTTP side is tested end to end by
// tests/cli/exec_postgres_metrics.sh.
#include "operators/runtime/metrics_server.h"

#include <gtest/gtest.h>

namespace rbc {
namespace {

RunProgress snapshot(uint64_t rows, bool ended) {
  RunProgress p;
  p.elapsed_seconds = 1.5;
  StreamProgress s;
  s.stream = "public.t";
  s.rows_read = rows;
  s.rows_written = rows;
  s.bytes_read = rows * 10;
  s.lag = ReplicationLag{2048, 0.25, 1024};
  p.streams.push_back(s);
  NodeProgress source;
  source.id = 0;
  source.kind = NodeKind::source;
  source.description = "source postgres \"public.t\"";
  source.stream = "public.t";
  source.rows_out = rows;
  source.batches_out = 2;
  p.nodes.push_back(source);
  AutotuneEvent event;
  event.stream = "public.t";
  event.reason = "a cdc stream";
  event.parallelism = 1;
  p.autotune.push_back(event);
  p.attempt_ended = ended;
  return p;
}

TEST(MetricsServer, RendersCountersLagAndAutotune) {
  auto server = MetricsServer::start("127.0.0.1:0", "p");
  ASSERT_TRUE(server.is_ok()) << server.status().message();
  EXPECT_NE((*server)->address(), "127.0.0.1:0");
  (*server)->update(snapshot(100, false));
  std::string text = (*server)->render();
  EXPECT_NE(text.find("# TYPE rbc_stream_rows_read_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rbc_stream_rows_read_total{pipeline=\"p\",stream=\"public.t\"} 100\n"),
            std::string::npos);
  EXPECT_NE(text.find("rbc_node_rows_out_total{pipeline=\"p\",stream=\"public.t\",node=\"0\",kind=\"source\","
                      "description=\"source postgres \\\"public.t\\\"\"} 100\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rbc_cdc_lag_bytes{pipeline=\"p\",stream=\"public.t\"} 2048\n"), std::string::npos);
  EXPECT_NE(text.find("rbc_cdc_lag_seconds{pipeline=\"p\",stream=\"public.t\"} 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("rbc_cdc_max_slot_wal_bytes{pipeline=\"p\",stream=\"public.t\"} 1024\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("rbc_autotune_info{pipeline=\"p\",stream=\"public.t\",decided=\"false\",parallelism=\"1\","
                "partition_mode=\"mod\",copy_flush_bytes=\"\",reason=\"a cdc stream\"} 1\n"),
      std::string::npos)
      << text;
}

TEST(MetricsServer, KeepsCountersAcrossAttempts) {
  auto server = MetricsServer::start("127.0.0.1:0", "p");
  ASSERT_TRUE(server.is_ok());
  RunProgress failed = snapshot(100, true);
  RunError error;
  error.node = 0;
  error.stream = "public.t";
  error.message = "connection lost";
  failed.error = error;
  (*server)->update(failed);
  (*server)->retried(error, RetryEvent{1, 0.1, "connection lost"});
  (*server)->update(snapshot(30, false));
  std::string text = (*server)->render();
  EXPECT_NE(text.find("rbc_stream_rows_read_total{pipeline=\"p\",stream=\"public.t\"} 130\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rbc_node_batches_out_total{pipeline=\"p\",stream=\"public.t\",node=\"0\""),
            std::string::npos);
  EXPECT_NE(text.find("rbc_errors_total{pipeline=\"p\",stream=\"public.t\",node=\"0\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rbc_retries_total{pipeline=\"p\",stream=\"public.t\",node=\"0\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rbc_attempt{pipeline=\"p\"} 2\n"), std::string::npos);
}

TEST(MetricsServer, RefusesBadAndTakenAddresses) {
  for (const char* bad : {"nonsense", "127.0.0.1", "127.0.0.1:65536", "host:80", ":80", "127.0.0.1:x"}) {
    auto server = MetricsServer::start(bad, "p");
    ASSERT_FALSE(server.is_ok()) << bad;
    EXPECT_EQ(server.status().code(), StatusCode::invalid) << bad;
  }
  auto first = MetricsServer::start("127.0.0.1:0", "p");
  ASSERT_TRUE(first.is_ok());
  auto second = MetricsServer::start((*first)->address(), "p");
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::io_error);
  EXPECT_NE(second.status().message().find("another process listens there"), std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace rbc
