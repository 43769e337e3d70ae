#pragma once
// Hand-built PacketMeta values and a collecting sink for the flow tests.
#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <vector>

#include "riptide/decode/metadata.hpp"
#include "riptide/flow/flow_record.hpp"

namespace riptide::flowtest {

inline constexpr std::uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

inline IpAddr ip(const std::string& text) {
  std::uint8_t b[16] = {};
  if (text.find(':') != std::string::npos) {
    inet_pton(AF_INET6, text.c_str(), b);
    return IpAddr::from_v6(b);
  }
  inet_pton(AF_INET, text.c_str(), b);
  return IpAddr::from_v4(b);
}

// An IP packet; version follows the address text. ip_len = 40 + payload unless set later.
inline PacketMeta pkt(const std::string& src, std::uint16_t sport, const std::string& dst, std::uint16_t dport,
                      std::uint8_t proto = 6, std::uint8_t tcp_flags = 0) {
  PacketMeta m;
  m.flags = kMetaHasL3 | kMetaHasL4;
  m.ip_version = src.find(':') != std::string::npos ? 6 : 4;
  m.ethertype = m.ip_version == 6 ? 0x86dd : 0x0800;
  m.ip_proto = proto;
  m.src = ip(src);
  m.dst = ip(dst);
  m.sport = sport;
  m.dport = dport;
  m.tcp_flags = proto == 6 ? tcp_flags : 0;
  m.ip_len = 100;
  m.wirelen = m.caplen = 114;
  return m;
}

inline PacketMeta with_vlans(PacketMeta m, std::uint16_t outer, int count = 1, std::uint16_t inner = 0) {
  m.vlan_count = static_cast<std::uint8_t>(count);
  m.vlan_ids = {outer, inner};
  return m;
}

inline PacketMeta reversed(PacketMeta m) {
  std::swap(m.src, m.dst);
  std::swap(m.sport, m.dport);
  return m;
}

inline PacketMeta arp() {
  PacketMeta m;
  m.flags = kMetaArp;
  m.ethertype = 0x0806;
  m.wirelen = m.caplen = 60;
  return m;
}

struct CollectSink : FlowSink {
  std::vector<FlowRecord> recs;
  void on_flow(const FlowRecord& r) override { recs.push_back(r); }
};

inline constexpr TimestampNs sec(double s) { return static_cast<TimestampNs>(s * 1e9); }

}  // namespace riptide::flowtest
