#pragma once
// The fragment table of a flow meter: gives every IPv4/IPv6 fragment of a TCP, UDP, SCTP or
// UDP-Lite datagram the ports of its first fragment, so that the whole datagram is counted in
// its 5-tuple's flow, as tshark's conversations and Suricata (after defragmentation) count it.
// Nothing is reassembled: only which datagram a fragment belongs to, its byte range and the
// first fragment's ports are kept.
//
// One table per flow meter (per packet thread): no lock. Its memory is reserved once, at
// construction, for `max_datagrams` datagrams and `max_held` held fragments; on_fragment()
// never allocates. Entries are touched only when first used, so a table that never sees a
// fragment costs address space, not memory.
//
// Rules:
// - A datagram is (flow key without ports: addresses, protocol, VLAN ids or VNI; direction;
//   IP id or IPv6 Fragment header id). Its entry lives from its first fragment seen until
//   `timeout_ns` of packet time later (counted in timed_out if its data was still incomplete
//   then: first and last fragment seen, no hole). A complete datagram stays until then so that
//   copies of its fragments (a capture taken at two points) still get its ports; a new first
//   fragment with its id starts a new datagram. `active` counts the incomplete ones.
// - The first fragment (offset 0) is counted with its own ports. Fragments seen after it are
//   counted with the same ports. Fragments that arrive before it are held (time, lengths, at
//   most kMaxHeldPerDatagram per datagram and max_held in all) and counted with its ports
//   when it arrives; if it never does, they are counted without ports when the entry times
//   out, is evicted, or at flush_all().
// - Bounds: a new datagram that finds the table full evicts the oldest one (too_many + 1 if it
//   was incomplete); a
//   fragment that cannot be held (its datagram already holds kMaxHeldPerDatagram, or the pool
//   is empty) or that arrives after kMaxFragmentsPerDatagram of its datagram is counted at
//   once, without ports if its first fragment is not known (too_many + 1 each). Under a flood
//   of fragments the table's memory stays what was reserved; only the flood's own datagrams
//   lose their ports.
// - overlapping counts fragments whose bytes were already covered by an earlier fragment of
//   the datagram (duplicates included); too_large fragments that end beyond 65,535 bytes of
//   reassembled datagram. Both are still counted in their flow.
// - Non-first fragments of protocols without ports (ICMP, GRE, ESP, ...) never reach the
//   table: their flow key has no ports to give.
#include <cstdint>
#include <memory>

#include "riptide/core/packet.hpp"
#include "riptide/decode/flow_key.hpp"
#include "riptide/decode/metadata.hpp"
#include "riptide/flow/flow_stats.hpp"

namespace riptide {

struct FragTableConfig {
  std::uint32_t max_datagrams = 4096;           // clamped to [1, 2^20]
  TimestampNs timeout_ns = 30 * kNsPerSec;      // Linux's ipfrag_time; 0 taken as 1 ns
  std::uint32_t max_held = 0;                   // fragments held before their first; 0: 4 per datagram
};

// Fragments held for a datagram whose ports are now known, or given up on (`sport`/`dport`
// absent): the caller counts each of them in the flow of `meta` (a fragment of that datagram).
struct HeldFragment {
  TimestampNs ts = 0;
  std::uint32_t wire_len = 0;
  std::uint32_t ip_len = 0;
};
struct FragRelease {
  const PacketMeta* meta = nullptr;  // the first fragment (with_ports) or the first held one
  bool with_ports = false;
  const HeldFragment* frags = nullptr;
  std::uint32_t count = 0;
};
using FragReleaseFn = void (*)(void* ctx, const FragRelease& r);

// What to do with the fragment just given.
struct FragVerdict {
  bool held = false;        // held: nothing to count now
  bool with_ports = false;  // count it now with these ports (in the packet's own direction)
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
};

class FragTable {
 public:
  static constexpr std::uint32_t kMaxHeldPerDatagram = 64;       // a 65,535 B datagram at a 1,280 B MTU has 52 fragments
  static constexpr std::uint32_t kMaxFragmentsPerDatagram = 128;
  static constexpr std::uint32_t kMaxRanges = 6;                 // disjoint byte ranges tracked per datagram

  // `release` is called (with `ctx`) for held fragments that must be counted now. Counters go
  // to `*stats` (the flow meter's), or to the table's own when null.
  FragTable(const FragTableConfig& cfg, FragReleaseFn release, void* ctx, FragStats* stats = nullptr);
  ~FragTable();
  FragTable(const FragTable&) = delete;
  FragTable& operator=(const FragTable&) = delete;

  // `m` is a fragment (kMetaIsFragment) of a port-carrying protocol, `key` its flow key (which
  // has no ports: make_key() gives fragments none) and `from_lo` its direction in that key:
  // IP ids are per direction, so the two directions' datagrams are apart.
  FragVerdict on_fragment(const FlowKey& key, bool from_lo, const PacketMeta& m, TimestampNs ts,
                          std::uint32_t wire_len) noexcept;
  // Ends the datagrams older than the timeout at `now`.
  void expire(TimestampNs now) noexcept;
  // Ends every datagram (end of input): held fragments are released without ports.
  void flush_all() noexcept;

  const FragStats& stats() const noexcept { return *stats_; }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::uint32_t held_capacity() const noexcept { return held_capacity_; }
  std::uint32_t held_now() const noexcept { return held_now_; }

 private:
  struct Entry;
  struct Held;
  static constexpr std::uint32_t kNil = 0xffffffffu;

  std::uint32_t find(const FlowKey& k, std::uint64_t id, std::uint32_t bucket) const noexcept;
  std::uint32_t allocate(const FlowKey& k, std::uint64_t id, std::uint32_t bucket, TimestampNs ts) noexcept;
  void end(std::uint32_t i) noexcept;  // releases what it holds (portless) and frees it
  void release_held(Entry& e, const PacketMeta& meta, bool with_ports) noexcept;
  bool hold(Entry& e, const PacketMeta& m, TimestampNs ts, std::uint32_t wire_len) noexcept;
  std::uint32_t bucket_of(const FlowKey& k, std::uint64_t id) const noexcept;

  FragTableConfig cfg_;
  FragReleaseFn release_;
  void* ctx_;
  std::uint32_t capacity_ = 0;
  std::uint32_t bucket_mask_ = 0;
  std::uint32_t held_capacity_ = 0;
  std::unique_ptr<std::uint32_t[]> buckets_;
  std::unique_ptr<unsigned char[]> entry_mem_;  // capacity_ entries, constructed on first use
  Entry* entries_ = nullptr;
  std::unique_ptr<Held[]> held_;
  std::uint32_t fresh_ = 0;         // entries [fresh_, capacity_) never used
  std::uint32_t free_head_ = kNil;  // freed entries, through chain_next
  std::uint32_t held_fresh_ = 0;
  std::uint32_t held_free_ = kNil;
  std::uint32_t held_now_ = 0;
  std::uint32_t age_head_ = kNil;   // entries by creation, oldest first
  std::uint32_t age_tail_ = kNil;
  HeldFragment scratch_[kMaxHeldPerDatagram];  // one datagram's held fragments, in arrival order, for release
  FragStats own_stats_{};
  FragStats* stats_;
};

}  // namespace riptide
