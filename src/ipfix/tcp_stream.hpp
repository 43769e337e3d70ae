#pragma once
// IPFIX over TCP (RFC 7011, section 10.4): the exporter's messages as one byte stream to the
// collector, without ever blocking the output thread.
//
// - Whole messages are queued (up to max_pending bytes) and written as the socket takes them;
//   a message counts as delivered once the collector's TCP acknowledged its last byte (the
//   socket's send queue, SIOCOUTQ, no longer holds it), not when it was written.
// - The connection is opened without waiting and reopened at most once per retry interval
//   after a loss. A new connection is a new transport session: the exporter sends its
//   templates first and restarts its sequence numbers (new_session()).
// - While there is no connection, and when the queue is full, messages are refused and their
//   records counted as lost by the exporter; when a connection breaks, what was queued for it
//   (including the rest of a message half written) is lost and counted here, not resent: the
//   collector drops the session's half message with it.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "riptide/core/clock.hpp"
#include "riptide/ipfix/ipfix_target.hpp"

namespace riptide::ipfix {

struct StreamDelivery {
  std::uint64_t messages = 0, bytes = 0, records = 0;  // written out since the last pump
  std::uint64_t lost_records = 0;                      // queued, then lost with a connection
};

class TcpStream {
 public:
  TcpStream(Target target, std::size_t max_pending, TimestampNs retry_ns);
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Whether a message may be queued now (connecting or connected).
  bool open() const noexcept { return state_ != State::down; }
  // Queues one whole message carrying `records` data records; false: closed or full.
  [[nodiscard]] bool queue(std::span<const std::uint8_t> msg, std::uint32_t records);
  // Moves the connection on (finishes a connect, reconnects when due) and writes what the
  // socket takes; adds what left or was lost to `d`. Never blocks.
  void pump(StreamDelivery& d);
  // True once after each new connection was started: the exporter restarts its session.
  bool new_session() noexcept;
  // Writes what is queued for at most `wait_ns`, then closes; the rest counts as lost.
  void close(TimestampNs wait_ns, StreamDelivery& d);

  std::uint64_t connects() const noexcept { return connects_; }
  int last_error() const noexcept { return last_error_; }  // errno of the last failure, 0 if none

 private:
  enum class State : std::uint8_t { down, connecting, up };
  void start_connect(TimestampNs now);
  void lose(int err, StreamDelivery& d);
  void write_some(StreamDelivery& d);

  Target target_;
  std::size_t max_pending_;
  TimestampNs retry_ns_;
  int fd_ = -1;
  State state_ = State::down;
  TimestampNs last_attempt_ = 0;
  bool new_session_ = false;
  std::uint64_t connects_ = 0;
  int last_error_ = 0;
  std::vector<std::uint8_t> buf_;  // queued, not yet written to the socket
  std::uint64_t queued_total_ = 0, written_total_ = 0;  // stream offsets of this connection
  struct Pending {  // a message not yet acknowledged by the collector
    std::uint64_t end;  // stream offset just past it
    std::size_t size;
    std::uint32_t records;
  };
  std::deque<Pending> pending_;
};

}  // namespace riptide::ipfix
