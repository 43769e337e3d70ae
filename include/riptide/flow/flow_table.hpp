#pragma once
// A bounded bidirectional flow table.
//
// Memory is reserved once, at construction, for `max_flows` entries: a power-of-two array
// of chain heads (used from 1,024 buckets up, doubled in place as flows are added) plus an
// entry array whose chain, LRU and free lists are 32-bit indices. Reserved is not resident:
// pages are first written when the flows that need them are created, so the table's memory
// follows its peak of live flows (a million-flow table holding a thousand flows costs a few
// MiB, not 200). update() never allocates, locks or makes a system call; creating a flow in
// a page never used before takes that page's fault, once per page for the table's lifetime.
//
// Rules:
// - Client: the sender of the flow's first packet, except that a TCP SYN+ACK as first packet
//   makes its receiver the client, and the first pure SYN (SYN without ACK) seen in a flow
//   makes its sender the client (the direction counters are swapped if needed). A flow
//   restarted by the active timeout keeps its client.
// - The LRU list is ordered by the time each flow was last moved to its tail (least recently
//   seen at the head); flows move at most once per lru_granularity_ns. With timestamps that
//   never go backwards this is last-seen order to within that granule, and expire() only
//   looks at the head. With out-of-order timestamps an idle flow may wait behind a fresher one until
//   that one is idle too; update() re-checks both timeouts on every hit, so accounting never
//   depends on how often expire() runs.
// - Timeouts: a flow ends as idle when no packet came for MORE than idle_timeout_ns (default
//   60 s, softflowd's general timeout is of that order); a flow older than active_timeout_ns
//   (default 1800 s, NetFlow-style long-flow cut) is exported when its next packet comes and
//   restarts with that packet. active_timeout_ns = 0 disables the active timeout.
// - TCP: a FIN seen in both directions, or any RST, puts the flow in a "closing" state
//   instead of ending it at once: the last ACK, retransmitted FINs and late segments still
//   count in the same flow, as in softflowd and Suricata. A closing flow ends (reason
//   tcp_fin / tcp_rst) once it has been idle for more than closed_timeout_ns of packet time
//   (on expire(), or on its next packet, which then starts a new flow), at flush_all(), or
//   when a pure SYN (SYN without ACK) for the same key arrives: that is a new connection
//   reusing the ports, and it starts a new flow. Closing flows wait in their own FIFO (in
//   last-packet order), not in the LRU list.
// - Full table: a closing flow, if any, is ended first (with its own reason: it is complete);
//   otherwise the least recently seen flow is exported with reason `evicted` to make room.
// - Fragments: every IP fragment of a TCP/UDP/SCTP/UDP-Lite datagram is counted in the flow of
//   its datagram's 5-tuple (the first fragment's ports) through the table's FragTable
//   (flow/frag_table.hpp); a fragment that arrives before its first fragment is counted when
//   that one comes, or without ports when it never does. Other protocols' fragments need no
//   ports and go straight to their flow.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"
#include "riptide/decode/flow_key.hpp"
#include "riptide/flow/flow_record.hpp"
#include "riptide/flow/flow_stats.hpp"
#include "riptide/flow/frag_table.hpp"

namespace riptide {

struct FlowTableConfig {
  std::uint32_t max_flows = 65536;                      // clamped to [1, 2^30]
  TimestampNs idle_timeout_ns = 60 * kNsPerSec;
  TimestampNs active_timeout_ns = 1800 * kNsPerSec;     // 0: never cut long flows
  // A flow moves to the LRU tail at most once per this interval instead of on every packet:
  // a move touches two other random entries, the main cost of an update on a large table.
  // Precision given up: idle flows are exported up to this late (never early; the record's
  // end time is exact), and an evicted flow is within this of the least recently seen one.
  // 0: exact LRU, one move per packet.
  TimestampNs lru_granularity_ns = kNsPerSec;
  // Idle time after which a closing TCP flow (FIN both ways, or RST) ends; see above. The
  // final ACK comes one RTT after the last FIN, but a FIN whose ACK is lost is resent with
  // exponential backoff: the corpus' many-protocols.pcap has a client resending its FIN after
  // 0.3, 0.6, 1.2, 2.4 and 4.8 s. 10 s keeps such a tail in its flow; port reuse is caught by
  // the SYN rule whatever this is, and a full table ends closing flows first, so a longer
  // grace costs only export latency. Clamped to idle_timeout_ns. 0: the flow ends on the
  // closing packet itself, and the final ACK starts a new flow.
  TimestampNs closed_timeout_ns = 10 * kNsPerSec;
  // Which of the run's tables this is (one per packet thread), below kFlowIdTables: the high
  // bits of its flow ids, so that tables metering in parallel never give two flows one id
  // (FlowRecord::flow_id). Whoever creates the tables numbers them: FlowMeterFactory does.
  std::uint32_t table_index = 0;
  // The fragment table's bounds and timeout (packet time, like the flow timeouts).
  FragTableConfig frag{};
};

class FlowTable {
 public:
  // `sink` must outlive the table.
  FlowTable(const FlowTableConfig& cfg, FlowSink& sink);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Accounts one packet. `wire_len` is the frame length; ip bytes come from meta.ip_len.
  // This form has no packet bytes: a new flow's record keeps no MPLS labels.
  void update(const PacketMeta& meta, TimestampNs ts, std::uint32_t wire_len) noexcept;
  // update(meta, pkt.ts_ns, pkt.wirelen), with the bytes `meta` was decoded from.
  void update(const PacketMeta& meta, const PacketView& pkt) noexcept;
  // Same as update(metas[i], pkts[i].ts_ns, pkts[i].wirelen) for i in [0, n), but requests
  // the table memory of the next packets while updating one: much faster on large tables.
  void update_batch(const PacketMeta* metas, const PacketView* pkts, std::size_t n) noexcept;
  // Ends every flow idle at `now`, and every closing TCP flow whose grace period is over.
  // Cheap when nothing expires: meant for once per batch.
  void expire(TimestampNs now) noexcept;
  // Ends every flow: closing TCP flows first (reason tcp_fin / tcp_rst), then the others with
  // reason end_of_input, least recently seen first.
  void flush_all() noexcept;

  const FlowMeterStats& stats() const noexcept { return stats_; }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::uint32_t active() const noexcept { return static_cast<std::uint32_t>(stats_.active_flows); }  // closing included
  std::uint32_t closing() const noexcept { return closing_count_; }
  const FlowTableConfig& config() const noexcept { return cfg_; }
  const FragTable& frag_table() const noexcept { return frags_; }

  // Flow ids from least to most recently seen, into `out` (at most `n`); returns the count.
  // Closing flows are not in this list. For tests and diagnostics, O(active).
  std::uint32_t lru_order(std::uint64_t* out, std::uint32_t n) const noexcept;

 private:
  struct Entry;
  static constexpr std::uint32_t kNil = 0xffffffffu;
  // A doubly linked list threaded through the entries' lru_prev/lru_next: the LRU list of
  // open flows, or the FIFO of closing ones (an entry is in exactly one of them).
  struct List {
    std::uint32_t head = kNil;  // oldest
    std::uint32_t tail = kNil;  // newest
  };

  // A fragment (kMetaIsFragment) with its port-less key: through frags_ (flow_table_frag.cpp).
  void update_fragment(const FlowKey& k, bool from_lo, const PacketMeta& m, TimestampNs ts,
                       std::uint32_t wire_len) noexcept;
  static void release_fragments(void* self, const FragRelease& r) noexcept;
  void update_hashed(const FlowKey& k, bool from_lo, std::uint64_t hash, const PacketMeta& m, TimestampNs ts,
                     std::uint32_t wire_len) noexcept;
  bool update_established(const FlowKey& k, bool from_lo, std::uint64_t hash, const PacketMeta& m, TimestampNs ts,
                          std::uint32_t wire_len) noexcept;
  std::uint32_t find(const FlowKey& k, std::uint32_t bucket, std::uint32_t tag) const noexcept;
  std::uint32_t create(const FlowKey& k, std::uint32_t bucket, std::uint32_t tag, bool forward,
                       const PacketMeta& m, TimestampNs ts) noexcept;
  void end_flow(std::uint32_t i, FlowEndReason why) noexcept;     // export + remove
  void export_flow(const Entry& e, FlowEndReason why) noexcept;
  void restart(Entry& e) noexcept;
  TimestampNs fast_until(const Entry& e) const noexcept;
  void start_closing(std::uint32_t i, FlowEndReason why, TimestampNs ts) noexcept;
  void unlink(List& l, std::uint32_t i) noexcept;
  void push_tail(List& l, std::uint32_t i, TimestampNs ts) noexcept;
  List& list_of(const Entry& e) noexcept;
  void chain_unlink(std::uint32_t i) noexcept;
  void grow_buckets() noexcept;

  FlowTableConfig cfg_;
  FlowSink* sink_;
  // The bucket array is reserved for capacity_ flows but used from a small power of two up,
  // doubling when the live flows outnumber half the buckets: a table of a thousand flows then
  // keeps its buckets in a few kilobytes of cache instead of spreading them over megabytes.
  static constexpr std::uint32_t kInitialBuckets = 1024;
  std::uint32_t capacity_ = 0;
  std::uint32_t max_buckets_ = 0;
  std::uint32_t bucket_mask_ = 0;
  struct Memory;  // owns the huge-page-backed arrays below
  std::unique_ptr<Memory> mem_;
  std::uint32_t* buckets_ = nullptr;
  Entry* entries_ = nullptr;  // capacity_ entries, cache-line aligned
  struct OuterAddrs;
  OuterAddrs* outer_ = nullptr;  // capacity_ entries, parallel to entries_
  std::uint32_t free_head_ = kNil;
  List lru_;      // open flows, least recently seen first
  List closing_;  // closing TCP flows, earliest closed first
  std::uint32_t closing_count_ = 0;
  std::uint32_t fresh_ = 0;  // entries [fresh_, capacity_) were never used (nor touched)
  std::uint64_t flow_id_base_ = 0;  // table_index << kFlowIdSeqBits
  std::uint64_t flow_seq_ = 1;
  // The bytes of the packet being accounted, for what create() reads beyond the meta (MPLS
  // labels); null when the caller gave none.
  const std::uint8_t* packet_data_ = nullptr;
  std::uint64_t next_flow_id() noexcept {
    const std::uint64_t id = flow_id_base_ | flow_seq_;
    flow_seq_ = flow_seq_ == kFlowIdSeqMask ? 1 : flow_seq_ + 1;  // wraps within its bits, never into the index
    return id;
  }
  FlowMeterStats stats_{};
  FragTable frags_;  // after stats_: it counts into stats_.frag
};

}  // namespace riptide
