#pragma once
// The flow key: what makes two packets belong to the same bidirectional flow.
//
// A key is canonical: its "lo" endpoint is the lower of the two (address, port) pairs, so
// both directions of a conversation build the same bytes and the same hash. Whether a
// given packet travels lo -> hi (the canonical direction) is returned beside the key.
//
// Choices (documented here because they decide what counts as "one flow"):
// - ICMP and ICMPv6 use ports 0/0 in the key. The decoder stores type/code in sport/dport,
//   which differ between an echo request (8/0) and its reply (0/0); zeroing them makes the
//   request and reply one flow. The type/code of each direction are kept in the record.
//   Consequence: all ICMP between two hosts on one VLAN pair is a single flow.
// - Every IP fragment, the first one included (kMetaIsFragment), gets ports 0/0 here: a
//   packet alone cannot say which ports its datagram has. The flow meter gives fragments
//   their datagram's ports through its fragment table (flow/frag_table.hpp), so every fragment
//   counts in the datagram's 5-tuple flow; this port-less key stays what the dispatcher hashes,
//   so that all fragments of a datagram reach one worker. (With several workers, the whole
//   packets of a 5-tuple may then be metered on another worker than its fragments.)
// - Packets without a transport header (protocols other than TCP/UDP/SCTP/UDP-Lite, or a
//   truncated L4 header) use ports 0/0 as well.
// - Tunnelled packets are keyed by the innermost IP header (PacketMeta describes it). A VXLAN
//   or Geneve VNI is a tenant's network: it replaces the VLAN ids in the key (`segment`, with
//   the tunnel type in `tunnel`), so overlapping tenant networks stay apart. GTP-U TEIDs and
//   GRE keys are not in the key: each direction of a GTP or PPTP tunnel uses its own.
// - Non-IP packets (ARP, anything without an IPv4/IPv6 header) are not flows: make_key
//   returns false. Nor are IPv4 packets whose total length is shorter than their header
//   (DecodeError::bad_ipv4_total_len): the header is not a real one, its "addresses" are
//   noise, and tshark does not read addresses from it either. Truncated packets, by
//   contrast, keep the key their header gives.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "riptide/decode/metadata.hpp"

namespace riptide {

struct FlowKey {
  IpAddr lo_addr{};
  IpAddr hi_addr{};
  std::uint16_t lo_port = 0;
  std::uint16_t hi_port = 0;
  std::uint16_t vlan_ids[PacketMeta::kMaxVlans] = {};
  std::uint8_t vlan_count = 0;  // tags kept in vlan_ids (0..kMaxVlans)
  std::uint8_t ip_version = 0;  // 4 or 6
  std::uint8_t proto = 0;
  // TunnelType of a VNI held in vlan_ids (low 16 bits in [0], high 8 in [1]); 0: VLAN ids.
  // Also the byte that keeps the key free of padding: it is hashed and compared as raw bytes.
  std::uint8_t tunnel = 0;

  bool operator==(const FlowKey& o) const noexcept { return std::memcmp(this, &o, sizeof(FlowKey)) == 0; }
};
static_assert(sizeof(FlowKey) == 44, "FlowKey must have no hidden padding: it is hashed as bytes");

namespace flow_detail {

inline bool proto_has_ports(std::uint8_t proto) noexcept {
  return proto == 6 || proto == 17 || proto == 132 || proto == 136;  // TCP, UDP, SCTP, UDP-Lite
}

inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// -1/0/1 ordering of (addr a, port pa) against (addr b, port pb); addresses compared as
// big-endian numbers, i.e. byte-lexicographically.
inline int compare_endpoints(const IpAddr& a, std::uint16_t pa, const IpAddr& b, std::uint16_t pb) noexcept {
  const std::uint64_t a0 = load_be64(a.b.data()), b0 = load_be64(b.b.data());
  if (a0 != b0) return a0 < b0 ? -1 : 1;
  const std::uint64_t a1 = load_be64(a.b.data() + 8), b1 = load_be64(b.b.data() + 8);
  if (a1 != b1) return a1 < b1 ? -1 : 1;
  if (pa != pb) return pa < pb ? -1 : 1;
  return 0;
}

// 64x64 -> 128 multiply folded to 64 bits: the mixing step of the hash.
__extension__ typedef unsigned __int128 u128;  // __extension__: silences -Wpedantic
inline std::uint64_t fold_mul(std::uint64_t a, std::uint64_t b) noexcept {
  const u128 r = static_cast<u128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

}  // namespace flow_detail

// Builds the canonical key of `m`. Returns false for packets that are not IP flows.
// `forward` is set to true when the packet goes from the key's lo endpoint to its hi endpoint.
//
// The key is assembled in registers and stored as the five 8-byte words and one 4-byte word
// that flow_hash() and the table's compare load back. Built field by field (2-byte ports and
// VLAN ids, 1-byte protocol fields, after zeroing), each of those loads spans several pending
// smaller stores, which the CPU cannot forward: the load waits for the stores to reach the
// cache, on every packet (16 % of the live flow-table time).
inline bool make_key(const PacketMeta& m, FlowKey& key, bool& forward) noexcept {
  static_assert(std::endian::native == std::endian::little, "the words below are the fields' little-endian bytes");
  static_assert(offsetof(FlowKey, lo_port) == 32 && offsetof(FlowKey, vlan_ids) == 36 &&
                offsetof(FlowKey, vlan_count) == 40 && offsetof(FlowKey, proto) == 42 &&
                offsetof(FlowKey, tunnel) == 43);
  int nv = m.vlan_count < PacketMeta::kMaxVlans ? m.vlan_count : PacketMeta::kMaxVlans;
  std::uint64_t v0 = nv > 0 ? m.vlan_ids[0] : 0, v1 = nv > 1 ? m.vlan_ids[1] : 0;
  std::uint32_t tunnel = 0;
  if (m.tunnel_type == TunnelType::vxlan || m.tunnel_type == TunnelType::geneve) [[unlikely]] {
    nv = 0;
    v0 = m.tunnel_id & 0xffffu;
    v1 = m.tunnel_id >> 16;
    tunnel = static_cast<std::uint32_t>(m.tunnel_type) << 24;
  }
  auto* out = reinterpret_cast<std::uint8_t*>(&key);
  auto store = [out](std::size_t at, auto word) { std::memcpy(out + at, &word, sizeof word); };
  if (!m.has(kMetaHasL3) || (m.ip_version != 4 && m.ip_version != 6) || m.error == DecodeError::bad_ipv4_total_len) {
    forward = true;
    for (std::size_t at = 0; at < 32; at += 8) store(at, std::uint64_t{0});
    store(32, std::uint64_t{v0 << 32 | v1 << 48});
    store(40, static_cast<std::uint32_t>(nv) | tunnel);
    return false;
  }
  std::uint16_t sp = 0, dp = 0;
  if ((m.flags & (kMetaHasL4 | kMetaIsFragment)) == kMetaHasL4 && flow_detail::proto_has_ports(m.ip_proto)) {
    sp = m.sport;
    dp = m.dport;
  }
  forward = flow_detail::compare_endpoints(m.src, sp, m.dst, dp) <= 0;
  const IpAddr& lo = forward ? m.src : m.dst;
  const IpAddr& hi = forward ? m.dst : m.src;
  const std::uint64_t lo_port = forward ? sp : dp, hi_port = forward ? dp : sp;
  std::uint64_t w[4];
  std::memcpy(&w[0], lo.b.data(), 16);
  std::memcpy(&w[2], hi.b.data(), 16);
  for (std::size_t i = 0; i < 4; ++i) store(8 * i, w[i]);
  store(32, std::uint64_t{lo_port | hi_port << 16 | v0 << 32 | v1 << 48});
  store(40, static_cast<std::uint32_t>(static_cast<std::uint32_t>(nv) | std::uint32_t{m.ip_version} << 8 |
                                       std::uint32_t{m.ip_proto} << 16 | tunnel));
  return true;
}

inline bool make_key(const PacketMeta& m, FlowKey& key) noexcept {
  bool forward;
  return make_key(m, key, forward);
}

// True when `m` travels in its key's canonical (lo -> hi) direction.
inline bool is_canonical_direction(const PacketMeta& m) noexcept {
  FlowKey k;
  bool forward;
  make_key(m, k, forward);
  return forward;
}

// 64-bit hash of a key; symmetric because the key is. A few multiplies, no table lookups.
inline std::uint64_t flow_hash(const FlowKey& k) noexcept {
  using flow_detail::fold_mul;
  std::uint64_t w[5];
  std::uint32_t tail;
  std::memcpy(w, &k, sizeof(w));
  std::memcpy(&tail, reinterpret_cast<const std::uint8_t*>(&k) + sizeof(w), sizeof(tail));
  // Odd constants with mixed bit patterns (digits of pi / e); any good odd constants work.
  const std::uint64_t h = fold_mul(w[0] ^ 0x243f6a8885a308d3ull, w[1] ^ 0x13198a2e03707345ull) +
                          fold_mul(w[2] ^ 0xa4093822299f31d1ull, w[3] ^ 0x082efa98ec4e6c89ull) +
                          fold_mul(w[4] ^ 0x452821e638d01377ull, tail ^ 0xbe5466cf34e90c6cull);
  return fold_mul(h ^ 0xc0ac29b7c97c50ddull, 0x9e3779b97f4a7c15ull);
}

// Hash of the flow `m` belongs to; the same value for both directions. Non-IP packets hash
// their VLAN tags only, so they spread per VLAN but stay together within one.
inline std::uint64_t flow_hash(const PacketMeta& m) noexcept {
  FlowKey k;
  bool forward;
  make_key(m, k, forward);
  return flow_hash(k);
}

}  // namespace riptide
