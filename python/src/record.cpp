#include "record.hpp"

#include <cstring>

#include "riptide/decode/flow_key.hpp"

namespace riptide::py {

namespace {
std::uint32_t v4_number(const IpAddr& a) noexcept {
  return std::uint32_t{a.b[12]} << 24 | std::uint32_t{a.b[13]} << 16 | std::uint32_t{a.b[14]} << 8 | a.b[15];
}
}  // namespace

void fill(Record& r, const PacketMeta& m, const PacketView& p) noexcept {
  r.ts_ns = p.ts_ns;
  FlowKey k;
  r.flow_hash = make_key(m, k) ? flow_hash(k) : 0;
  r.caplen = p.caplen;
  r.wirelen = p.wirelen;
  r.ifindex = p.ifindex;
  const bool v4 = m.ip_version == 4;
  r.src4 = v4 ? v4_number(m.src) : 0;
  r.dst4 = v4 ? v4_number(m.dst) : 0;
  r.ip_len = m.ip_len;
  r.l4_payload_len = m.l4_payload_len;
  r.vlan0 = m.vlan_ids[0];
  r.vlan1 = m.vlan_ids[1];
  r.ethertype = m.ethertype;
  r.flags = m.flags;
  r.sport = m.sport;
  r.dport = m.dport;
  r.l3_off = m.l3_off;
  r.l4_off = m.l4_off;
  r.payload_off = m.payload_off;
  r.direction = static_cast<std::uint8_t>(p.dir);
  r.vlan_count = m.vlan_count;
  r.ip_version = m.ip_version;
  r.protocol = m.ip_proto;
  r.ttl = m.ttl;
  r.tcp_flags = m.tcp_flags;
  r.error = static_cast<std::uint8_t>(m.error);
  r.pad_ = 0;
  std::memcpy(r.src, m.src.b.data(), 16);
  std::memcpy(r.dst, m.dst.b.data(), 16);
}

std::vector<FieldDesc> record_fields() {
#define RT_F(name, fmt) FieldDesc{#name, fmt, offsetof(Record, name)}
  return {RT_F(ts_ns, "<i8"),       RT_F(flow_hash, "<u8"), RT_F(caplen, "<u4"),   RT_F(wirelen, "<u4"),
          RT_F(ifindex, "<u4"),     RT_F(src4, "<u4"),      RT_F(dst4, "<u4"),     RT_F(ip_len, "<u4"),
          RT_F(l4_payload_len, "<u4"), RT_F(vlan0, "<u2"),  RT_F(vlan1, "<u2"),    RT_F(ethertype, "<u2"),
          RT_F(flags, "<u2"),       RT_F(sport, "<u2"),     RT_F(dport, "<u2"),    RT_F(l3_off, "<u2"),
          RT_F(l4_off, "<u2"),      RT_F(payload_off, "<u2"), RT_F(direction, "u1"), RT_F(vlan_count, "u1"),
          RT_F(ip_version, "u1"),   RT_F(protocol, "u1"),   RT_F(ttl, "u1"),       RT_F(tcp_flags, "u1"),
          RT_F(error, "u1"),        RT_F(src, "(16,)u1"),   RT_F(dst, "(16,)u1")};
#undef RT_F
}

}  // namespace riptide::py
