// How flows end: export to the sink (client and server applied), the idle LRU and closing
// lists, expiry and the final flush. Lookup and update are in flow_table.cpp.
#include <cstdint>

#include "flow/flow_table_entry.hpp"
#include "flow/saturating_time.hpp"

namespace riptide {

using flow_detail::elapsed;

void FlowTable::restart(Entry& e) noexcept {
  e.lo_to_hi = FlowDirStats{};
  e.hi_to_lo = FlowDirStats{};
  e.flow_id = next_flow_id();
  ++stats_.flows_created;
}

void FlowTable::export_flow(const Entry& e, FlowEndReason why) noexcept {
  FlowRecord r;
  r.flow_id = e.flow_id;
  if (e.client_is_lo) {
    r.src_ip = e.key.lo_addr, r.src_port = e.key.lo_port, r.dest_ip = e.key.hi_addr, r.dest_port = e.key.hi_port;
  } else {
    r.src_ip = e.key.hi_addr, r.src_port = e.key.hi_port, r.dest_ip = e.key.lo_addr, r.dest_port = e.key.lo_port;
  }
  r.ip_version = e.key.ip_version;
  r.proto = e.key.proto;
  r.vlan_count = e.key.vlan_count;  // 0 when the key holds a VNI instead
  for (std::size_t v = 0; v < r.vlan_count; ++v) r.vlan_ids[v] = e.key.vlan_ids[v];
  r.toserver = e.to_server();
  r.toclient = e.to_client();
  r.start_ns = e.start_ns();
  r.end_ns = e.last_ns();
  r.reason = why;
  r.tunnel_type = e.tunnel_type;
  if (e.tunnel_type != TunnelType::none) {
    const OuterAddrs& o = outer_[&e - entries_];
    r.tunnel_id = e.tunnel_id;
    r.tunnel_depth = e.tunnel_depth;
    r.outer_ip_version = e.outer_ip_version;
    r.outer_src = o.src;
    r.outer_dst = o.dst;
  }
  if (e.mpls_count != 0) [[unlikely]] {
    const OuterAddrs& o = outer_[&e - entries_];
    r.mpls_count = e.mpls_count;
    for (std::size_t l = 0; l < e.mpls_count; ++l) r.mpls_labels[l] = o.mpls[l];
  }
  ++stats_.flows_ended[static_cast<std::size_t>(why)];
  sink_->on_flow(r);
}

void FlowTable::end_flow(std::uint32_t i, FlowEndReason why) noexcept {
  Entry& e = entries_[i];
  export_flow(e, why);
  chain_unlink(i);
  if (e.closing != 0) --closing_count_;
  unlink(list_of(e), i);
  e.closing = 0;
  e.chain_next = free_head_;
  free_head_ = i;
  --stats_.active_flows;
}

void FlowTable::chain_unlink(std::uint32_t i) noexcept {
  // Only the tag (high half) is stored, so the bucket comes from rehashing: removals are
  // rare next to lookups, and this keeps the lookup fields in one cache line.
  const auto bucket = static_cast<std::uint32_t>(flow_hash(entries_[i].key)) & bucket_mask_;
  std::uint32_t* link = &buckets_[bucket];
  while (*link != i) link = &entries_[*link].chain_next;
  *link = entries_[i].chain_next;
}

FlowTable::List& FlowTable::list_of(const Entry& e) noexcept { return e.closing != 0 ? closing_ : lru_; }

void FlowTable::unlink(List& l, std::uint32_t i) noexcept {
  Entry& e = entries_[i];
  if (e.lru_prev != kNil) entries_[e.lru_prev].lru_next = e.lru_next; else l.head = e.lru_next;
  if (e.lru_next != kNil) entries_[e.lru_next].lru_prev = e.lru_prev; else l.tail = e.lru_prev;
  e.lru_prev = e.lru_next = kNil;
}

void FlowTable::push_tail(List& l, std::uint32_t i, TimestampNs ts) noexcept {
  Entry& e = entries_[i];
  e.lru_ts = ts;
  e.lru_prev = l.tail;
  e.lru_next = kNil;
  if (l.tail != kNil) entries_[l.tail].lru_next = i; else l.head = i;
  l.tail = i;
}

void FlowTable::expire(TimestampNs now) noexcept {
  frags_.expire(now);  // first: what it releases may belong to flows about to end
  while (closing_.head != kNil && elapsed(now, entries_[closing_.head].last_ns()) > cfg_.closed_timeout_ns)
    end_flow(closing_.head, entries_[closing_.head].close_reason());
  while (lru_.head != kNil && elapsed(now, entries_[lru_.head].last_ns()) > cfg_.idle_timeout_ns)
    end_flow(lru_.head, FlowEndReason::idle_timeout);
}

void FlowTable::flush_all() noexcept {
  frags_.flush_all();
  while (closing_.head != kNil) end_flow(closing_.head, entries_[closing_.head].close_reason());
  while (lru_.head != kNil) end_flow(lru_.head, FlowEndReason::end_of_input);
}

std::uint32_t FlowTable::lru_order(std::uint64_t* out, std::uint32_t n) const noexcept {
  std::uint32_t c = 0;
  for (std::uint32_t i = lru_.head; i != kNil && c < n; i = entries_[i].lru_next) out[c++] = entries_[i].flow_id;
  return c;
}

}  // namespace riptide
