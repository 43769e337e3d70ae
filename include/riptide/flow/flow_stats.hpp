#pragma once
// Counters of a flow meter. Every packet given to the meter is either in `non_ip`, in
// exactly one exported (or still active) flow, or a fragment held until its datagram's first
// fragment comes (FragTable::held_now(); none after flush_all()).
#include <array>
#include <cstdint>

#include "riptide/flow/flow_record.hpp"

namespace riptide {

// The fragment table's (flow/frag_table.hpp, which says what each counts).
struct FragStats {
  std::uint64_t fragments = 0;   // fragments of port-carrying protocols given to the table
  std::uint64_t attributed = 0;  // counted in their datagram's 5-tuple flow (first fragments included)
  std::uint64_t portless = 0;    // counted without ports: their first fragment was not seen or had no ports
  std::uint64_t held = 0;        // held until their first fragment arrived (or until given up)
  std::uint64_t timed_out = 0;   // datagrams still incomplete timeout_ns after their first fragment seen
  std::uint64_t overlapping = 0; // fragments covering bytes already seen in their datagram
  std::uint64_t too_many = 0;    // evictions for a full table + fragments beyond the per-datagram or pool bounds
  std::uint64_t too_large = 0;   // fragments ending beyond 65,535 bytes of datagram
  std::uint64_t active = 0;      // incomplete datagrams in the table now
};

struct FlowMeterStats {
  std::uint64_t packets = 0;        // every packet given to the meter
  std::uint64_t non_ip = 0;         // not a flow (ARP, other L3, undecodable): not accounted
  std::uint64_t flows_created = 0;  // includes restarts after an active timeout
  std::array<std::uint64_t, kFlowEndReasonCount> flows_ended{};
  std::uint64_t evictions = 0;      // == flows_ended[evicted]; the "table full" drop counter
  std::uint64_t active_flows = 0;
  std::uint64_t peak_flows = 0;
  std::uint64_t bucket_doublings = 0;  // the bucket array grew (one pass over the live flows each)
  FragStats frag{};

  std::uint64_t ended(FlowEndReason r) const noexcept { return flows_ended[static_cast<std::size_t>(r)]; }
};

}  // namespace riptide
