// Fragments in the flow table: each one is counted in its datagram's 5-tuple flow, with the
// ports the FragTable remembers from the datagram's first fragment. Off the plain path: only
// packets the decoder flagged kMetaIsFragment come here.
#include "flow/flow_table_entry.hpp"

namespace riptide {

namespace {

// `m` as the datagram's whole packet would be keyed: ports given, not a fragment.
PacketMeta with_ports(const PacketMeta& m, std::uint16_t sport, std::uint16_t dport) noexcept {
  PacketMeta p = m;
  p.flags = static_cast<std::uint16_t>((p.flags & ~kMetaIsFragment) | kMetaHasL4);
  p.sport = sport;
  p.dport = dport;
  return p;
}

}  // namespace

void FlowTable::update_fragment(const FlowKey& k, bool from_lo, const PacketMeta& m, TimestampNs ts,
                                std::uint32_t wire_len) noexcept {
  if (!flow_detail::proto_has_ports(m.ip_proto)) {
    update_hashed(k, from_lo, flow_hash(k), m, ts, wire_len);  // no ports to find: the key is complete
    return;
  }
  const FragVerdict v = frags_.on_fragment(k, from_lo, m, ts, wire_len);
  if (v.held) return;
  if (!v.with_ports) {
    update_hashed(k, from_lo, flow_hash(k), m, ts, wire_len);
    return;
  }
  const PacketMeta p = with_ports(m, v.sport, v.dport);
  FlowKey pk;
  bool fwd = true;
  make_key(p, pk, fwd);
  update_hashed(pk, fwd, flow_hash(pk), p, ts, wire_len);
}

void FlowTable::release_fragments(void* self, const FragRelease& r) noexcept {
  auto* t = static_cast<FlowTable*>(self);
  PacketMeta p = r.with_ports ? with_ports(*r.meta, r.meta->sport, r.meta->dport) : *r.meta;
  p.tcp_flags = 0;  // held fragments are not the one with the TCP header
  FlowKey k;
  bool fwd = true;
  if (!make_key(p, k, fwd)) return;  // cannot happen: it was keyed when it arrived
  const std::uint64_t h = flow_hash(k);
  for (std::uint32_t i = 0; i < r.count; ++i) {
    p.ip_len = r.frags[i].ip_len;
    t->update_hashed(k, fwd, h, p, r.frags[i].ts, r.frags[i].wire_len);
  }
}

}  // namespace riptide
