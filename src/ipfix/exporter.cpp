#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ipfix/tcp_stream.hpp"
#include "riptide/core/clock.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"

namespace riptide {

namespace {

std::uint32_t export_seconds(TimestampNs ns) noexcept { return ns <= 0 ? 0 : static_cast<std::uint32_t>(ns / kNsPerSec); }

constexpr std::size_t kTcpQueueBytes = 4u << 20;  // about 3,000 full messages: a collector's hiccup
constexpr TimestampNs kTcpRetryNs = kNsPerSec;
constexpr TimestampNs kTcpCloseWaitNs = 2 * kNsPerSec;

}  // namespace

Result<std::unique_ptr<IpfixExporter>> IpfixExporter::create(IpfixConfig cfg) {
  if (cfg.max_message < ipfix::kMinMessage || cfg.max_message > ipfix::kMaxMessage) {
    return make_error(Errc::invalid_argument, "IPFIX message size " + std::to_string(cfg.max_message) + " is outside " +
                                                  std::to_string(ipfix::kMinMessage) + ".." + std::to_string(ipfix::kMaxMessage));
  }
  auto t = ipfix::parse_target(cfg.collector);
  if (!t) return t.error();
  if (t->tcp) {
    auto stream = std::make_unique<ipfix::TcpStream>(*t, kTcpQueueBytes, kTcpRetryNs);
    return std::unique_ptr<IpfixExporter>(new IpfixExporter(std::move(cfg), -1, t->text, std::move(stream)));
  }
  const int fd = ::socket(t->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, "IPFIX collector " + t->text + ": socket: " + std::strerror(errno));
  // Connected: the kernel reports the collector's ICMP port unreachable as ECONNREFUSED,
  // which an unconnected socket never sees.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&t->addr), t->len) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(Errc::io, "IPFIX collector " + t->text + ": " + std::strerror(err));
  }
  // Flushing a capture's flows sends a burst of messages: room for them in the send buffer.
  const int sndbuf = 1 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return std::unique_ptr<IpfixExporter>(new IpfixExporter(std::move(cfg), fd, t->text, nullptr));
}

IpfixExporter::IpfixExporter(IpfixConfig cfg, int fd, std::string target, std::unique_ptr<ipfix::TcpStream> tcp)
    : cfg_(std::move(cfg)), fd_(fd), tcp_(std::move(tcp)), target_(std::move(target)), builder_(cfg_.domain_id, cfg_.max_message) {
  if (tcp_ && tcp_->last_error() != 0) note_error(tcp_->last_error());
}

IpfixExporter::~IpfixExporter() {
  if (fd_ >= 0) ::close(fd_);
}

TimestampNs IpfixExporter::now() const { return cfg_.clock ? cfg_.clock() : realtime_ns(); }

void IpfixExporter::note_error(int err) noexcept {
  send_errors_.fetch_add(1, std::memory_order_relaxed);
  if (error_set_.load(std::memory_order_relaxed)) return;
  try {
    error_ = "send to " + target_ + ": " + std::strerror(err);
  } catch (...) {
    return;  // no memory for the text: the counters still say it
  }
  error_set_.store(true, std::memory_order_release);
}

// What the stream wrote or lost since the last call, into the counters.
void IpfixExporter::pump_stream() noexcept {
  ipfix::StreamDelivery d;
  tcp_->pump(d);
  messages_.fetch_add(d.messages, std::memory_order_relaxed);
  bytes_.fetch_add(d.bytes, std::memory_order_relaxed);
  records_.fetch_add(d.records, std::memory_order_relaxed);
  dropped_.fetch_add(d.lost_records, std::memory_order_relaxed);
  connects_.store(tcp_->connects(), std::memory_order_relaxed);
  if (d.lost_records != 0) note_error(tcp_->last_error());
  // A new connection is a new session: its own sequence numbers, templates before any data.
  if (tcp_->new_session()) {
    builder_.restart_sequence();
    templates_due_ = true;
  }
}

// UDP: true when the datagram left. TCP: true when the message was queued on the stream (its
// records count as exported when written, in pump_stream()).
bool IpfixExporter::send(std::span<const std::uint8_t> msg, std::uint32_t records) noexcept {
  if (tcp_) {
    bool ok = false;
    try {
      ok = tcp_->queue(msg, records);
    } catch (...) {  // no memory for the queue: refused like a full one
    }
    if (!ok) {
      send_errors_.fetch_add(1, std::memory_order_relaxed);
      if (tcp_->last_error() != 0) note_error(tcp_->last_error());
      return false;
    }
    pump_stream();
    return true;
  }
  if (fd_ < 0) return false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const ssize_t n = ::send(fd_, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(msg.size())) {
      messages_.fetch_add(1, std::memory_order_relaxed);
      bytes_.fetch_add(msg.size(), std::memory_order_relaxed);
      return true;
    }
    const int err = n < 0 ? errno : EMSGSIZE;
    note_error(err);
    if (err != ECONNREFUSED && err != EINTR) break;
  }
  return false;
}

void IpfixExporter::maybe_templates(TimestampNs now) noexcept {
  if (tcp_) {  // once per session: a reliable transport keeps them
    if (templates_due_ && tcp_->open() && send(builder_.templates(export_seconds(now)), 0)) {
      templates_.fetch_add(2, std::memory_order_relaxed);
      templates_due_ = false;
    }
    return;
  }
  const bool by_time = cfg_.template_period_ns > 0 && now - last_templates_ns_ >= cfg_.template_period_ns;
  const bool by_count = cfg_.template_every_messages > 0 && messages_since_templates_ >= cfg_.template_every_messages;
  if (!templates_due_ && !by_time && !by_count) return;
  if (send(builder_.templates(export_seconds(now)), 0)) {
    templates_.fetch_add(2, std::memory_order_relaxed);
    templates_due_ = false;
    last_templates_ns_ = now;
    messages_since_templates_ = 0;
  } else {
    templates_due_ = true;  // again before the next data message
  }
}

void IpfixExporter::flush(TimestampNs now) noexcept {
  if (tcp_) pump_stream();  // a new session restarts the sequence before this message is numbered
  if (builder_.empty()) return;
  maybe_templates(now);
  const std::size_t n = builder_.records();
  const bool ok = send(builder_.finish(export_seconds(now)), static_cast<std::uint32_t>(n));
  builder_.clear();
  ++messages_since_templates_;
  if (!ok) {
    dropped_.fetch_add(n, std::memory_order_relaxed);
  } else if (!tcp_) {
    records_.fetch_add(n, std::memory_order_relaxed);
  }
}

void IpfixExporter::write(std::span<const FlowRecord> recs) noexcept {
  if (recs.empty()) return;
  if (closed_) {
    dropped_.fetch_add(recs.size(), std::memory_order_relaxed);
    return;
  }
  const TimestampNs t = now();
  for (const auto& r : recs) {
    if (builder_.add(r)) continue;
    flush(t);
    (void)builder_.add(r);  // an empty message holds any record (kMinMessage)
  }
}

void IpfixExporter::tick(TimestampNs now_ns) noexcept {
  if (closed_) return;
  if (tcp_) pump_stream();
  flush(now_ns);
  // A quiet exporter still refreshes the collector's templates on time.
  maybe_templates(now_ns);
}

void IpfixExporter::close() noexcept {
  if (closed_) return;
  flush(now());
  closed_ = true;
  if (tcp_) {
    ipfix::StreamDelivery d;
    tcp_->close(kTcpCloseWaitNs, d);
    messages_.fetch_add(d.messages, std::memory_order_relaxed);
    bytes_.fetch_add(d.bytes, std::memory_order_relaxed);
    records_.fetch_add(d.records, std::memory_order_relaxed);
    dropped_.fetch_add(d.lost_records, std::memory_order_relaxed);
    if (d.lost_records != 0) note_error(tcp_->last_error());
    return;
  }
  ::close(fd_);
  fd_ = -1;
}

SinkStatus IpfixExporter::status() const noexcept {
  SinkStatus s;
  s.written = records_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  if (error_set_.load(std::memory_order_acquire)) {
    try {
      s.error = error_;
    } catch (...) {
    }
  }
  return s;
}

void IpfixExporter::counters(std::vector<SinkCounter>& out) const {
  const auto v = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out.push_back({"ipfix_records", "flow records sent to the IPFIX collector", v(records_), false, ""});
  out.push_back({"ipfix_messages", "IPFIX messages sent (UDP datagrams, or written to the TCP stream), templates included",
                 v(messages_), false, ""});
  if (tcp_) out.push_back({"ipfix_tcp_connects", "TCP connections opened to the collector", v(connects_), false, ""});
  out.push_back({"ipfix_bytes", "bytes of IPFIX messages sent", v(bytes_), false, ""});
  out.push_back({"ipfix_templates_sent", "template records sent (IPv4 and IPv6, at start and every period)", v(templates_),
                 false, ""});
  out.push_back({"ipfix_send_errors", "failed sends to the collector (each also named in the report)", v(send_errors_),
                 false, ""});
  out.push_back({"ipfix_records_dropped", "flow records lost because their message could not be sent", v(dropped_), true,
                 "check that the collector at " + target_ +
                     " is up; ENOBUFS/EAGAIN: raise net.core.wmem_default or lower the flow rate"});
}

}  // namespace riptide
