#pragma once
// The Prometheus endpoint: GET /metrics answers with the registry's snapshot in the text
// format. One listening thread of its own; nothing listens unless --metrics-listen asks.
#include <memory>
#include <string>

#include "riptide/core/metrics.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

class MetricsServer {
 public:
  // `listen`: "PORT" (127.0.0.1) or "ADDR:PORT" / "[ADDR6]:PORT". Fails at once, with one line,
  // on a bad address or a port that cannot be bound. The registry must outlive the server.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& listen, const MetricsRegistry& reg);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // "127.0.0.1:9100": the address actually bound (the port the kernel chose for port 0).
  const std::string& address() const noexcept { return address_; }

  struct State;

 private:
  explicit MetricsServer(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
  std::string address_;
};

// Splits "PORT", "ADDR:PORT" or "[ADDR6]:PORT" (PORT 0..65535). Exposed for tests.
Result<std::pair<std::string, int>> parse_listen_address(const std::string& listen);

}  // namespace riptide
