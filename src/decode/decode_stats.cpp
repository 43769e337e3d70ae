// DecodeStats aggregation: workers keep private stats and the engine merges them for reports.
#include "riptide/decode/decoder.hpp"

namespace riptide {

std::uint64_t DecodeStats::total_errors() const noexcept {
  std::uint64_t n = 0;
  // Index 0 (none) mirrors decoded_ok; it is not an error.
  for (std::size_t i = 1; i < errors.size(); ++i) n += errors[i];
  return n;
}

void DecodeStats::merge(const DecodeStats& o) noexcept {
  packets += o.packets;
  bytes += o.bytes;
  decoded_ok += o.decoded_ok;
  snaplen_truncated += o.snaplen_truncated;
  length_beyond_wire += o.length_beyond_wire;
  ipv4 += o.ipv4;
  ipv6 += o.ipv6;
  arp += o.arp;
  other_l3 += o.other_l3;
  tcp += o.tcp;
  udp += o.udp;
  icmp += o.icmp;
  icmpv6 += o.icmpv6;
  other_l4 += o.other_l4;
  fragments += o.fragments;
  pppoe += o.pppoe;
  mpls += o.mpls;
  erspan += o.erspan;
  for (std::size_t i = 0; i < tunnels.size(); ++i) tunnels[i] += o.tunnels[i];
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
}

std::array<EncapCount, kEncapCounts> encap_counts(const DecodeStats& s) noexcept {
  std::array<EncapCount, kEncapCounts> a{};
  std::size_t k = 0;
  a[k++] = {"pppoe", s.pppoe};
  a[k++] = {"mpls", s.mpls};
  for (std::size_t t = 1; t < s.tunnels.size(); ++t) a[k++] = {to_string(static_cast<TunnelType>(t)), s.tunnels[t]};
  a[k++] = {"erspan", s.erspan};
  return a;
}

}  // namespace riptide
