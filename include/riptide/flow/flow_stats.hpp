#pragma once
// Counters of a flow meter. Every packet given to the meter is either in `non_ip` or in
// exactly one exported (or still active) flow.
#include <array>
#include <cstdint>

#include "riptide/flow/flow_record.hpp"

namespace riptide {

struct FlowMeterStats {
  std::uint64_t packets = 0;        // every packet given to the meter
  std::uint64_t non_ip = 0;         // not a flow (ARP, other L3, undecodable): not accounted
  std::uint64_t flows_created = 0;  // includes restarts after an active timeout
  std::array<std::uint64_t, kFlowEndReasonCount> flows_ended{};
  std::uint64_t evictions = 0;      // == flows_ended[evicted]; the "table full" drop counter
  std::uint64_t active_flows = 0;
  std::uint64_t peak_flows = 0;
  std::uint64_t bucket_doublings = 0;  // the bucket array grew (one pass over the live flows each)

  std::uint64_t ended(FlowEndReason r) const noexcept { return flows_ended[static_cast<std::size_t>(r)]; }
};

}  // namespace riptide
