#include "riptide/flow/flow_table.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "flow/flow_table_entry.hpp"
#include "flow/saturating_time.hpp"

namespace riptide {

using flow_detail::add_saturated;
using flow_detail::elapsed;

namespace {
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpSyn = 0x02;
constexpr std::uint8_t kTcpRst = 0x04;
constexpr std::uint8_t kTcpAck = 0x10;
constexpr std::uint8_t kProtoTcp = 6;

bool is_icmp(std::uint8_t proto) { return proto == 1 || proto == 58; }

std::uint32_t round_up_pow2(std::uint32_t v) {
  std::uint32_t p = 1;
  while (p < v) p <<= 1;
  return p;
}
}  // namespace

FlowTable::FlowTable(const FlowTableConfig& cfg, FlowSink& sink)
    : cfg_(cfg), sink_(&sink), frags_(cfg.frag, &FlowTable::release_fragments, this, &stats_.frag) {
  static_assert(std::is_trivially_destructible_v<Entry>, "entries live in raw memory and are never destroyed");
  static_assert(offsetof(Entry, lo_to_hi) == 64, "lookup fields must fill exactly the first line");
  static_assert(offsetof(Entry, hi_to_lo) == 128, "each direction's counters on a line of their own");
  static_assert(sizeof(Entry) == 192, "three cache lines");
  capacity_ = std::clamp<std::uint32_t>(cfg.max_flows, 1, 1u << 30);
  cfg_.closed_timeout_ns = std::clamp<TimestampNs>(cfg.closed_timeout_ns, 0, cfg.idle_timeout_ns);
  cfg_.max_flows = capacity_;
  const std::uint32_t nb = round_up_pow2(capacity_) * 2;  // load 1/2 when full; see create()
  max_buckets_ = nb;
  bucket_mask_ = std::min(nb, kInitialBuckets) - 1;
  mem_ = std::make_unique<Memory>();
  mem_->buckets = flow_detail::HugePageBuffer(std::size_t{nb} * sizeof(std::uint32_t));
  mem_->entries = flow_detail::HugePageBuffer(std::size_t{capacity_} * sizeof(Entry));
  // Only what is in use is written: the buckets in use now (grow_buckets() writes each new
  // half as it comes into use) and no entry (create() constructs them in index order). The
  // rest stays untouched address space, so a table costs memory for its peak of live flows,
  // not for max_flows: 1M entries are 192 MiB, which `riptide read` of a small file paid.
  buckets_ = static_cast<std::uint32_t*>(mem_->buckets.data());
  std::fill_n(buckets_, bucket_mask_ + 1, kNil);
  entries_ = static_cast<Entry*>(mem_->entries.data());
  mem_->outer = flow_detail::HugePageBuffer(std::size_t{capacity_} * sizeof(OuterAddrs));
  outer_ = static_cast<OuterAddrs*>(mem_->outer.data());
  flow_id_base_ = std::uint64_t{cfg.table_index & kFlowIdTableMask} << kFlowIdSeqBits;
}

FlowTable::~FlowTable() = default;

// Inlined into the batch loop: a call there cost as many instructions as the lookup itself.
[[gnu::always_inline]] inline std::uint32_t FlowTable::find(const FlowKey& k, std::uint32_t bucket,
                                                             std::uint32_t tag) const noexcept {
  std::uint32_t i = buckets_[bucket];
  while (i != kNil) {
    const Entry& e = entries_[i];
    if (e.tag == tag && e.key == k) return i;
    i = e.chain_next;
  }
  return kNil;
}

// The reference path: every rule of update_hashed(), one packet at a time. update_batch()
// must give exactly the same result, which the tests check against this.
void FlowTable::update(const PacketMeta& m, TimestampNs ts, std::uint32_t wire_len) noexcept {
  ++stats_.packets;
  FlowKey k;
  bool from_lo;
  if (!make_key(m, k, from_lo)) {
    ++stats_.non_ip;
    return;
  }
  if (m.flags & kMetaIsFragment) [[unlikely]] {
    update_fragment(k, from_lo, m, ts, wire_len);
    return;
  }
  update_hashed(k, from_lo, flow_hash(k), m, ts, wire_len);
}

void FlowTable::update(const PacketMeta& m, const PacketView& pkt) noexcept {
  packet_data_ = pkt.data;
  update(m, pkt.ts_ns, pkt.wirelen);
  packet_data_ = nullptr;
}

// What update_hashed() does for an open flow whose packet can neither end it (timeouts),
// move it (LRU), start or reorient it (SYN), close it (FIN, RST) nor move its start back:
// the counters of one direction, nothing else. Anything else returns false having changed
// nothing, and the caller takes the full path. Kept inline and free of calls because it is
// what nearly every packet of an established flow takes.
[[gnu::always_inline]] inline bool FlowTable::update_established(const FlowKey& k, bool from_lo, std::uint64_t h,
                                                                 const PacketMeta& m, TimestampNs ts,
                                                                 std::uint32_t wire_len) noexcept {
  // The flags first: a SYN, FIN or RST takes the full path whatever the table holds, so a SYN
  // flood of new flows does not look each one up twice.
  const std::uint8_t fl = k.proto == kProtoTcp ? m.tcp_flags : 0;
  if ((fl & (kTcpSyn | kTcpFin | kTcpRst)) != 0) return false;
  const std::uint32_t i = find(k, static_cast<std::uint32_t>(h) & bucket_mask_, static_cast<std::uint32_t>(h >> 32));
  if (i == kNil) return false;
  Entry& e = entries_[i];
  if (e.closing != 0 || ts >= e.fast_until) return false;
  FlowDirStats& s = e.dir(from_lo ? 0 : 1);
  if (s.pkts == 0 || ts < s.first_ns) return false;
  s.last_ns = std::max(s.last_ns, ts);
  ++s.pkts;
  s.bytes += wire_len;
  s.ip_bytes += m.ip_len;
  s.tcp_flags |= fl;
  return true;
}

void FlowTable::update_batch(const PacketMeta* metas, const PacketView* pkts, std::size_t n) noexcept {
  // Each lookup is a chain of dependent cache misses: bucket, then the entry's line 0 and
  // counters line. A software pipeline keeps them overlapped: while packet j is hashed and
  // its bucket requested, packet j - kStep has the chain head's line 0 and counters line
  // requested (which counters line follows from the key, see Entry), packet j - 2 kStep, when
  // the head turned out to be another flow, the same two lines of the next entry in the
  // chain, and packet j - 3 kStep is accounted. The updates run in packet order, so the
  // result is exactly that of n update() calls; the prefetch addresses are hints read from a
  // table the updates in between may change.
  //
  // Measured live (60 B frames, 10,000 flows): requesting the counters line only after
  // reading line 0 (to learn the client's side) left the pipeline waiting on that read;
  // requesting both at once cut riptide's CPU per packet by about 14 % (BENCHMARKS.md, session 5).
  constexpr std::size_t kStep = 8;
  constexpr std::size_t kRing = 32;  // > 3 * kStep: packets in flight
  static_assert((kRing & (kRing - 1)) == 0 && kRing > 3 * kStep);
  FlowKey keys[kRing];
  std::uint64_t hashes[kRing];
  std::uint32_t heads[kRing];
  bool from_lo[kRing];
  bool is_flow[kRing];
  // Line 0 of entry i and the counters line of the packet's side.
  auto request = [&](std::uint32_t i, bool lo_side) {
    const char* line = reinterpret_cast<const char*>(&entries_[i]);
    __builtin_prefetch(line);
    __builtin_prefetch(line + (lo_side ? 64 : 128), 1);
  };
  auto hash_stage = [&](std::size_t j) {
    const std::size_t r = j % kRing;
    is_flow[r] = make_key(metas[j], keys[r], from_lo[r]);
    hashes[r] = flow_hash(keys[r]);
    __builtin_prefetch(&buckets_[static_cast<std::uint32_t>(hashes[r]) & bucket_mask_]);
  };
  auto entry_stage = [&](std::size_t p) {
    const std::size_t r = p % kRing;
    const std::uint32_t i = buckets_[static_cast<std::uint32_t>(hashes[r]) & bucket_mask_];
    heads[r] = i;
    if (i != kNil) request(i, from_lo[r]);
  };
  auto chain_stage = [&](std::size_t p) {
    const std::size_t r = p % kRing;
    const std::uint32_t i = heads[r];  // a hint: an update since may have changed the chain
    if (i == kNil || entries_[i].tag == static_cast<std::uint32_t>(hashes[r] >> 32)) return;
    // Most likely the flow is the next one in the chain (new flows go to the head, so an
    // older flow often sits behind a newer neighbour): misses in find() and in the counters
    // otherwise.
    if (entries_[i].chain_next != kNil) request(entries_[i].chain_next, from_lo[r]);
  };
  auto update_stage = [&](std::size_t p) {
    const std::size_t r = p % kRing;
    if (!is_flow[r]) {
      ++stats_.non_ip;
      return;
    }
    if (metas[p].flags & kMetaIsFragment) [[unlikely]] {
      packet_data_ = pkts[p].data;
      update_fragment(keys[r], from_lo[r], metas[p], pkts[p].ts_ns, pkts[p].wirelen);
      return;
    }
    if (!update_established(keys[r], from_lo[r], hashes[r], metas[p], pkts[p].ts_ns, pkts[p].wirelen)) {
      packet_data_ = pkts[p].data;
      update_hashed(keys[r], from_lo[r], hashes[r], metas[p], pkts[p].ts_ns, pkts[p].wirelen);
    }
  };
  // Filling the pipeline, running it full (no stage tests: the common case of a 256-packet
  // batch), draining it.
  std::size_t j = 0;
  for (; j < std::min(n, 3 * kStep); ++j) {
    hash_stage(j);
    if (j >= kStep) entry_stage(j - kStep);
    if (j >= 2 * kStep) chain_stage(j - 2 * kStep);
  }
  for (; j < n; ++j) {
    hash_stage(j);
    entry_stage(j - kStep);
    chain_stage(j - 2 * kStep);
    update_stage(j - 3 * kStep);
  }
  for (; j < n + 3 * kStep; ++j) {
    if (j >= kStep && j - kStep < n) entry_stage(j - kStep);
    if (j >= 2 * kStep && j - 2 * kStep < n) chain_stage(j - 2 * kStep);
    if (j >= 3 * kStep) update_stage(j - 3 * kStep);
  }
  stats_.packets += n;
  packet_data_ = nullptr;  // the caller's buffers may go away after this call
}

void FlowTable::update_hashed(const FlowKey& k, bool from_lo, std::uint64_t h, const PacketMeta& m, TimestampNs ts,
                              std::uint32_t wire_len) noexcept {
  const std::uint32_t bucket = static_cast<std::uint32_t>(h) & bucket_mask_;
  const auto tag = static_cast<std::uint32_t>(h >> 32);

  const bool tcp = k.proto == kProtoTcp;
  const std::uint8_t fl = tcp ? m.tcp_flags : 0;
  const bool pure_syn = (fl & (kTcpSyn | kTcpAck)) == kTcpSyn;

  std::uint32_t i = find(k, bucket, tag);
  bool refresh = true;  // whether fast_until must be recomputed after this packet
  if (i != kNil && entries_[i].closing == 0 && ts < entries_[i].fast_until) {
    refresh = false;  // nothing can end or move: no need to look at the timestamps
  } else if (i != kNil && entries_[i].closing != 0) {
    Entry& e = entries_[i];
    if (pure_syn || elapsed(ts, e.last_ns()) > cfg_.closed_timeout_ns) {
      end_flow(i, e.close_reason());
      i = kNil;
    } else if (i != closing_.tail) {  // the grace period restarts: keep the FIFO in last-packet order
      unlink(closing_, i);
      push_tail(closing_, i, ts);
    }
  } else if (i != kNil) {
    Entry& e = entries_[i];
    if (elapsed(ts, e.last_ns()) > cfg_.idle_timeout_ns) {
      end_flow(i, FlowEndReason::idle_timeout);
      i = kNil;
    } else if (cfg_.active_timeout_ns > 0 && elapsed(ts, e.start_ns()) > cfg_.active_timeout_ns) {
      export_flow(e, FlowEndReason::active_timeout);
      restart(e);
    }
    // Moving costs two random cache misses (the list neighbours), so an entry moves at most
    // once per granule; see FlowTableConfig::lru_granularity_ns for what that costs in precision.
    if (i != kNil && elapsed(ts, e.lru_ts) >= cfg_.lru_granularity_ns && i != lru_.tail) {
      unlink(lru_, i);
      push_tail(lru_, i, ts);
    }
  }
  if (i == kNil) i = create(k, bucket, tag, from_lo, m, ts);

  Entry& e = entries_[i];
  const int side = from_lo ? 0 : 1;
  if (pure_syn && !e.syn_seen) {
    e.syn_seen = true;
    e.client_is_lo = from_lo;  // the connection's opener, whichever side we had taken for it
  }

  FlowDirStats& s = e.dir(side);
  if (s.pkts == 0) {
    refresh = true;  // the flow's start may move back
    s.first_ns = ts;
    s.last_ns = ts;
    if (is_icmp(k.proto) && m.has(kMetaHasL4)) {
      s.icmp_type = static_cast<std::uint8_t>(m.sport);
      s.icmp_code = static_cast<std::uint8_t>(m.dport);
    }
  } else if (ts < s.first_ns) {
    refresh = true;
    s.first_ns = ts;
  } else {
    s.last_ns = std::max(s.last_ns, ts);
  }
  ++s.pkts;
  s.bytes += wire_len;
  s.ip_bytes += m.ip_len;
  s.tcp_flags |= fl;
  if (refresh) e.fast_until = fast_until(e);

  if (tcp && e.closing == 0) {
    if (fl & kTcpRst) {
      start_closing(i, FlowEndReason::tcp_rst, ts);
    } else if (fl & kTcpFin) {
      e.fin_mask |= static_cast<std::uint8_t>(1u << side);
      if (e.fin_mask == 3) start_closing(i, FlowEndReason::tcp_fin, ts);
    }
  }
}

TimestampNs FlowTable::fast_until(const Entry& e) const noexcept {
  // The first timestamp at which update_hashed() has to look: the idle timeout (> idle after
  // the newest packet), the active timeout (> active after the start) or an LRU move
  // (>= granularity after the last one). Each bound is computed from a value that can only
  // grow until the next recompute, except the start, whose moves back trigger one.
  TimestampNs t = add_saturated(add_saturated(e.last_ns(), cfg_.idle_timeout_ns), 1);
  if (cfg_.active_timeout_ns > 0) t = std::min(t, add_saturated(add_saturated(e.start_ns(), cfg_.active_timeout_ns), 1));
  return std::min(t, add_saturated(e.lru_ts, cfg_.lru_granularity_ns));
}

void FlowTable::start_closing(std::uint32_t i, FlowEndReason why, TimestampNs ts) noexcept {
  if (cfg_.closed_timeout_ns == 0) {
    end_flow(i, why);
    return;
  }
  unlink(lru_, i);
  entries_[i].closing = static_cast<std::uint8_t>(static_cast<std::uint8_t>(why) + 1);
  push_tail(closing_, i, ts);
  ++closing_count_;
}

std::uint32_t FlowTable::create(const FlowKey& k, std::uint32_t bucket, std::uint32_t tag, bool from_lo,
                                const PacketMeta& m, TimestampNs ts) noexcept {
  if (free_head_ == kNil) {
    if (fresh_ < capacity_) {
      // An entry never used: its first touch (a page fault per page) happens here, once.
      ::new (static_cast<void*>(&entries_[fresh_])) Entry;
      free_head_ = fresh_++;
    } else if (closing_.head != kNil) {
      end_flow(closing_.head, entries_[closing_.head].close_reason());
    } else {
      ++stats_.evictions;
      end_flow(lru_.head, FlowEndReason::evicted);
    }
  }
  const std::uint32_t i = free_head_;
  Entry& e = entries_[i];
  free_head_ = e.chain_next;

  e.tag = tag;
  e.key = k;
  e.chain_next = buckets_[bucket];  // read after a possible eviction from this same chain
  buckets_[bucket] = i;
  e.lo_to_hi = FlowDirStats{};
  e.hi_to_lo = FlowDirStats{};
  e.flow_id = next_flow_id();
  e.tunnel_type = m.tunnel_type;
  e.tunnel_id = m.tunnel_id;
  e.tunnel_depth = m.tunnel_depth;
  e.outer_ip_version = m.outer_ip_version;
  e.mpls_count = 0;
  if (m.tunnel_type != TunnelType::none || m.has(kMetaMpls)) [[unlikely]] {
    OuterAddrs& o = outer_[i];
    o.src = m.outer_src;
    o.dst = m.outer_dst;
    e.mpls_count = static_cast<std::uint8_t>(mpls_labels(m, packet_data_, o.mpls.data(), o.mpls.size()));
  }
  // A SYN+ACK opening the flow means we missed the SYN: its receiver is the client.
  const bool synack = k.proto == kProtoTcp && (m.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck);
  e.client_is_lo = synack ? !from_lo : from_lo;
  e.syn_seen = false;
  e.fin_mask = 0;
  e.closing = 0;
  push_tail(lru_, i, ts);

  ++stats_.flows_created;
  ++stats_.active_flows;
  stats_.peak_flows = std::max(stats_.peak_flows, stats_.active_flows);
  // Chains stay short (load at most 1/2) because the second entry of a chain is a miss
  // that update_batch() does not prefetch.
  if (2 * stats_.active_flows > bucket_mask_ + std::uint64_t{1} && bucket_mask_ + 1 < max_buckets_) grow_buckets();
  return i;
}

void FlowTable::grow_buckets() noexcept {
  // Doubling splits each chain b in two: entries whose hash has the new bit set move to
  // b + n. The memory for every bucket was reserved (and set to kNil) at construction, so
  // this allocates nothing; it costs one pass over the live entries, once per doubling.
  const std::uint32_t n = bucket_mask_ + 1;
  for (std::uint32_t b = 0; b < n; ++b) {
    std::uint32_t* lo = &buckets_[b];
    std::uint32_t* hi = &buckets_[b + n];
    for (std::uint32_t i = buckets_[b]; i != kNil;) {
      const std::uint32_t next = entries_[i].chain_next;
      std::uint32_t*& tail = (static_cast<std::uint32_t>(flow_hash(entries_[i].key)) & n) ? hi : lo;
      *tail = i;
      tail = &entries_[i].chain_next;
      i = next;
    }
    *lo = kNil;
    *hi = kNil;
  }
  bucket_mask_ = 2 * n - 1;
  ++stats_.bucket_doublings;
}

}  // namespace riptide
