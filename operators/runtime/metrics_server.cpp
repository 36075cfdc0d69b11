// The metrics endpoint (metrics_server.h).
#include "operators/runtime/metrics_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <charconv>
#include <cstdio>
#include <sstream>

namespace rbc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// How long one connection may take to send its request and read the answer.
constexpr auto kConnectionTimeout = std::chrono::seconds(10);

// Label values escape backslash, double quote and newline (the text format's rules).
std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// One metric family: a HELP and TYPE line, then its samples.
class Family {
 public:
  Family(std::ostringstream& out, const std::string& name, const char* type, const std::string& help)
      : out_(out), name_(name) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void sample(const std::vector<std::pair<std::string, std::string>>& labels, const std::string& value) {
    out_ << name_;
    if (!labels.empty()) {
      out_ << '{';
      for (size_t i = 0; i < labels.size(); ++i)
        out_ << (i > 0 ? "," : "") << labels[i].first << "=\"" << escape(labels[i].second) << '"';
      out_ << '}';
    }
    out_ << ' ' << value << '\n';
  }

 private:
  std::ostringstream& out_;
  std::string name_;
};

// host and port of "HOST:PORT", "[V6]:PORT"; false when malformed.
bool split_address(const std::string& address, std::string& host, uint16_t& port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  std::string_view digits(address.data() + colon + 1, address.size() - colon - 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

struct MetricsServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  MetricsServer* server = nullptr;

  void accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) std::make_shared<Session>(std::move(socket), *server)->read();
      accept();
    });
  }

  // One connection: requests answered in turn until the client closes it or a timeout.
  struct Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket socket, MetricsServer& server) : stream(std::move(socket)), server(server) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    MetricsServer& server;

    void read() {
      request = {};
      stream.expires_after(kConnectionTimeout);
      http::async_read(stream, buffer, request, [self = shared_from_this()](beast::error_code error, size_t) {
        if (error) return self->close();
        self->answer();
      });
    }

    void answer() {
      response = {};
      response.version(request.version());
      response.keep_alive(request.keep_alive());
      response.set(http::field::server, "rbc");
      std::string_view target(request.target().data(), request.target().size());
      target = target.substr(0, target.find('?'));
      if (request.method() != http::verb::get && request.method() != http::verb::head) {
        response.result(http::status::method_not_allowed);
        response.set(http::field::allow, "GET, HEAD");
        response.set(http::field::content_type, "text/plain");
        response.body() = "only GET /metrics\n";
      } else if (target == "/metrics") {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = server.render();
      } else {
        response.result(http::status::not_found);
        response.set(http::field::content_type, "text/plain");
        response.body() = "rbc serves its metrics at /metrics\n";
      }
      response.prepare_payload();
      if (request.method() == http::verb::head) response.body().clear();
      http::async_write(stream, response, [self = shared_from_this()](beast::error_code error, size_t) {
        if (error || !self->response.keep_alive()) return self->close();
        self->read();
      });
    }

    void close() {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  };
};

MetricsServer::MetricsServer(std::string pipeline) : pipeline_(std::move(pipeline)), impl_(new Impl) {
  impl_->server = this;
}

MetricsServer::~MetricsServer() {
  if (thread_.joinable()) {
    asio::post(impl_->io, [this] {
      beast::error_code ignored;
      impl_->acceptor.close(ignored);
      impl_->io.stop();
    });
    thread_.join();
  }
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address,
                                                            std::string pipeline) {
  std::string host;
  uint16_t port = 0;
  if (!split_address(address, host, port))
    return Status::invalid("--metrics-addr '" + address + "' is not HOST:PORT (e.g. 127.0.0.1:9187)");
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code error;
  asio::ip::address ip = asio::ip::make_address(host, error);
  if (error) {
    return Status::invalid("--metrics-addr '" + address + "': '" + host +
                           "' is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(pipeline)));
  tcp::acceptor& acceptor = server->impl_->acceptor;
  tcp::endpoint endpoint(ip, port);
  const char* step = "open";
  acceptor.open(endpoint.protocol(), error);
  if (!error) {
    step = "set up";
    acceptor.set_option(asio::socket_base::reuse_address(true), error);
  }
  if (!error) {
    step = "listen on";
    acceptor.bind(endpoint, error);
  }
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::io_error("--metrics-addr " + address + ": cannot " + step + " it: " + error.message() +
                            (error == asio::error::address_in_use ? " (another process listens there)" : ""));
  }
  tcp::endpoint bound = acceptor.local_endpoint();
  server->bound_ =
      (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) +
      ":" + std::to_string(bound.port());
  server->impl_->accept();
  server->thread_ = std::thread([impl = server->impl_.get()] { impl->io.run(); });
  return server;
}

void MetricsServer::update(const RunProgress& snapshot) {
  std::lock_guard lock(mutex_);
  last_ = snapshot;
  if (!snapshot.attempt_ended) return;
  // The attempt is over: its counters join the earlier attempts', and the next attempt's
  // snapshots count from zero.
  for (const NodeProgress& n : snapshot.nodes) {
    auto [it, added] = earlier_.emplace(n.id, n);
    if (added) continue;
    NodeProgress& sum = it->second;
    sum.batches_in += n.batches_in;
    sum.batches_out += n.batches_out;
    sum.rows_in += n.rows_in;
    sum.rows_out += n.rows_out;
    sum.bytes_in += n.bytes_in;
    sum.bytes_out += n.bytes_out;
    sum.rejected_rows += n.rejected_rows;
    sum.busy_seconds += n.busy_seconds;
  }
  for (const StreamProgress& s : snapshot.streams) {
    auto [it, added] = earlier_streams_.emplace(s.stream, s);
    if (added) continue;
    it->second.rows_read += s.rows_read;
    it->second.rows_written += s.rows_written;
    it->second.bytes_read += s.bytes_read;
    it->second.bytes_written += s.bytes_written;
  }
  if (snapshot.error && (snapshot.error->node || snapshot.error->message != "cancelled by signal")) {
    std::string node = snapshot.error->node ? std::to_string(*snapshot.error->node) : "";
    ++errors_[{snapshot.error->stream, node}];
  }
  for (auto& n : last_.nodes) n = NodeProgress{n.id, n.kind, n.description, n.stream};
  for (auto& s : last_.streams) s = StreamProgress{s.stream, 0, 0, 0, 0, s.done, s.lag};
  last_.attempt_ended = false;
}

void MetricsServer::retried(const RunError& error, const RetryEvent& /*event*/) {
  std::lock_guard lock(mutex_);
  ++retries_[{error.stream, error.node ? std::to_string(*error.node) : ""}];
  ++attempt_;
}

std::string MetricsServer::render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  const std::pair<std::string, std::string> pipeline{"pipeline", pipeline_};

  Family attempt(out, "rbc_attempt", "gauge", "The attempt running (1, then 2 after a retry, ...).");
  attempt.sample({pipeline}, std::to_string(attempt_));
  Family elapsed(out, "rbc_run_elapsed_seconds", "gauge", "Seconds since the running attempt started.");
  elapsed.sample({pipeline}, number(last_.elapsed_seconds));

  auto stream_counter = [&](const char* name, const char* help, uint64_t StreamProgress::*field) {
    Family family(out, name, "counter", help);
    for (const StreamProgress& s : last_.streams) {
      uint64_t value = s.*field;
      if (auto it = earlier_streams_.find(s.stream); it != earlier_streams_.end()) value += it->second.*field;
      family.sample({pipeline, {"stream", s.stream}}, std::to_string(value));
    }
  };
  stream_counter("rbc_stream_rows_read_total", "Rows the stream's source read.", &StreamProgress::rows_read);
  stream_counter("rbc_stream_bytes_read_total", "Bytes of the batches the stream's source read.",
                 &StreamProgress::bytes_read);
  stream_counter("rbc_stream_rows_written_total", "Rows that reached the stream's sinks.",
                 &StreamProgress::rows_written);
  stream_counter("rbc_stream_bytes_written_total", "Bytes of the batches that reached the stream's sinks.",
                 &StreamProgress::bytes_written);

  auto node_labels = [&](const NodeProgress& n) {
    return std::vector<std::pair<std::string, std::string>>{pipeline,
                                                            {"stream", n.stream},
                                                            {"node", std::to_string(n.id)},
                                                            {"kind", to_string(n.kind)},
                                                            {"description", n.description}};
  };
  auto node_counter = [&](const char* name, const char* help, uint64_t NodeProgress::*field) {
    Family family(out, name, "counter", help);
    for (const NodeProgress& n : last_.nodes) {
      uint64_t value = n.*field;
      if (auto it = earlier_.find(n.id); it != earlier_.end()) value += it->second.*field;
      family.sample(node_labels(n), std::to_string(value));
    }
  };
  node_counter("rbc_node_batches_in_total", "Batches the node received.", &NodeProgress::batches_in);
  node_counter("rbc_node_batches_out_total", "Batches the node emitted.", &NodeProgress::batches_out);
  node_counter("rbc_node_rows_in_total", "Rows the node received.", &NodeProgress::rows_in);
  node_counter("rbc_node_rows_out_total", "Rows the node emitted.", &NodeProgress::rows_out);
  node_counter("rbc_node_bytes_in_total", "Bytes of the batches the node received.", &NodeProgress::bytes_in);
  node_counter("rbc_node_bytes_out_total", "Bytes of the batches the node emitted.",
               &NodeProgress::bytes_out);
  node_counter("rbc_node_rejected_rows_total", "Rows dropped under on_data_error skip or dlq.",
               &NodeProgress::rejected_rows);
  {
    Family family(out, "rbc_node_busy_seconds_total", "counter",
                  "Seconds spent inside the node, over its copies.");
    for (const NodeProgress& n : last_.nodes) {
      double value = n.busy_seconds;
      if (auto it = earlier_.find(n.id); it != earlier_.end()) value += it->second.busy_seconds;
      family.sample(node_labels(n), number(value));
    }
  }
  auto by_node = [&](const char* name, const char* help, const auto& counts) {
    Family family(out, name, "counter", help);
    for (const auto& [key, count] : counts)
      family.sample({pipeline, {"stream", key.first}, {"node", key.second}}, std::to_string(count));
  };
  by_node("rbc_errors_total", "Attempts that failed, by the stream and node of their error.", errors_);
  by_node("rbc_retries_total", "Failed attempts that were run again, by the stream and node of their error.",
          retries_);

  bool any_cdc = false;
  for (const StreamProgress& s : last_.streams) any_cdc = any_cdc || s.lag.has_value();
  if (any_cdc) {
    Family bytes(out, "rbc_cdc_lag_bytes", "gauge",
                 "The source server's end of WAL minus the position the stream's changes are applied to.");
    for (const StreamProgress& s : last_.streams)
      if (s.lag) bytes.sample({pipeline, {"stream", s.stream}}, std::to_string(s.lag->bytes));
    Family seconds(
        out, "rbc_cdc_lag_seconds", "gauge",
        "How long the oldest change read but not yet applied has waited since its commit; 0 when none.");
    for (const StreamProgress& s : last_.streams)
      if (s.lag) seconds.sample({pipeline, {"stream", s.stream}}, number(s.lag->seconds));
    Family limit(out, "rbc_cdc_max_slot_wal_bytes", "gauge", "The stream's max_slot_wal (0: none).");
    for (const StreamProgress& s : last_.streams)
      if (s.lag) limit.sample({pipeline, {"stream", s.stream}}, std::to_string(s.lag->max_slot_wal));
  }

  if (!last_.autotune.empty()) {
    Family parallelism(out, "rbc_autotune_parallelism", "gauge",
                       "The readers the stream runs with (the autotuner's winner once it decided).");
    for (const AutotuneEvent& e : last_.autotune)
      parallelism.sample({pipeline, {"stream", e.stream}}, std::to_string(e.parallelism));
    Family info(out, "rbc_autotune_info", "gauge",
                "The stream's autotune decision (decided=true) or why it was skipped; always 1.");
    for (const AutotuneEvent& e : last_.autotune) {
      info.sample({pipeline,
                   {"stream", e.stream},
                   {"decided", e.decided ? "true" : "false"},
                   {"parallelism", std::to_string(e.parallelism)},
                   {"partition_mode", to_string(e.partition_mode)},
                   {"copy_flush_bytes", e.copy_flush_bytes ? std::to_string(*e.copy_flush_bytes) : ""},
                   {"reason", e.reason}},
                  "1");
    }
  }
  return out.str();
}

}  // namespace rbc
