#pragma once
// What the flow meter exports when a flow ends, and where it sends it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "riptide/core/packet.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/decode/metadata.hpp"

namespace riptide {

enum class FlowEndReason : std::uint8_t {
  idle_timeout = 0,  // no packet for longer than the idle timeout
  active_timeout,    // the flow lasted longer than the active timeout: exported, then restarted
  tcp_fin,           // FIN seen in both directions; ended FlowTableConfig::closed_timeout_ns later
  tcp_rst,           // a RST was seen; ended the same way
  end_of_input,      // the meter was flushed (end of the capture, shutdown)
  evicted,           // the table was full: the least recently seen flow made room
  count_             // number of values; keep last
};
inline constexpr std::size_t kFlowEndReasonCount = static_cast<std::size_t>(FlowEndReason::count_);

// Stable snake_case name ("idle_timeout"), as written in EVE "reason".
std::string_view to_string(FlowEndReason r) noexcept;

// Counters of one direction of a flow.
struct FlowDirStats {
  std::uint64_t pkts = 0;
  std::uint64_t bytes = 0;     // frame bytes (wire length)
  std::uint64_t ip_bytes = 0;  // IP total length from the header
  TimestampNs first_ns = 0;    // valid when pkts > 0
  TimestampNs last_ns = 0;
  std::uint8_t tcp_flags = 0;  // OR of every packet's flags
  std::uint8_t icmp_type = 0;  // ICMP/ICMPv6 only: type/code of this direction's first packet
  std::uint8_t icmp_code = 0;
};

// flow_id layout: unique within a run across every flow table (packet thread) of the run.
//   bits 63..53  zero: ids stay below 2^53, exact as JSON numbers read into doubles (jq, JavaScript)
//   bits 52..43  FlowTableConfig::table_index (0..1023)
//   bits 42..0   the table's own count, from 1 (thread 0's ids are 1, 2, 3, ...)
// A table wraps its count to 1 after 2^43 - 1 flows (over 100 days at a million new flows a
// second), so an id repeats only that far apart in the same table.
inline constexpr unsigned kFlowIdSeqBits = 43;
inline constexpr std::uint64_t kFlowIdSeqMask = (std::uint64_t{1} << kFlowIdSeqBits) - 1;
inline constexpr std::uint32_t kFlowIdTables = 1024;
inline constexpr std::uint32_t kFlowIdTableMask = kFlowIdTables - 1;
// The table index a flow id came from.
inline constexpr std::uint32_t flow_id_table(std::uint64_t id) noexcept {
  return static_cast<std::uint32_t>(id >> kFlowIdSeqBits) & kFlowIdTableMask;
}

struct FlowRecord {
  // Unique within a run (see the layout above); a flow restarted by active_timeout gets a new id.
  std::uint64_t flow_id = 0;
  // src = client (see FlowTable for how the client is chosen), dest = server.
  IpAddr src_ip{};
  IpAddr dest_ip{};
  std::uint16_t src_port = 0;   // 0 when the protocol has no ports (ICMP, fragments, ...)
  std::uint16_t dest_port = 0;
  std::uint8_t ip_version = 0;
  std::uint8_t proto = 0;
  std::uint8_t vlan_count = 0;  // tags kept in vlan_ids, outermost first
  std::array<std::uint16_t, PacketMeta::kMaxVlans> vlan_ids{};
  FlowDirStats toserver{};      // client -> server
  FlowDirStats toclient{};      // server -> client
  TimestampNs start_ns = 0;     // first packet of either direction
  TimestampNs end_ns = 0;       // last packet of either direction
  FlowEndReason reason = FlowEndReason::idle_timeout;
  // The tunnel the flow's first packet came through (tunnel_type none: not tunnelled):
  // VNI, TEID or GRE key (0: none), nesting depth, the outermost tunnel's IP endpoints.
  TunnelType tunnel_type = TunnelType::none;
  std::uint8_t tunnel_depth = 0;
  std::uint8_t outer_ip_version = 0;
  std::uint32_t tunnel_id = 0;
  IpAddr outer_src{};
  IpAddr outer_dst{};
  // The outermost MPLS label stack of the flow's first packet (20-bit labels, outermost first;
  // deeper labels are not kept). Not part of the key: each direction may use other labels.
  std::uint8_t mpls_count = 0;
  std::array<std::uint32_t, kMaxRecordedMplsLabels> mpls_labels{};

  std::uint64_t pkts() const noexcept { return toserver.pkts + toclient.pkts; }
  std::uint64_t bytes() const noexcept { return toserver.bytes + toclient.bytes; }
};

// Receives finished flows. Called synchronously from the meter's thread, in the middle of
// update()/expire()/flush_all(): an implementation must not call back into the same table.
class FlowSink {
 public:
  virtual ~FlowSink() = default;
  virtual void on_flow(const FlowRecord& rec) = 0;
};

// Adapts any callable (a lambda in tests, a member call) to FlowSink without std::function.
template <class F>
class CallbackFlowSink final : public FlowSink {
 public:
  explicit CallbackFlowSink(F f) : f_(std::move(f)) {}
  void on_flow(const FlowRecord& rec) override { f_(rec); }

 private:
  F f_;
};

}  // namespace riptide
