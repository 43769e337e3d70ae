#pragma once
// Finished flow records for Python as one NumPy structured array: a flow record sink beside
// the EVE JSON file that keeps every record as a flat row (addresses as in a batch: IPv4 as a
// number, every address as 16 bytes). It runs on the flow output thread like any sink, never
// on a packet thread; past `max_rows` records it keeps counting instead of growing, as a drop
// of its own (flow_array_full) that reaches the report like any output's.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "record.hpp"
#include "riptide/flow/record_sink.hpp"

namespace riptide::py {

// Field names follow the flow JSON: top-level keys as they are (flow_id, src_ip, src_port,
// proto, ...), the "flow" and "tcp" objects' keys without their prefix (pkts_toserver,
// tcp_flags_ts, ...), the "tunnel" object's with "tunnel_" (tunnel_src_ip, tunnel_depth).
// What the JSON writes only in some records is 0 in the others (ports without ports, ICMP
// type/code of a direction without packets, VLAN ids past vlan_count).
struct FlowRow {
  std::uint64_t flow_id;
  std::int64_t start_ns;  // flow.start, ns since the epoch
  std::int64_t end_ns;    // flow.end (and the record's "timestamp")
  std::uint64_t pkts_toserver;
  std::uint64_t pkts_toclient;
  std::uint64_t bytes_toserver;  // frame (wire) bytes
  std::uint64_t bytes_toclient;
  std::uint64_t ip_bytes_toserver;  // IP total lengths (riptide.ip_bytes_* with eve extensions)
  std::uint64_t ip_bytes_toclient;
  std::uint32_t src_ip4;  // the client's IPv4 address as a number; 0 unless ip_version 4
  std::uint32_t dest_ip4;
  std::uint32_t tunnel_id;  // VNI, TEID or GRE key (0: none)
  std::uint16_t src_port;
  std::uint16_t dest_port;
  std::uint16_t vlan0;
  std::uint16_t vlan1;
  std::uint8_t ip_version;
  std::uint8_t proto;  // IP protocol number (the JSON's IANA keyword: riptide.proto_name)
  std::uint8_t vlan_count;
  std::uint8_t tcp_flags;  // OR of both directions
  std::uint8_t tcp_flags_ts;
  std::uint8_t tcp_flags_tc;
  std::uint8_t icmp_type;
  std::uint8_t icmp_code;
  std::uint8_t response_icmp_type;
  std::uint8_t response_icmp_code;
  std::uint8_t reason;       // FlowEndReason (names: riptide.FLOW_REASONS)
  std::uint8_t tunnel_type;  // TunnelType (names: riptide.TUNNEL_TYPES), 0: not tunnelled
  std::uint8_t tunnel_depth;
  std::uint8_t tunnel_ip_version;  // of tunnel_src_ip / tunnel_dest_ip
  std::uint8_t pad_[6];
  std::uint8_t src_ip[16];  // the address as 16 bytes (IPv4 as ::ffff:a.b.c.d)
  std::uint8_t dest_ip[16];
  std::uint8_t tunnel_src_ip[16];
  std::uint8_t tunnel_dest_ip[16];
};
static_assert(sizeof(FlowRow) == 176, "FlowRow is read by NumPy as laid out here: no hidden padding");

void fill(FlowRow& r, const FlowRecord& f) noexcept;
std::vector<FieldDesc> flow_row_fields();

class FlowArraySink final : public FlowRecordSink {
 public:
  explicit FlowArraySink(std::size_t max_rows) : max_rows_(max_rows) {}
  std::string_view name() const noexcept override { return "flow_array"; }
  std::string target() const override { return "<python>"; }
  void write(std::span<const FlowRecord> recs) noexcept override;
  void close() noexcept override {}
  SinkStatus status() const noexcept override;
  void counters(std::vector<SinkCounter>& out) const override;
  // The rows so far (any thread): every one once the run ended.
  std::vector<FlowRow> rows() const;

 private:
  const std::size_t max_rows_;
  mutable std::mutex mu_;  // the output thread appends, Python copies
  std::vector<FlowRow> rows_;
  std::atomic<std::uint64_t> written_{0}, full_{0};
};

}  // namespace riptide::py
