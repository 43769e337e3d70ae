#include "flow_array.hpp"

#include <cstring>

#include "riptide/decode/flow_key.hpp"

namespace riptide::py {

namespace {
std::uint32_t v4_number(const IpAddr& a) noexcept {
  return std::uint32_t{a.b[12]} << 24 | std::uint32_t{a.b[13]} << 16 | std::uint32_t{a.b[14]} << 8 | a.b[15];
}
}  // namespace

void fill(FlowRow& r, const FlowRecord& f) noexcept {
  std::memset(&r, 0, sizeof r);
  r.flow_id = f.flow_id;
  r.start_ns = f.start_ns;
  r.end_ns = f.end_ns;
  r.pkts_toserver = f.toserver.pkts;
  r.pkts_toclient = f.toclient.pkts;
  r.bytes_toserver = f.toserver.bytes;
  r.bytes_toclient = f.toclient.bytes;
  r.ip_bytes_toserver = f.toserver.ip_bytes;
  r.ip_bytes_toclient = f.toclient.ip_bytes;
  if (f.ip_version == 4) {
    r.src_ip4 = v4_number(f.src_ip);
    r.dest_ip4 = v4_number(f.dest_ip);
  }
  r.tunnel_id = f.tunnel_id;
  // As the JSON: ports only where the protocol has them, ICMP type/code only for a direction
  // that sent packets, VLAN ids only up to the count.
  if (flow_detail::proto_has_ports(f.proto)) {
    r.src_port = f.src_port;
    r.dest_port = f.dest_port;
  }
  r.vlan_count = f.vlan_count;
  if (f.vlan_count > 0) r.vlan0 = f.vlan_ids[0];
  if (f.vlan_count > 1) r.vlan1 = f.vlan_ids[1];
  r.ip_version = f.ip_version;
  r.proto = f.proto;
  r.tcp_flags_ts = f.toserver.tcp_flags;
  r.tcp_flags_tc = f.toclient.tcp_flags;
  r.tcp_flags = static_cast<std::uint8_t>(f.toserver.tcp_flags | f.toclient.tcp_flags);
  if (f.proto == 1 || f.proto == 58) {
    if (f.toserver.pkts > 0) {
      r.icmp_type = f.toserver.icmp_type;
      r.icmp_code = f.toserver.icmp_code;
    }
    if (f.toclient.pkts > 0) {
      r.response_icmp_type = f.toclient.icmp_type;
      r.response_icmp_code = f.toclient.icmp_code;
    }
  }
  r.reason = static_cast<std::uint8_t>(f.reason);
  r.tunnel_type = static_cast<std::uint8_t>(f.tunnel_type);
  if (f.tunnel_type != TunnelType::none) {
    r.tunnel_depth = f.tunnel_depth;
    r.tunnel_ip_version = f.outer_ip_version;
    std::memcpy(r.tunnel_src_ip, f.outer_src.b.data(), 16);
    std::memcpy(r.tunnel_dest_ip, f.outer_dst.b.data(), 16);
  }
  std::memcpy(r.src_ip, f.src_ip.b.data(), 16);
  std::memcpy(r.dest_ip, f.dest_ip.b.data(), 16);
}

std::vector<FieldDesc> flow_row_fields() {
#define RT_F(name, fmt) FieldDesc{#name, fmt, offsetof(FlowRow, name)}
  return {RT_F(flow_id, "<u8"),           RT_F(start_ns, "<i8"),           RT_F(end_ns, "<i8"),
          RT_F(pkts_toserver, "<u8"),     RT_F(pkts_toclient, "<u8"),      RT_F(bytes_toserver, "<u8"),
          RT_F(bytes_toclient, "<u8"),    RT_F(ip_bytes_toserver, "<u8"),  RT_F(ip_bytes_toclient, "<u8"),
          RT_F(src_ip4, "<u4"),           RT_F(dest_ip4, "<u4"),           RT_F(tunnel_id, "<u4"),
          RT_F(src_port, "<u2"),          RT_F(dest_port, "<u2"),          RT_F(vlan0, "<u2"),
          RT_F(vlan1, "<u2"),             RT_F(ip_version, "u1"),          RT_F(proto, "u1"),
          RT_F(vlan_count, "u1"),         RT_F(tcp_flags, "u1"),           RT_F(tcp_flags_ts, "u1"),
          RT_F(tcp_flags_tc, "u1"),       RT_F(icmp_type, "u1"),           RT_F(icmp_code, "u1"),
          RT_F(response_icmp_type, "u1"), RT_F(response_icmp_code, "u1"),  RT_F(reason, "u1"),
          RT_F(tunnel_type, "u1"),        RT_F(tunnel_depth, "u1"),        RT_F(tunnel_ip_version, "u1"),
          RT_F(src_ip, "(16,)u1"),        RT_F(dest_ip, "(16,)u1"),        RT_F(tunnel_src_ip, "(16,)u1"),
          RT_F(tunnel_dest_ip, "(16,)u1")};
#undef RT_F
}

void FlowArraySink::write(std::span<const FlowRecord> recs) noexcept {
  std::size_t kept = 0;
  {
    std::lock_guard lk(mu_);
    const std::size_t room = max_rows_ > rows_.size() ? max_rows_ - rows_.size() : 0;
    kept = recs.size() < room ? recs.size() : room;
    try {
      const std::size_t at = rows_.size();
      rows_.resize(at + kept);
      for (std::size_t i = 0; i < kept; ++i) fill(rows_[at + i], recs[i]);
    } catch (const std::bad_alloc&) {
      kept = 0;  // out of memory: counted below like a full array
    }
  }
  written_.fetch_add(kept, std::memory_order_relaxed);
  full_.fetch_add(recs.size() - kept, std::memory_order_relaxed);
}

SinkStatus FlowArraySink::status() const noexcept {
  SinkStatus s{written_.load(std::memory_order_relaxed), full_.load(std::memory_order_relaxed), {}};
  if (s.dropped) s.error = "flow array full: records past flow_array_max=" + std::to_string(max_rows_) + " dropped";
  return s;
}

void FlowArraySink::counters(std::vector<SinkCounter>& out) const {
  out.push_back({"flow_array_full", "flow records Python's flow array had no room for (flow_array_max)",
                 full_.load(std::memory_order_relaxed), true,
                 "raise flow_array_max, or take the records from the flow JSON file instead", false});
}

std::vector<FlowRow> FlowArraySink::rows() const {
  std::lock_guard lk(mu_);
  return rows_;
}

}  // namespace riptide::py
