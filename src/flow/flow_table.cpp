#include "riptide/flow/flow_table.hpp"

#include <algorithm>
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

// The first cache line holds everything a lookup touches (tag, key, links), so a miss on a
// chain costs one line per entry.
struct alignas(64) FlowTable::Entry {
  FlowDirStats& dir(int d) noexcept { return d == 0 ? to_server : to_client; }
  // Start of the flow: its oldest packet in either direction (0 before the first packet).
  TimestampNs start_ns() const noexcept {
    if (to_server.pkts == 0) return to_client.first_ns;
    if (to_client.pkts == 0) return to_server.first_ns;
    return std::min(to_server.first_ns, to_client.first_ns);
  }

  std::uint32_t tag = 0;  // high half of the hash: rejects most chain neighbours before memcmp
  FlowKey key{};
  std::uint32_t chain_next = kNil;  // also the free-list link
  std::uint32_t lru_prev = kNil;  // links in the LRU list, or in the closing FIFO
  std::uint32_t lru_next = kNil;
  std::uint8_t closing = 0;  // 0: open; else 1 + the FlowEndReason it will end with (checked on every hit: line 0)
  FlowDirStats to_server{};
  TimestampNs last_ns = 0;  // newest packet of either direction
  TimestampNs lru_ts = 0;   // when the entry was last put at its list's tail
  FlowDirStats to_client{};
  std::uint64_t flow_id = 0;
  bool client_is_lo = true;
  bool syn_seen = false;      // a pure SYN fixed the client; later SYNs do not move it
  std::uint8_t fin_mask = 0;  // bit d: FIN seen in direction d
  FlowEndReason close_reason() const noexcept { return static_cast<FlowEndReason>(closing - 1); }
};

struct FlowTable::Memory {
  flow_detail::HugePageBuffer buckets;
  flow_detail::HugePageBuffer entries;
};

FlowTable::FlowTable(const FlowTableConfig& cfg, FlowSink& sink) : cfg_(cfg), sink_(&sink) {
  static_assert(std::is_trivially_destructible_v<Entry>, "entries live in raw memory and are never destroyed");
  static_assert(offsetof(Entry, to_server) == 64, "lookup fields must fill exactly the first line");
  static_assert(sizeof(Entry) == 192, "three cache lines");
  capacity_ = std::clamp<std::uint32_t>(cfg.max_flows, 1, 1u << 30);
  cfg_.closed_timeout_ns = std::clamp<TimestampNs>(cfg.closed_timeout_ns, 0, cfg.idle_timeout_ns);
  cfg_.max_flows = capacity_;
  const std::uint32_t nb = round_up_pow2(capacity_);
  bucket_mask_ = nb - 1;
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
  // Each lookup is a chain of dependent cache misses (bucket, entry, LRU neighbours). Doing
  // the loads of a group of packets first lets them overlap; the updates then run in order,
  // so the result is exactly that of n update() calls.
  constexpr std::size_t kGroup = 16;
  FlowKey keys[kGroup];
  std::uint64_t hashes[kGroup];
  bool from_lo[kGroup];
  bool is_flow[kGroup];
  for (std::size_t base = 0; base < n; base += kGroup) {
    const std::size_t g = std::min(kGroup, n - base);
    for (std::size_t j = 0; j < g; ++j) {
      is_flow[j] = make_key(metas[base + j], keys[j], from_lo[j]);
      hashes[j] = flow_hash(keys[j]);
      __builtin_prefetch(&buckets_[static_cast<std::uint32_t>(hashes[j]) & bucket_mask_]);
    }
    for (std::size_t j = 0; j < g; ++j) {
      const std::uint32_t i = buckets_[static_cast<std::uint32_t>(hashes[j]) & bucket_mask_];
      if (i != kNil) {
        const char* line = reinterpret_cast<const char*>(&entries_[i]);
        __builtin_prefetch(line);
        __builtin_prefetch(line + 64, 1);
        __builtin_prefetch(line + 128, 1);
      }
    }
    for (std::size_t j = 0; j < g; ++j) {  // a hit that will move in the LRU list: fetch the neighbours
      const std::uint32_t i = buckets_[static_cast<std::uint32_t>(hashes[j]) & bucket_mask_];
      if (i == kNil) continue;
      const Entry& e = entries_[i];
      if (e.tag == static_cast<std::uint32_t>(hashes[j] >> 32) &&
          pkts[base + j].ts_ns - e.lru_ts >= cfg_.lru_granularity_ns) {
        if (e.lru_prev != kNil) __builtin_prefetch(&entries_[e.lru_prev], 1);
        if (e.lru_next != kNil) __builtin_prefetch(&entries_[e.lru_next], 1);
      }
    }
    for (std::size_t j = 0; j < g; ++j) {
      ++stats_.packets;
      if (!is_flow[j]) {
        ++stats_.non_ip;
        continue;
      }
      update_hashed(keys[j], from_lo[j], hashes[j], metas[base + j], pkts[base + j].ts_ns, pkts[base + j].wirelen);
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
  if (i != kNil && entries_[i].closing != 0) {
    Entry& e = entries_[i];
    if (pure_syn || ts - e.last_ns > cfg_.closed_timeout_ns) {
      end_flow(i, e.close_reason());
      i = kNil;
    } else if (i != closing_.tail) {  // the grace period restarts: keep the FIFO in last-packet order
      unlink(closing_, i);
      push_tail(closing_, i, ts);
    }
  } else if (i != kNil) {
    Entry& e = entries_[i];
    if (ts - e.last_ns > cfg_.idle_timeout_ns) {
      end_flow(i, FlowEndReason::idle_timeout);
      i = kNil;
    } else if (cfg_.active_timeout_ns > 0 && ts - e.start_ns() > cfg_.active_timeout_ns) {
      export_flow(e, FlowEndReason::active_timeout);
      restart(e, ts);
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
    s.first_ns = ts;
    s.last_ns = ts;
    if (is_icmp(k.proto) && m.has(kMetaHasL4)) {
      s.icmp_type = static_cast<std::uint8_t>(m.sport);
      s.icmp_code = static_cast<std::uint8_t>(m.dport);
    }
  } else {
    s.first_ns = std::min(s.first_ns, ts);
    s.last_ns = std::max(s.last_ns, ts);
  }
  ++s.pkts;
  s.bytes += wire_len;
  s.ip_bytes += m.ip_len;
  s.tcp_flags |= fl;
  e.last_ns = std::max(e.last_ns, ts);

  if (tcp && e.closing == 0) {
    if (fl & kTcpRst) {
      start_closing(i, FlowEndReason::tcp_rst, ts);
    } else if (fl & kTcpFin) {
      e.fin_mask |= static_cast<std::uint8_t>(1u << d);
      if (e.fin_mask == 3) start_closing(i, FlowEndReason::tcp_fin, ts);
    }
  }
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
  e.last_ns = ts;
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
  return i;
}

void FlowTable::restart(Entry& e, TimestampNs ts) noexcept {
  e.to_server = FlowDirStats{};
  e.to_client = FlowDirStats{};
  e.last_ns = ts;
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
  r.end_ns = e.last_ns;
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
  while (closing_.head != kNil && now - entries_[closing_.head].last_ns > cfg_.closed_timeout_ns)
    end_flow(closing_.head, entries_[closing_.head].close_reason());
  while (lru_.head != kNil && now - entries_[lru_.head].last_ns > cfg_.idle_timeout_ns)
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
