#pragma once
// One packet's decoded metadata as Python sees it: a fixed C layout that NumPy reads as a
// structured array without any per-packet Python object. Built from PacketMeta on the packet
// thread (a few stores per packet), copied to NumPy once per batch.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide::py {

struct Record {
  std::int64_t ts_ns;        // capture timestamp, ns since the epoch
  std::uint64_t flow_hash;   // symmetric: both directions of a flow share it (0: not a flow)
  std::uint32_t caplen;
  std::uint32_t wirelen;
  std::uint32_t ifindex;
  std::uint32_t src4;        // IPv4 source as a number (a.b.c.d = a<<24|b<<16|c<<8|d); 0 unless ip_version 4
  std::uint32_t dst4;
  std::uint32_t ip_len;
  std::uint32_t l4_payload_len;
  std::uint16_t vlan0;       // outermost VLAN id (0: none, see vlan_count)
  std::uint16_t vlan1;
  std::uint16_t ethertype;
  std::uint16_t flags;       // PacketMeta kMeta* bits
  std::uint16_t sport;       // ICMP: type
  std::uint16_t dport;       // ICMP: code
  std::uint16_t l3_off;      // offsets into the packet bytes, 0xffff = absent
  std::uint16_t l4_off;
  std::uint16_t payload_off;
  std::uint8_t direction;    // 0 unknown, 1 inbound, 2 outbound
  std::uint8_t vlan_count;
  std::uint8_t ip_version;   // 0, 4 or 6
  std::uint8_t protocol;
  std::uint8_t ttl;
  std::uint8_t tcp_flags;
  std::uint8_t error;        // DecodeError, 0 = none
  std::uint8_t pad_;
  std::uint8_t src[16];      // the address as 16 bytes (IPv4 as ::ffff:a.b.c.d)
  std::uint8_t dst[16];
};

void fill(Record& r, const PacketMeta& m, const PacketView& p) noexcept;

// (name, numpy format, offset) of every field but the padding, and sizeof(Record).
struct FieldDesc {
  std::string name, format;
  std::size_t offset;
};
std::vector<FieldDesc> record_fields();

}  // namespace riptide::py
