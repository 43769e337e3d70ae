#pragma once
// IPFIX export of finished flows to a collector over UDP or TCP (RFC 7011), as a FlowRecordSink.
//
// - TCP ("tcp:HOST:PORT"): one byte stream, connected without waiting and reconnected at most
//   once a second after a loss; each connection is a new session (templates first, sequence
//   numbers from 0), and templates are not resent on a period (a reliable transport keeps
//   them). A record counts as exported once the collector's TCP acknowledged its message;
//   records not acknowledged when a connection breaks, or refused while there is none or the 4 MiB queue is
//   full, are counted as dropped. close() waits up to 2 s for the queue to drain.
//
// - Templates (IPv4 and IPv6, see ipfix_ie.hpp) go out before the first data message, then
//   again every template_period and, if set, every template_every_messages data messages: a
//   UDP collector that starts late or restarts learns them within a period.
// - Records are packed into messages of at most max_message bytes; a partly filled message
//   leaves at the next tick() (about every 100 ms) or at close().
// - Sending never blocks (a non-blocking connected socket). A failed send is counted
//   (send_errors) and its records are dropped, counted; the sequence number still moves past
//   them, so the collector sees the gap too. ECONNREFUSED reports an ICMP error caused by an
//   earlier datagram and the kernel did not send this one: it is tried once more.
// - status() and counters() read atomics: any thread, any time.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "riptide/core/result.hpp"
#include "riptide/flow/record_sink.hpp"
#include "riptide/ipfix/ipfix_encoder.hpp"
#include "riptide/ipfix/ipfix_target.hpp"

namespace riptide {
namespace ipfix {
class TcpStream;
}

struct IpfixConfig {
  std::string collector;                          // "[tcp:]HOST:PORT", "[v6]:PORT"; see ipfix_target.hpp
  TimestampNs template_period_ns = 60 * kNsPerSec;  // 0: templates only at the start
  std::uint32_t template_every_messages = 0;      // 0: by time only
  std::size_t max_message = 1400;                 // message bytes, header included (UDP: the payload)
  std::uint32_t domain_id = 1;                    // observation domain id
  std::function<TimestampNs()> clock;             // CLOCK_REALTIME when empty (tests set it)
};

class IpfixExporter final : public FlowRecordSink {
 public:
  // Resolves the collector once and opens the socket: a bad address, a name that does not
  // resolve or a max_message out of range is an error here, before any capture.
  static Result<std::unique_ptr<IpfixExporter>> create(IpfixConfig cfg);
  ~IpfixExporter() override;
  IpfixExporter(const IpfixExporter&) = delete;
  IpfixExporter& operator=(const IpfixExporter&) = delete;

  std::string_view name() const noexcept override { return "ipfix"; }
  std::string target() const override { return target_; }
  void write(std::span<const FlowRecord> recs) noexcept override;
  void tick(TimestampNs now_ns) noexcept override;
  void close() noexcept override;
  SinkStatus status() const noexcept override;
  void counters(std::vector<SinkCounter>& out) const override;

  std::uint64_t messages() const noexcept { return messages_.load(std::memory_order_relaxed); }
  std::uint64_t send_errors() const noexcept { return send_errors_.load(std::memory_order_relaxed); }
  std::uint64_t templates_sent() const noexcept { return templates_.load(std::memory_order_relaxed); }
  std::uint32_t sequence() const noexcept { return builder_.sequence(); }

 private:
  IpfixExporter(IpfixConfig cfg, int fd, std::string target, std::unique_ptr<ipfix::TcpStream> tcp);
  void pump_stream() noexcept;
  TimestampNs now() const;
  void flush(TimestampNs now) noexcept;
  void maybe_templates(TimestampNs now) noexcept;
  bool send(std::span<const std::uint8_t> msg, std::uint32_t records) noexcept;
  void note_error(int err) noexcept;

  IpfixConfig cfg_;
  int fd_ = -1;  // UDP
  std::unique_ptr<ipfix::TcpStream> tcp_;
  bool closed_ = false;
  std::string target_;
  ipfix::MessageBuilder builder_;
  bool templates_due_ = true;
  TimestampNs last_templates_ns_ = 0;
  std::uint32_t messages_since_templates_ = 0;

  std::atomic<std::uint64_t> records_{0}, messages_{0}, bytes_{0}, templates_{0}, send_errors_{0}, dropped_{0}, connects_{0};
  std::string error_;  // written once, before error_set_ is released
  std::atomic<bool> error_set_{false};
};

}  // namespace riptide
