#pragma once
// FlowTable's entry and memory layout, private to the flow table's two source files
// (flow_table.cpp: lookup and update; flow_table_end.cpp: how flows end and the lists).
#include <array>
#include <cstdint>
#include <type_traits>

#include "flow/huge_page_buffer.hpp"
#include "riptide/flow/flow_table.hpp"

namespace riptide {

// Laid out so that an ordinary packet touches two cache lines: line 0 (everything a lookup
// reads, plus `fast_until`) and the line of its direction's counters. Only a packet at or past
// `fast_until` reads the rest (timeouts, LRU move), which happens about once per
// lru_granularity_ns per flow.
//
// The counters are kept by the key's canonical direction (lo -> hi on line 1, hi -> lo on line
// 2), not by client and server: which line a packet needs then follows from its key alone, so
// update_batch() requests it together with line 0 instead of after reading `client_is_lo`
// there (a dependent miss). Client and server are applied when the flow is exported, and a
// SYN that reveals the client flips one flag instead of swapping the counters.
struct alignas(64) FlowTable::Entry {
  // `side` 0: packets from the key's lo endpoint to its hi endpoint; 1: the other way.
  FlowDirStats& dir(int side) noexcept { return side == 0 ? lo_to_hi : hi_to_lo; }
  const FlowDirStats& to_server() const noexcept { return client_is_lo ? lo_to_hi : hi_to_lo; }
  const FlowDirStats& to_client() const noexcept { return client_is_lo ? hi_to_lo : lo_to_hi; }
  // Start of the flow: its oldest packet in either direction (0 before the first packet).
  TimestampNs start_ns() const noexcept {
    if (lo_to_hi.pkts == 0) return hi_to_lo.first_ns;
    if (hi_to_lo.pkts == 0) return lo_to_hi.first_ns;
    return std::min(lo_to_hi.first_ns, hi_to_lo.first_ns);
  }
  // Newest packet of either direction (0 before the first packet).
  TimestampNs last_ns() const noexcept {
    if (lo_to_hi.pkts == 0) return hi_to_lo.last_ns;
    if (hi_to_lo.pkts == 0) return lo_to_hi.last_ns;
    return std::max(lo_to_hi.last_ns, hi_to_lo.last_ns);
  }
  FlowEndReason close_reason() const noexcept { return static_cast<FlowEndReason>(closing - 1); }

  // Line 0.
  std::uint32_t tag = 0;  // high half of the hash: rejects most chain neighbours before memcmp
  FlowKey key{};
  std::uint32_t chain_next = kNil;  // also the free-list link
  std::uint8_t closing = 0;         // 0: open; else 1 + the FlowEndReason it will end with
  bool client_is_lo = true;
  bool syn_seen = false;            // a pure SYN fixed the client; later SYNs do not move it
  std::uint8_t fin_mask = 0;        // bit s: FIN seen on side s (see dir())
  // A packet of an open flow with a timestamp below this can neither end the flow (idle or
  // active timeout) nor move it in the LRU list: see FlowTable::fast_until().
  TimestampNs fast_until = 0;
  // Line 1.
  FlowDirStats lo_to_hi{};
  std::uint32_t lru_prev = kNil;  // links in the LRU list, or in the closing FIFO
  std::uint32_t lru_next = kNil;
  TimestampNs lru_ts = 0;  // when the entry was last put at its list's tail
  // Line 2.
  FlowDirStats hi_to_lo{};
  std::uint64_t flow_id = 0;
  // The tunnel of the first packet; its outer addresses are in the table's side array.
  std::uint32_t tunnel_id = 0;
  TunnelType tunnel_type = TunnelType::none;
  std::uint8_t tunnel_depth = 0;
  std::uint8_t outer_ip_version = 0;
  std::uint8_t mpls_count = 0;  // labels kept in the side array
};

// Outer addresses of tunnelled flows and MPLS labels, apart from the entries so the three
// lines above stay as they are; written and read only for tunnelled or labelled flows, so
// untouched pages cost nothing.
struct FlowTable::OuterAddrs {
  IpAddr src, dst;
  std::array<std::uint32_t, kMaxRecordedMplsLabels> mpls{};
};

struct FlowTable::Memory {
  flow_detail::HugePageBuffer buckets;
  flow_detail::HugePageBuffer entries;
  flow_detail::HugePageBuffer outer;
};

}  // namespace riptide
