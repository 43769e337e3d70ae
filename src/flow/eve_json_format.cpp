// EveJsonWriter::format: one flow record as one EVE-JSON object.
#include <charconv>
#include <cstring>
#include <ctime>
#include <string_view>

#include "riptide/flow/eve_json.hpp"
#include "riptide/decode/community_id.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/decode/flow_key.hpp"
#include "riptide/decode/ip_addr.hpp"
#include "riptide/flow/ip_proto_name.hpp"

namespace riptide {

namespace {

// Appends into a buffer the caller sized for the longest record, so no bound checks.
class LineOut {
 public:
  explicit LineOut(char* p) : begin_(p), p_(p) {}
  std::size_t size() const { return static_cast<std::size_t>(p_ - begin_); }

  LineOut& lit(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  LineOut& num(std::uint64_t v) {
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
    return *this;
  }
  LineOut& snum(std::int64_t v) {
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
    return *this;
  }
  LineOut& hex2(std::uint8_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    *p_++ = kDigits[v >> 4];
    *p_++ = kDigits[v & 15];
    return *this;
  }
  LineOut& padded(unsigned v, int width) {
    char tmp[12];
    const auto n = static_cast<int>(std::to_chars(tmp, tmp + sizeof(tmp), v).ptr - tmp);
    for (int i = n; i < width; ++i) *p_++ = '0';
    return lit({tmp, static_cast<std::size_t>(n)});
  }
  // "2024-01-02T03:04:05.123456+0000", quoted.
  LineOut& time(TimestampNs ns) {
    std::int64_t sec = ns / kNsPerSec;
    std::int64_t sub = ns % kNsPerSec;
    if (sub < 0) sub += kNsPerSec, --sec;  // floor, for times before 1970
    const auto t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    lit("\"").padded(static_cast<unsigned>(tm.tm_year + 1900), 4).lit("-");
    padded(static_cast<unsigned>(tm.tm_mon + 1), 2).lit("-").padded(static_cast<unsigned>(tm.tm_mday), 2).lit("T");
    padded(static_cast<unsigned>(tm.tm_hour), 2).lit(":").padded(static_cast<unsigned>(tm.tm_min), 2).lit(":");
    padded(static_cast<unsigned>(tm.tm_sec), 2).lit(".").padded(static_cast<unsigned>(sub / 1000), 6);
    return lit("+0000\"");
  }
  // Quoted address. The form follows the packet's IP version, as tshark and Suricata print it:
  // an IPv4-mapped address inside an IPv6 packet stays "::ffff:a.b.c.d".
  LineOut& ip(const IpAddr& a, std::uint8_t version) {
    char tmp[kIpTextMax];
    return lit("\"").lit(version == 4 ? to_chars(a, tmp) : to_chars_v6(a, tmp)).lit("\"");
  }

 private:
  char* begin_;
  char* p_;
};

void tcp_flag_names(LineOut& o, std::uint8_t f) {
  static constexpr std::pair<std::uint8_t, std::string_view> kNames[] = {
      {0x01, ",\"fin\":true"}, {0x02, ",\"syn\":true"}, {0x04, ",\"rst\":true"}, {0x08, ",\"psh\":true"},
      {0x10, ",\"ack\":true"}, {0x20, ",\"urg\":true"}, {0x40, ",\"ecn\":true"}, {0x80, ",\"cwr\":true"}};
  for (const auto& [bit, text] : kNames)
    if (f & bit) o.lit(text);
}

// The flow's Community ID, from the client's side. For ICMP the type/code of the first
// packet stand in for ports, as the specification asks; a flow seen only from the server
// side hashes from there.
std::string_view flow_community_id(const FlowRecord& r, char* buf) {
  if (r.proto == 1 || r.proto == 58) {
    if (r.toserver.pkts > 0 || r.toclient.pkts == 0)
      return community_id(r.src_ip, r.toserver.icmp_type, r.dest_ip, r.toserver.icmp_code, r.ip_version, r.proto, buf);
    return community_id(r.dest_ip, r.toclient.icmp_type, r.src_ip, r.toclient.icmp_code, r.ip_version, r.proto, buf);
  }
  return community_id(r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.ip_version, r.proto, buf);
}

std::int64_t floor_sec(TimestampNs ns) {
  std::int64_t s = ns / kNsPerSec;
  if (ns % kNsPerSec < 0) --s;
  return s;
}

// Suricata's words for why a flow record was written: a timeout (idle, active, or the grace
// period after FIN/RST), the engine forcing it out (table full), or the end of the run.
std::string_view suricata_reason(FlowEndReason r) {
  switch (r) {
    case FlowEndReason::evicted: return "forced";
    case FlowEndReason::end_of_input: return "shutdown";
    default: return "timeout";
  }
}

// Suricata's flow.state: "closed" once TCP ended (FIN both ways or RST), "established" once
// both sides sent, "new" before.
std::string_view flow_state(const FlowRecord& r) {
  const auto all = static_cast<std::uint8_t>(r.toserver.tcp_flags | r.toclient.tcp_flags);
  if (r.proto == 6 && ((all & 0x04) || ((r.toserver.tcp_flags & 0x01) && (r.toclient.tcp_flags & 0x01)))) return "closed";
  return r.toserver.pkts > 0 && r.toclient.pkts > 0 ? "established" : "new";
}

// tcp.state in Suricata's stream-engine names, as far as the flags seen tell it.
std::string_view tcp_state(const FlowRecord& r) {
  const std::uint8_t ts = r.toserver.tcp_flags, tc = r.toclient.tcp_flags;
  if ((ts | tc) & 0x04) return "closed";
  if ((ts & 0x01) && (tc & 0x01)) return "closed";
  if (ts & 0x01) return "fin_wait1";
  if (tc & 0x01) return "close_wait";
  if ((ts & 0x02) && !(tc & 0x02)) return r.toclient.pkts > 0 ? "established" : "syn_sent";
  if ((tc & 0x12) == 0x12 && !(ts & 0x10)) return "syn_recv";
  return (ts | tc) ? "established" : "none";
}

// Outer transport of a tunnel, as Suricata's tunnel.proto names it.
std::string_view tunnel_proto(const FlowRecord& r) {
  switch (r.tunnel_type) {
    case TunnelType::gre: return "GRE";
    case TunnelType::ipip: return r.ip_version == 4 ? "IPv4" : "IPv6";
    default: return "UDP";
  }
}

// Interface names are short and plain; anything that would need escaping is replaced.
void iface_name(LineOut& o, std::string_view name) {
  char tmp[EveFormatOptions::kMaxIfaceLen];
  std::size_t n = 0;
  for (const char c : name.substr(0, sizeof tmp)) tmp[n++] = (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) ? '_' : c;
  o.lit("\"").lit({tmp, n}).lit("\"");
}

}  // namespace

std::size_t EveJsonWriter::format(const FlowRecord& r, char* buf) noexcept { return format(r, buf, EveFormatOptions{}); }

std::size_t EveJsonWriter::format(const FlowRecord& r, char* buf, const EveFormatOptions& opt) noexcept {
  LineOut o(buf);
  // Suricata stamps a flow event with the time it logs it, when the flow ends; the flow's last
  // packet is that time as far as every topology agrees (a timeout's detection time is not).
  o.lit("{\"timestamp\":").time(r.end_ns).lit(",\"flow_id\":").num(r.flow_id);
  if (!opt.in_iface.empty()) iface_name(o.lit(",\"in_iface\":"), opt.in_iface);
  o.lit(",\"event_type\":\"flow\"");
  if (r.vlan_count > 0) {
    o.lit(",\"vlan\":[");
    for (std::size_t i = 0; i < r.vlan_count && i < r.vlan_ids.size(); ++i) {
      if (i) o.lit(",");
      o.num(r.vlan_ids[i]);
    }
    o.lit("]");
  }
  const bool ports = flow_detail::proto_has_ports(r.proto);
  o.lit(",\"src_ip\":").ip(r.src_ip, r.ip_version);
  if (ports) o.lit(",\"src_port\":").num(r.src_port);
  o.lit(",\"dest_ip\":").ip(r.dest_ip, r.ip_version);
  if (ports) o.lit(",\"dest_port\":").num(r.dest_port);
  o.lit(",\"proto\":\"");
  if (const auto name = flow_detail::ip_proto_name(r.proto); !name.empty()) o.lit(name);
  else o.num(r.proto);
  o.lit("\"");
  if (r.proto == 1 || r.proto == 58) {
    if (r.toserver.pkts > 0)
      o.lit(",\"icmp_type\":").num(r.toserver.icmp_type).lit(",\"icmp_code\":").num(r.toserver.icmp_code);
    if (r.toclient.pkts > 0)
      o.lit(",\"response_icmp_type\":").num(r.toclient.icmp_type).lit(",\"response_icmp_code\":").num(r.toclient.icmp_code);
  }
  if (r.tunnel_type != TunnelType::none) {
    o.lit(",\"tunnel\":{\"src_ip\":").ip(r.outer_src, r.outer_ip_version).lit(",\"dest_ip\":");
    o.ip(r.outer_dst, r.outer_ip_version).lit(",\"proto\":\"").lit(tunnel_proto(r)).lit("\",\"depth\":");
    o.num(r.tunnel_depth).lit("}");
  }
  // riptide identifies no application protocol.
  o.lit(",\"app_proto\":\"unknown\"");
  char cid[kCommunityIdLen];
  o.lit(",\"community_id\":\"").lit(flow_community_id(r, cid)).lit("\"");
  o.lit(",\"flow\":{\"pkts_toserver\":").num(r.toserver.pkts).lit(",\"pkts_toclient\":").num(r.toclient.pkts);
  o.lit(",\"bytes_toserver\":").num(r.toserver.bytes).lit(",\"bytes_toclient\":").num(r.toclient.bytes);
  o.lit(",\"start\":").time(r.start_ns).lit(",\"end\":").time(r.end_ns);
  o.lit(",\"age\":").snum(floor_sec(r.end_ns) - floor_sec(r.start_ns));
  o.lit(",\"state\":\"").lit(flow_state(r)).lit("\",\"reason\":\"").lit(suricata_reason(r.reason)).lit("\"}");
  if (r.proto == 6) {
    const auto all = static_cast<std::uint8_t>(r.toserver.tcp_flags | r.toclient.tcp_flags);
    o.lit(",\"tcp\":{\"tcp_flags\":\"").hex2(all).lit("\",\"tcp_flags_ts\":\"").hex2(r.toserver.tcp_flags);
    o.lit("\",\"tcp_flags_tc\":\"").hex2(r.toclient.tcp_flags).lit("\"");
    tcp_flag_names(o, all);
    o.lit(",\"state\":\"").lit(tcp_state(r)).lit("\"}");
  }
  if (opt.extensions) {
    // What riptide knows beyond EVE, in one object a strict consumer can drop.
    o.lit(",\"riptide\":{\"reason\":\"").lit(to_string(r.reason)).lit("\",\"ip_bytes_toserver\":").num(r.toserver.ip_bytes);
    o.lit(",\"ip_bytes_toclient\":").num(r.toclient.ip_bytes);
    if (r.tunnel_type != TunnelType::none) {
      o.lit(",\"tunnel_type\":\"").lit(to_string(r.tunnel_type)).lit("\"");
      if (r.tunnel_type == TunnelType::vxlan || r.tunnel_type == TunnelType::geneve) o.lit(",\"vni\":").num(r.tunnel_id);
      else if (r.tunnel_type == TunnelType::gtpu) o.lit(",\"teid\":").num(r.tunnel_id);
      else if (r.tunnel_type == TunnelType::gre && r.tunnel_id != 0) o.lit(",\"gre_key\":").num(r.tunnel_id);
    }
    if (r.mpls_count > 0) {
      o.lit(",\"mpls_labels\":[");
      for (std::size_t i = 0; i < r.mpls_count && i < r.mpls_labels.size(); ++i) {
        if (i) o.lit(",");
        o.num(r.mpls_labels[i]);
      }
      o.lit("]");
    }
    o.lit("}");
  }
  o.lit("}");
  return o.size();
}

}  // namespace riptide
