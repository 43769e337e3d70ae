#include "riptide/flow/frag_table.hpp"

#include <algorithm>
#include <new>
#include <type_traits>

#include "flow/saturating_time.hpp"

namespace riptide {

using flow_detail::elapsed;

// Constructed in place when first used: no entry is written (nor its page touched) before a
// datagram needs it.
struct FragTable::Entry {
  FlowKey key;
  std::uint32_t chain_next;  // bucket chain, or the free list
  std::uint32_t age_prev, age_next;
  std::uint32_t held_head, held_tail;
  std::uint32_t end;  // the datagram's data length once its last fragment was seen; kNil before
  TimestampNs created;
  std::uint64_t id;  // the IP / Fragment header id, with the direction in bit 32
  std::uint16_t sport, dport;
  std::uint16_t held_count, frag_count;
  std::uint8_t nranges;
  bool first_seen, has_ports, untracked;
  bool complete;  // kept until its timeout: duplicates of its fragments still get its ports
  struct Range {
    std::uint32_t lo, hi;  // [lo, hi) of the datagram's data, sorted, disjoint, not touching
  } ranges[kMaxRanges];
  // The first held fragment's meta: what held fragments are counted with if their first
  // fragment never comes (addresses, VLANs, tunnel).
  PacketMeta meta;
};

struct FragTable::Held {
  TimestampNs ts;
  std::uint32_t wire_len, ip_len;
  std::uint32_t next;
};

namespace {

// Bytes of IP header (IPv6: with extension headers and the Fragment header) before the
// fragment's data, and the data's length.
struct DataSpan {
  std::uint32_t header;
  std::uint32_t len;
};
DataSpan data_span(const PacketMeta& m) noexcept {
  if (!m.has(kMetaFirstFragment)) {
    const std::uint32_t h = m.payload_off != 0xffff && m.payload_off >= m.l3_off ? m.payload_off - m.l3_off : 0u;
    return {h, m.l4_payload_len};
  }
  // The first fragment's data starts after the IP header (IPv4) or the Fragment header (IPv6);
  // the decoder walked on to the transport header. Extension headers after the Fragment header
  // (rare) are part of the data but counted here as header: the datagram then looks one hole
  // short of complete and ends by timeout.
  const std::uint16_t at = m.l4_off != 0xffff ? m.l4_off : m.payload_off;
  const std::uint32_t h = at != 0xffff && at >= m.l3_off ? at - m.l3_off : 0u;
  return {h, m.ip_len > h ? m.ip_len - h : 0u};
}

}  // namespace

FragTable::FragTable(const FragTableConfig& cfg, FragReleaseFn release, void* ctx, FragStats* stats)
    : cfg_(cfg), release_(release), ctx_(ctx), stats_(stats != nullptr ? stats : &own_stats_) {
  static_assert(std::is_trivially_destructible_v<Entry> && std::is_trivially_default_constructible_v<Held>);
  capacity_ = std::clamp<std::uint32_t>(cfg.max_datagrams, 1, 1u << 20);
  cfg_.max_datagrams = capacity_;
  cfg_.timeout_ns = std::max<TimestampNs>(cfg.timeout_ns, 1);
  held_capacity_ = cfg.max_held != 0 ? std::min<std::uint32_t>(cfg.max_held, 1u << 24) : 4 * capacity_;
  cfg_.max_held = held_capacity_;
  std::uint32_t nb = 1;
  while (nb < 2 * capacity_) nb <<= 1;
  bucket_mask_ = nb - 1;
  buckets_ = std::make_unique<std::uint32_t[]>(nb);
  std::fill_n(buckets_.get(), nb, kNil);
  static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  entry_mem_ = std::make_unique_for_overwrite<unsigned char[]>(std::size_t{capacity_} * sizeof(Entry));
  entries_ = reinterpret_cast<Entry*>(entry_mem_.get());
  held_ = std::make_unique_for_overwrite<Held[]>(held_capacity_);
}

FragTable::~FragTable() = default;

std::uint32_t FragTable::bucket_of(const FlowKey& k, std::uint64_t id) const noexcept {
  return static_cast<std::uint32_t>(flow_detail::fold_mul(flow_hash(k) ^ id, 0x9e3779b97f4a7c15ull)) & bucket_mask_;
}

std::uint32_t FragTable::find(const FlowKey& k, std::uint64_t id, std::uint32_t bucket) const noexcept {
  for (std::uint32_t i = buckets_[bucket]; i != kNil; i = entries_[i].chain_next)
    if (entries_[i].id == id && entries_[i].key == k) return i;
  return kNil;
}

std::uint32_t FragTable::allocate(const FlowKey& k, std::uint64_t id, std::uint32_t bucket, TimestampNs ts) noexcept {
  if (free_head_ == kNil) {
    if (fresh_ < capacity_) {
      ::new (static_cast<void*>(&entries_[fresh_])) Entry;
      entries_[fresh_].chain_next = kNil;
      free_head_ = fresh_++;
    } else {
      if (!entries_[age_head_].complete) ++stats_->too_many;  // full: the oldest datagram gives way
      end(age_head_);
    }
  }
  const std::uint32_t i = free_head_;
  Entry& e = entries_[i];
  free_head_ = e.chain_next;
  e.key = k;
  e.id = id;
  e.chain_next = buckets_[bucket];  // read after a possible eviction from this same chain
  buckets_[bucket] = i;
  e.age_prev = age_tail_;
  e.age_next = kNil;
  if (age_tail_ != kNil) entries_[age_tail_].age_next = i; else age_head_ = i;
  age_tail_ = i;
  e.held_head = e.held_tail = kNil;
  e.end = kNil;
  e.created = ts;
  e.sport = e.dport = 0;
  e.held_count = e.frag_count = 0;
  e.nranges = 0;
  e.first_seen = e.has_ports = e.untracked = e.complete = false;
  ++stats_->active;
  return i;
}

void FragTable::release_held(Entry& e, const PacketMeta& meta, bool with_ports) noexcept {
  if (e.held_count == 0) return;
  std::uint32_t n = 0;
  for (std::uint32_t h = e.held_head; h != kNil;) {
    const Held& x = held_[h];
    scratch_[n++] = HeldFragment{x.ts, x.wire_len, x.ip_len};
    const std::uint32_t next = x.next;
    held_[h].next = held_free_;
    held_free_ = h;
    h = next;
  }
  held_now_ -= e.held_count;
  e.held_head = e.held_tail = kNil;
  e.held_count = 0;
  (with_ports ? stats_->attributed : stats_->portless) += n;
  release_(ctx_, FragRelease{&meta, with_ports, scratch_, n});
}

void FragTable::end(std::uint32_t i) noexcept {
  Entry& e = entries_[i];
  if (e.held_count != 0) release_held(e, e.meta, false);
  const std::uint32_t b = bucket_of(e.key, e.id);
  std::uint32_t* link = &buckets_[b];
  while (*link != i) link = &entries_[*link].chain_next;
  *link = e.chain_next;
  if (e.age_prev != kNil) entries_[e.age_prev].age_next = e.age_next; else age_head_ = e.age_next;
  if (e.age_next != kNil) entries_[e.age_next].age_prev = e.age_prev; else age_tail_ = e.age_prev;
  e.chain_next = free_head_;
  free_head_ = i;
  if (!e.complete) --stats_->active;
}

bool FragTable::hold(Entry& e, const PacketMeta& m, TimestampNs ts, std::uint32_t wire_len) noexcept {
  if (e.held_count >= kMaxHeldPerDatagram) return false;
  std::uint32_t h = held_free_;
  if (h != kNil) {
    held_free_ = held_[h].next;
  } else if (held_fresh_ < held_capacity_) {
    h = held_fresh_++;
  } else {
    return false;
  }
  held_[h] = Held{ts, wire_len, m.ip_len, kNil};
  if (e.held_tail != kNil) held_[e.held_tail].next = h; else e.held_head = h;
  e.held_tail = h;
  if (e.held_count == 0) e.meta = m;
  ++e.held_count;
  ++held_now_;
  ++stats_->held;
  return true;
}

FragVerdict FragTable::on_fragment(const FlowKey& key, bool from_lo, const PacketMeta& m, TimestampNs ts,
                                   std::uint32_t wire_len) noexcept {
  ++stats_->fragments;
  const bool first = m.has(kMetaFirstFragment);
  const bool first_has_ports = first && m.has(kMetaHasL4);
  const bool more = m.has(kMetaMoreFragments);
  const DataSpan span = data_span(m);
  const std::uint32_t lo = m.frag_offset;
  const std::uint32_t hi = lo + span.len;
  // IPv4: header + data <= 65,535; IPv6: the payload (extension headers before the Fragment
  // header + data) <= 65,535.
  const std::uint32_t before = m.ip_version == 6 ? (span.header > 48 ? span.header - 48 : 0u) : span.header;
  if (std::uint64_t{hi} + before > 65535) ++stats_->too_large;

  if (first && !more) {  // an IPv6 atomic fragment: a whole datagram on its own
    ++(first_has_ports ? stats_->attributed : stats_->portless);
    return FragVerdict{false, first_has_ports, m.sport, m.dport};
  }

  const std::uint64_t id = std::uint64_t{m.frag_id} | std::uint64_t{from_lo} << 32;
  const std::uint32_t bucket = bucket_of(key, id);
  std::uint32_t i = find(key, id, bucket);
  if (i != kNil && elapsed(ts, entries_[i].created) > cfg_.timeout_ns) {
    if (!entries_[i].complete) ++stats_->timed_out;
    end(i);
    i = kNil;
  } else if (i != kNil && first && entries_[i].complete) {
    end(i);  // the id again after its datagram was whole: a new datagram (or a copy) starts over
    i = kNil;
  }
  if (i == kNil) i = allocate(key, id, bucket, ts);
  Entry& e = entries_[i];

  FragVerdict v;
  if (++e.frag_count > kMaxFragmentsPerDatagram) {
    // Endless fragments of one datagram: no more tracking, counted at once.
    e.frag_count = kMaxFragmentsPerDatagram + 1;
    ++stats_->too_many;
    if (first) v = FragVerdict{false, first_has_ports, m.sport, m.dport};
    else if (e.first_seen) v = FragVerdict{false, e.has_ports, e.sport, e.dport};
    ++((v.with_ports) ? stats_->attributed : stats_->portless);
    return v;
  }

  // Byte ranges: overlap detection and completeness.
  bool overlap = false;
  for (std::uint32_t r = 0; r < e.nranges; ++r) overlap |= lo < e.ranges[r].hi && e.ranges[r].lo < hi;
  stats_->overlapping += overlap;
  if (!e.untracked && hi > lo) {
    Entry::Range merged{lo, hi};
    Entry::Range out[kMaxRanges + 1];
    std::uint32_t n = 0;
    bool placed = false;
    for (std::uint32_t r = 0; r < e.nranges; ++r) {
      const Entry::Range x = e.ranges[r];
      if (x.hi < merged.lo) {
        out[n++] = x;
      } else if (x.lo > merged.hi) {
        if (!placed) out[n++] = merged, placed = true;
        out[n++] = x;
      } else {
        merged.lo = std::min(merged.lo, x.lo);
        merged.hi = std::max(merged.hi, x.hi);
      }
    }
    if (!placed) out[n++] = merged;
    if (n > kMaxRanges) {
      e.untracked = true;  // too scattered to follow: the entry ends by timeout
      ++stats_->too_many;
    } else {
      std::copy_n(out, n, e.ranges);
      e.nranges = static_cast<std::uint8_t>(n);
    }
  }
  if (!more) e.end = hi;

  if (first) {
    if (!e.first_seen) {
      e.first_seen = true;
      e.has_ports = first_has_ports;
      e.sport = m.sport;
      e.dport = m.dport;
      PacketMeta pm = m;  // what the held fragments are counted with: the datagram's ports, no TCP flags
      pm.tcp_flags = 0;
      release_held(e, pm, first_has_ports);
    }
    // A second first fragment (a duplicate, or a conflicting one) keeps its own ports.
    v = FragVerdict{false, first_has_ports, m.sport, m.dport};
  } else if (e.first_seen) {
    v = FragVerdict{false, e.has_ports, e.sport, e.dport};
  } else if (hold(e, m, ts, wire_len)) {
    return FragVerdict{true, false, 0, 0};
  } else {
    ++stats_->too_many;
  }
  ++(v.with_ports ? stats_->attributed : stats_->portless);

  if (!e.complete && e.first_seen && e.end != kNil && !e.untracked && e.nranges == 1 && e.ranges[0].lo == 0 &&
      e.ranges[0].hi >= e.end) {
    // Whole. Kept until its timeout (or until room is needed) rather than freed: captures
    // taken at two points carry every fragment twice, and the copies need its ports too.
    e.complete = true;
    --stats_->active;
  }
  return v;
}

void FragTable::expire(TimestampNs now) noexcept {
  while (age_head_ != kNil && elapsed(now, entries_[age_head_].created) > cfg_.timeout_ns) {
    if (!entries_[age_head_].complete) ++stats_->timed_out;
    end(age_head_);
  }
}

void FragTable::flush_all() noexcept {
  while (age_head_ != kNil) end(age_head_);
}

}  // namespace riptide
