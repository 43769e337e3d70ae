#include "engine/metrics_server.hpp"

#include <arpa/inet.h>
#include <httplib.h>

#include <charconv>
#include <thread>

#include "riptide/core/thread_name.hpp"

namespace riptide {

struct MetricsServer::State {
  httplib::Server http;
  std::thread thread;
};

Result<std::pair<std::string, int>> parse_listen_address(const std::string& listen) {
  std::string host = "127.0.0.1", port = listen;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find("]:");
    if (close == std::string::npos) return make_error(Errc::invalid_argument, "--metrics-listen: '" + listen + "' is not [ADDR]:PORT");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else if (const auto colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  // Numeric addresses only: a name would need a resolver, which may hang without a network.
  if (host == "localhost") host = "127.0.0.1";
  in6_addr a6{};
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) != 1 && inet_pton(AF_INET6, host.c_str(), &a6) != 1)
    return make_error(Errc::invalid_argument, "--metrics-listen: '" + host + "' is not a numeric IPv4 or IPv6 address");
  int p = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || p < 0 || p > 65535)
    return make_error(Errc::invalid_argument, "--metrics-listen: '" + listen + "' is not PORT or ADDR:PORT");
  return std::make_pair(host, p);
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& listen, const MetricsRegistry& reg) {
  auto addr = parse_listen_address(listen);
  if (!addr) return addr.error();
  auto s = std::make_unique<State>();
  // One worker thread: a scrape is a few kilobytes once every few seconds.
  s->http.new_task_queue = [] { return new httplib::ThreadPool(1); };
  // The library's default also sets SO_REUSEPORT, which lets a second sensor bind the same
  // port and take half of the scrapes: a taken port must be an error at start.
  s->http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s->http.Get("/metrics", [&reg](const httplib::Request&, httplib::Response& res) {
    res.set_content(prometheus_text(reg.snapshot()), "text/plain; version=0.0.4; charset=utf-8");
  });
  int port = addr->second;
  if (port == 0) {
    port = s->http.bind_to_any_port(addr->first);
    if (port < 0) return make_error(Errc::io, "--metrics-listen: cannot listen on " + addr->first);
  } else if (!s->http.bind_to_port(addr->first, port)) {
    return make_error(Errc::io, "--metrics-listen: cannot listen on " + listen + " (in use, or not an address of this host)");
  }
  s->thread = std::thread([st = s.get()] {
    name_this_thread("rt-metrics");
    st->http.listen_after_bind();
  });
  auto m = std::unique_ptr<MetricsServer>(new MetricsServer(std::move(s)));
  const bool v6 = addr->first.find(':') != std::string::npos;
  m->address_ = (v6 ? "[" + addr->first + "]" : addr->first) + ":" + std::to_string(port);
  return m;
}

MetricsServer::MetricsServer(std::unique_ptr<State> s) : s_(std::move(s)) {}

MetricsServer::~MetricsServer() {
  s_->http.stop();
  if (s_->thread.joinable()) s_->thread.join();
}

}  // namespace riptide
