#pragma once
// Flow records for the IPFIX tests, the exporter's counters by name, and a loopback UDP collector that hands every datagram
// it received to the decoder.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "riptide/flow/flow_record.hpp"
#include "riptide/ipfix/ipfix_decoder.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"

namespace riptide::ipfixtest {

inline IpAddr ip(const std::string& text) {
  std::uint8_t b[16] = {};
  if (text.find(':') != std::string::npos) {
    inet_pton(AF_INET6, text.c_str(), b);
    return IpAddr::from_v6(b);
  }
  inet_pton(AF_INET, text.c_str(), b);
  return IpAddr::from_v4(b);
}

// A flow with distinct values in every exported field; times are whole milliseconds so that
// they read back exactly.
inline FlowRecord flow(std::uint64_t id, bool v6 = false) {
  FlowRecord r;
  r.flow_id = id;
  r.ip_version = v6 ? 6 : 4;
  r.src_ip = ip(v6 ? "2001:db8::1" : "192.0.2.1");
  r.dest_ip = ip(v6 ? "2001:db8::2:3" : "198.51.100.7");
  r.src_port = static_cast<std::uint16_t>(40000 + id % 1000);
  r.dest_port = 443;
  r.proto = 6;
  r.toserver = {10 + id, 1500 + id, 1300 + id, 0, 0, 0x1b, 0, 0};
  r.toclient = {7 + id, 9000 + id, 8800 + id, 0, 0, 0x1a, 0, 0};
  r.start_ns = 1'700'000'000'123'000'000 + static_cast<TimestampNs>(id) * 1'000'000;
  r.end_ns = r.start_ns + 4'567'000'000;
  r.reason = FlowEndReason::idle_timeout;
  return r;
}

// The fields IPFIX carries, as the decoder gives them back.
inline void expect_same(const FlowRecord& a, const FlowRecord& b) {
  EXPECT_EQ(a.flow_id, b.flow_id);
  EXPECT_EQ(a.ip_version, b.ip_version);
  EXPECT_EQ(a.src_ip, b.src_ip) << a.flow_id;
  EXPECT_EQ(a.dest_ip, b.dest_ip);
  EXPECT_EQ(a.src_port, b.src_port);
  EXPECT_EQ(a.dest_port, b.dest_port);
  EXPECT_EQ(a.proto, b.proto);
  EXPECT_EQ(a.vlan_count, b.vlan_count);
  for (std::size_t i = 0; i < a.vlan_count && i < a.vlan_ids.size(); ++i) EXPECT_EQ(a.vlan_ids[i], b.vlan_ids[i]);
  EXPECT_EQ(a.toserver.pkts, b.toserver.pkts);
  EXPECT_EQ(a.toserver.bytes, b.toserver.bytes);
  EXPECT_EQ(a.toserver.ip_bytes, b.toserver.ip_bytes);
  EXPECT_EQ(a.toserver.tcp_flags, b.toserver.tcp_flags);
  EXPECT_EQ(a.toserver.icmp_type, b.toserver.icmp_type);
  EXPECT_EQ(a.toserver.icmp_code, b.toserver.icmp_code);
  EXPECT_EQ(a.toclient.pkts, b.toclient.pkts);
  EXPECT_EQ(a.toclient.bytes, b.toclient.bytes);
  EXPECT_EQ(a.toclient.ip_bytes, b.toclient.ip_bytes);
  EXPECT_EQ(a.start_ns / 1'000'000, b.start_ns / 1'000'000);
  EXPECT_EQ(a.end_ns / 1'000'000, b.end_ns / 1'000'000);
  EXPECT_EQ(a.reason, b.reason);
}

// The exporter's counters by name.
inline std::map<std::string, std::uint64_t> counter_map(const IpfixExporter& x) {
  std::vector<SinkCounter> v;
  x.counters(v);
  std::map<std::string, std::uint64_t> m;
  for (const auto& c : v) m[c.name] = c.value;
  return m;
}

// A UDP socket on 127.0.0.1 with a kernel-chosen port.
class Collector {
 public:
  Collector() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int big = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Collector() { ::close(fd_); }
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Every datagram waiting (after at most wait_ms for the first), as raw bytes.
  std::vector<std::vector<std::uint8_t>> receive(int wait_ms = 1000) {
    std::vector<std::vector<std::uint8_t>> out;
    pollfd p{fd_, POLLIN, 0};
    int wait = wait_ms;
    while (::poll(&p, 1, wait) > 0) {
      std::vector<std::uint8_t> buf(65536);
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) break;
      buf.resize(static_cast<std::size_t>(n));
      out.push_back(std::move(buf));
      wait = 50;
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace riptide::ipfixtest
