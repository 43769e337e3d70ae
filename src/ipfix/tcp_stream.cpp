#include "ipfix/tcp_stream.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace riptide::ipfix {

TcpStream::TcpStream(Target target, std::size_t max_pending, TimestampNs retry_ns)
    : target_(std::move(target)), max_pending_(max_pending), retry_ns_(retry_ns) {
  buf_.reserve(max_pending_);
  start_connect(monotonic_ns());
}

TcpStream::~TcpStream() {
  if (fd_ >= 0) ::close(fd_);
}

void TcpStream::start_connect(TimestampNs now) {
  last_attempt_ = now;
  fd_ = ::socket(target_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    last_error_ = errno;
    return;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target_.addr), target_.len) != 0 && errno != EINPROGRESS) {
    last_error_ = errno;
    ::close(fd_);
    fd_ = -1;
    return;
  }
  state_ = State::connecting;
  buf_.clear();
  pending_.clear();
  queued_total_ = written_total_ = 0;
  new_session_ = true;
  ++connects_;
}

bool TcpStream::new_session() noexcept {
  const bool n = new_session_;
  new_session_ = false;
  return n;
}

bool TcpStream::queue(std::span<const std::uint8_t> msg, std::uint32_t records) {
  if (state_ == State::down) return false;
  if (buf_.size() + msg.size() > max_pending_) return false;
  buf_.insert(buf_.end(), msg.begin(), msg.end());
  queued_total_ += msg.size();
  pending_.push_back({queued_total_, msg.size(), records});
  return true;
}

void TcpStream::lose(int err, StreamDelivery& d) {
  last_error_ = err;
  for (const auto& p : pending_) d.lost_records += p.records;
  pending_.clear();
  buf_.clear();
  written_total_ = queued_total_;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::down;
}

void TcpStream::write_some(StreamDelivery& d) {
  std::size_t off = 0;
  while (off < buf_.size()) {
    const ssize_t n = ::send(fd_, buf_.data() + off, buf_.size() - off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      lose(errno, d);
      return;
    }
    off += static_cast<std::size_t>(n);
  }
  // The kernel holds what was written until the collector acknowledges it: dropped here.
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(off));
  written_total_ += off;
  // Delivered means acknowledged by the collector's TCP: bytes written and no longer in the
  // send queue. A record in a message written but not acknowledged when the connection breaks
  // is lost, and counted so.
  int unacked = 0;
  if (::ioctl(fd_, SIOCOUTQ, &unacked) != 0) unacked = 0;
  const std::uint64_t acked = written_total_ - std::min<std::uint64_t>(written_total_, static_cast<std::uint64_t>(unacked));
  while (!pending_.empty() && pending_.front().end <= acked) {
    ++d.messages;
    d.bytes += pending_.front().size;
    d.records += pending_.front().records;
    pending_.pop_front();
  }
}

void TcpStream::pump(StreamDelivery& d) {
  if (state_ == State::down) {
    const TimestampNs now = monotonic_ns();
    if (now - last_attempt_ >= retry_ns_) start_connect(now);
    if (state_ == State::down) return;
  }
  if (state_ == State::connecting) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) <= 0) return;  // still connecting
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      lose(err, d);
      return;
    }
    state_ = State::up;
  }
  write_some(d);
}

void TcpStream::close(TimestampNs wait_ns, StreamDelivery& d) {
  const TimestampNs until = monotonic_ns() + wait_ns;
  while (state_ != State::down && !pending_.empty()) {
    pump(d);
    if (state_ == State::down || pending_.empty()) break;
    const TimestampNs left = until - monotonic_ns();
    if (left <= 0) break;
    // Everything written: wait a little for the acknowledgements, else for room to write.
    pollfd p{fd_, POLLOUT, 0};
    const int ms = static_cast<int>(std::min<TimestampNs>(left / 1'000'000 + 1, 5));
    if (buf_.empty()) {
      (void)::poll(nullptr, 0, ms);
    } else {
      (void)::poll(&p, 1, ms);
    }
  }
  if (!pending_.empty()) lose(ETIMEDOUT, d);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::down;
}

}  // namespace riptide::ipfix
