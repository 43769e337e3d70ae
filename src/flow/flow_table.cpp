#include "riptide/flow/flow_table.hpp"

#include <algorithm>
#include <limits>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include "flow/huge_page_buffer.hpp"

namespace riptide {

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

// Laid out so that an ordinary packet touches two cache lines: line 0 (everything a lookup
// reads, plus `fast_until`) and the line of its direction's counters. Only a packet at or past
// `fast_until` reads the rest (timeouts, LRU move), which happens about once per
// lru_granularity_ns per flow.
struct alignas(64) FlowTable::Entry {
  FlowDirStats& dir(int d) noexcept { return d == 0 ? to_server : to_client; }
  // Start of the flow: its oldest packet in either direction (0 before the first packet).
  TimestampNs start_ns() const noexcept {
    if (to_server.pkts == 0) return to_client.first_ns;
    if (to_client.pkts == 0) return to_server.first_ns;
    return std::min(to_server.first_ns, to_client.first_ns);
  }
  // Newest packet of either direction (0 before the first packet).
  TimestampNs last_ns() const noexcept {
    if (to_server.pkts == 0) return to_client.last_ns;
    if (to_client.pkts == 0) return to_server.last_ns;
    return std::max(to_server.last_ns, to_client.last_ns);
  }
  FlowEndReason close_reason() const noexcept { return static_cast<FlowEndReason>(closing - 1); }

  // Line 0.
  std::uint32_t tag = 0;  // high half of the hash: rejects most chain neighbours before memcmp
  FlowKey key{};
  std::uint32_t chain_next = kNil;  // also the free-list link
  std::uint8_t closing = 0;         // 0: open; else 1 + the FlowEndReason it will end with
  bool client_is_lo = true;
  bool syn_seen = false;            // a pure SYN fixed the client; later SYNs do not move it
  std::uint8_t fin_mask = 0;        // bit d: FIN seen in direction d
  // A packet of an open flow with a timestamp below this can neither end the flow (idle or
  // active timeout) nor move it in the LRU list: see FlowTable::fast_until().
  TimestampNs fast_until = 0;
  // Line 1.
  FlowDirStats to_server{};
  std::uint32_t lru_prev = kNil;  // links in the LRU list, or in the closing FIFO
  std::uint32_t lru_next = kNil;
  TimestampNs lru_ts = 0;  // when the entry was last put at its list's tail
  // Line 2.
  FlowDirStats to_client{};
  std::uint64_t flow_id = 0;
};

namespace {
TimestampNs add_saturated(TimestampNs a, TimestampNs b) noexcept {
  TimestampNs r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? std::numeric_limits<TimestampNs>::max()
                                                     : std::numeric_limits<TimestampNs>::min();
  return r;
}
}  // namespace

struct FlowTable::Memory {
  flow_detail::HugePageBuffer buckets;
  flow_detail::HugePageBuffer entries;
};

FlowTable::FlowTable(const FlowTableConfig& cfg, FlowSink& sink) : cfg_(cfg), sink_(&sink) {
  static_assert(std::is_trivially_destructible_v<Entry>, "entries live in raw memory and are never destroyed");
  static_assert(offsetof(Entry, to_server) == 64, "lookup fields must fill exactly the first line");
  static_assert(offsetof(Entry, to_client) == 128, "each direction's counters on a line of their own");
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
  buckets_ = static_cast<std::uint32_t*>(mem_->buckets.data());
  std::fill_n(buckets_, nb, kNil);
  // Constructing every entry touches every page now, not on the packet path.
  entries_ = std::uninitialized_value_construct_n(static_cast<Entry*>(mem_->entries.data()), capacity_) - capacity_;
  for (std::uint32_t i = 0; i < capacity_; ++i) entries_[i].chain_next = i + 1 < capacity_ ? i + 1 : kNil;
  free_head_ = 0;
}

FlowTable::~FlowTable() = default;

std::uint32_t FlowTable::find(const FlowKey& k, std::uint32_t bucket, std::uint32_t tag) const noexcept {
  std::uint32_t i = buckets_[bucket];
  while (i != kNil) {
    const Entry& e = entries_[i];
    if (e.tag == tag && e.key == k) return i;
    i = e.chain_next;
  }
  return kNil;
}

void FlowTable::update(const PacketMeta& m, TimestampNs ts, std::uint32_t wire_len) noexcept {
  ++stats_.packets;
  FlowKey k;
  bool from_lo;
  if (!make_key(m, k, from_lo)) {
    ++stats_.non_ip;
    return;
  }
  update_hashed(k, from_lo, flow_hash(k), m, ts, wire_len);
}

void FlowTable::update_batch(const PacketMeta* metas, const PacketView* pkts, std::size_t n) noexcept {
  // Each lookup is a chain of dependent cache misses: bucket, entry line 0, counters line. A
  // software pipeline keeps them overlapped: while packet j is hashed and its bucket
  // requested, packet j - kStep has its entry's line 0 requested, packet j - 2 kStep the
  // line of its counters (or, when the chain head is another flow, the next entry of the
  // chain), and packet j - 3 kStep is accounted. The updates run in packet
  // order, so the result is exactly that of n update() calls; the prefetch addresses are
  // hints read from a table the updates in between may change.
  constexpr std::size_t kStep = 8;
  constexpr std::size_t kRing = 32;  // > 3 * kStep: packets in flight
  static_assert((kRing & (kRing - 1)) == 0 && kRing > 3 * kStep);
  FlowKey keys[kRing];
  std::uint64_t hashes[kRing];
  bool from_lo[kRing];
  bool is_flow[kRing];
  auto head = [&](std::size_t j) { return buckets_[static_cast<std::uint32_t>(hashes[j % kRing]) & bucket_mask_]; };
  for (std::size_t j = 0; j < n + 3 * kStep; ++j) {
    if (j < n) {
      const std::size_t r = j % kRing;
      is_flow[r] = make_key(metas[j], keys[r], from_lo[r]);
      hashes[r] = flow_hash(keys[r]);
      __builtin_prefetch(&buckets_[static_cast<std::uint32_t>(hashes[r]) & bucket_mask_]);
    }
    if (j >= kStep && j - kStep < n) {
      const std::uint32_t i = head(j - kStep);
      if (i != kNil) __builtin_prefetch(&entries_[i]);
    }
    if (j >= 2 * kStep && j - 2 * kStep < n) {  // a hit on the fast path needs one more line; others both
      const std::size_t p = j - 2 * kStep;
      const std::uint32_t i = head(p);
      if (i != kNil) {  // else a new flow: nothing to fetch
        const Entry& e = entries_[i];
        const char* line = reinterpret_cast<const char*>(&e);
        if (e.tag != static_cast<std::uint32_t>(hashes[p % kRing] >> 32)) {
          // Most likely the flow is the next one in the chain (new flows go to the head, so an
          // older flow often sits behind a newer neighbour): a miss in find() otherwise.
          if (e.chain_next != kNil) __builtin_prefetch(&entries_[e.chain_next]);
        } else if (e.closing == 0 && pkts[p].ts_ns < e.fast_until) {
          __builtin_prefetch(line + (from_lo[p % kRing] == e.client_is_lo ? 64 : 128), 1);
        } else {
          __builtin_prefetch(line + 64, 1);
          __builtin_prefetch(line + 128, 1);
        }
      }
    }
    if (j >= 3 * kStep) {
      const std::size_t p = j - 3 * kStep, r = p % kRing;
      ++stats_.packets;
      if (!is_flow[r]) {
        ++stats_.non_ip;
        continue;
      }
      update_hashed(keys[r], from_lo[r], hashes[r], metas[p], pkts[p].ts_ns, pkts[p].wirelen);
    }
  }
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
    if (pure_syn || ts - e.last_ns() > cfg_.closed_timeout_ns) {
      end_flow(i, e.close_reason());
      i = kNil;
    } else if (i != closing_.tail) {  // the grace period restarts: keep the FIFO in last-packet order
      unlink(closing_, i);
      push_tail(closing_, i, ts);
    }
  } else if (i != kNil) {
    Entry& e = entries_[i];
    if (ts - e.last_ns() > cfg_.idle_timeout_ns) {
      end_flow(i, FlowEndReason::idle_timeout);
      i = kNil;
    } else if (cfg_.active_timeout_ns > 0 && ts - e.start_ns() > cfg_.active_timeout_ns) {
      export_flow(e, FlowEndReason::active_timeout);
      restart(e);
    }
    // Moving costs two random cache misses (the list neighbours), so an entry moves at most
    // once per granule; see FlowTableConfig::lru_granularity_ns for what that costs in precision.
    if (i != kNil && ts - e.lru_ts >= cfg_.lru_granularity_ns && i != lru_.tail) {
      unlink(lru_, i);
      push_tail(lru_, i, ts);
    }
  }
  if (i == kNil) i = create(k, bucket, tag, from_lo, m, ts);

  Entry& e = entries_[i];
  int d = from_lo == e.client_is_lo ? 0 : 1;
  if (pure_syn && !e.syn_seen) {
    e.syn_seen = true;
    if (d == 1) {  // the connection opener is on the side we took for the server
      std::swap(e.to_server, e.to_client);
      e.client_is_lo = !e.client_is_lo;
      e.fin_mask = static_cast<std::uint8_t>(((e.fin_mask & 1) << 1) | ((e.fin_mask >> 1) & 1));
      d = 0;
    }
  }

  FlowDirStats& s = e.dir(d);
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
      e.fin_mask |= static_cast<std::uint8_t>(1u << d);
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
    if (closing_.head != kNil) {
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
  e.to_server = FlowDirStats{};
  e.to_client = FlowDirStats{};
  e.flow_id = next_flow_id_++;
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

void FlowTable::restart(Entry& e) noexcept {
  e.to_server = FlowDirStats{};
  e.to_client = FlowDirStats{};
  e.flow_id = next_flow_id_++;
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
  r.vlan_count = e.key.vlan_count;
  for (std::size_t v = 0; v < r.vlan_ids.size(); ++v) r.vlan_ids[v] = e.key.vlan_ids[v];
  r.toserver = e.to_server;
  r.toclient = e.to_client;
  r.start_ns = e.start_ns();
  r.end_ns = e.last_ns();
  r.reason = why;
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
  while (closing_.head != kNil && now - entries_[closing_.head].last_ns() > cfg_.closed_timeout_ns)
    end_flow(closing_.head, entries_[closing_.head].close_reason());
  while (lru_.head != kNil && now - entries_[lru_.head].last_ns() > cfg_.idle_timeout_ns)
    end_flow(lru_.head, FlowEndReason::idle_timeout);
}

void FlowTable::flush_all() noexcept {
  while (closing_.head != kNil) end_flow(closing_.head, entries_[closing_.head].close_reason());
  while (lru_.head != kNil) end_flow(lru_.head, FlowEndReason::end_of_input);
}

std::uint32_t FlowTable::lru_order(std::uint64_t* out, std::uint32_t n) const noexcept {
  std::uint32_t c = 0;
  for (std::uint32_t i = lru_.head; i != kNil && c < n; i = entries_[i].lru_next) out[c++] = entries_[i].flow_id;
  return c;
}

}  // namespace riptide
