#pragma once
// Test helper shared by tests/transmit and tests/gen: a plain AF_PACKET receive socket
// opened inside a VethPair's namespace (packet_socket_in_netns), and a receive loop that
// feeds every generator frame to a SeqTracker.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "riptide/gen/gen_payload.hpp"
#include "riptide/gen/seq_tracker.hpp"
#include "support/netns.hpp"

namespace riptide::test {

class NsReceiver {
 public:
  NsReceiver(const std::string& netns, const std::string& iface, std::uint32_t max_flows = 1024)
      : tracker_(max_flows, 1u << 16) {
    fd_ = packet_socket_in_netns(netns, iface, ETH_P_ALL);
    if (fd_ >= 0) {
      int sz = 64 << 20;
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
    }
  }
  ~NsReceiver() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Receives until `want` generator frames arrived, or nothing came for idle_ms.
  void receive(std::uint64_t want, int idle_ms = 1000) {
    std::vector<std::uint8_t> buf(65536);
    while (frames_ < want) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, idle_ms) <= 0) break;
      const ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n <= 0) continue;
      auto g = gen::parse_gen_payload(std::span<const std::uint8_t>(buf.data(), std::size_t(n)));
      if (!g) {
        ++other_;
        continue;
      }
      ++frames_;
      bytes_ += std::uint64_t(n);
      tracker_.feed(g->flow, g->seq);
    }
  }
  // Runs receive() on a thread; join with wait().
  void start(std::uint64_t want, int idle_ms = 1000) {
    th_ = std::thread([this, want, idle_ms] { receive(want, idle_ms); });
  }
  void wait() {
    if (th_.joinable()) th_.join();
  }

  std::uint64_t frames() const { return frames_; }
  std::uint64_t other() const { return other_; }
  std::uint64_t bytes() const { return bytes_; }
  const gen::SeqTracker& tracker() const { return tracker_; }

 private:
  int fd_ = -1;
  std::uint64_t frames_ = 0, other_ = 0, bytes_ = 0;
  gen::SeqTracker tracker_;
  std::thread th_;
};

}  // namespace riptide::test
