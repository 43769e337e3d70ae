// PacketBuilder: headers are written with zero placeholders, then patched in build() once the
// layers that follow (and so every length and next-protocol field) are known.
#include "support/pktbuild.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace riptide::test {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

Bytes mac_bytes(const std::string& text) {
  unsigned m[6];
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
    std::fprintf(stderr, "pktbuild: bad MAC address '%s'\n", text.c_str());
    std::abort();
  }
  Bytes b(6);
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(m[i]);
  return b;
}

using Kind = PacketBuilder::Layer::Kind;

bool is_ip(Kind k) { return k == Kind::kIpv4 || k == Kind::kIpv6; }

}  // namespace

Bytes ip_bytes(const std::string& text) {
  Bytes b(16);
  if (inet_pton(AF_INET, text.c_str(), b.data()) == 1) {
    b.resize(4);
    return b;
  }
  if (inet_pton(AF_INET6, text.c_str(), b.data()) == 1) return b;
  std::fprintf(stderr, "pktbuild: bad IP address '%s'\n", text.c_str());
  std::abort();
}

std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len, std::uint32_t sum) {
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
  if (len & 1) sum += static_cast<std::uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

PacketBuilder& PacketBuilder::add(Layer l) {
  layers_.push_back(std::move(l));
  return *this;
}

PacketBuilder& PacketBuilder::eth(std::uint16_t ethertype, const std::string& src_mac, const std::string& dst_mac) {
  Layer l{Kind::kEth, mac_bytes(dst_mac)};
  Bytes s = mac_bytes(src_mac);
  l.hdr.insert(l.hdr.end(), s.begin(), s.end());
  l.hdr.resize(14);
  put16(&l.hdr[12], ethertype);
  l.explicit_type = ethertype != 0;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::vlan(std::uint16_t vid, std::uint16_t tpid, std::uint8_t pcp) {
  Layer l{Kind::kVlan, Bytes(4)};
  put16(&l.hdr[0], static_cast<std::uint16_t>((pcp << 13) | (vid & 0x0fff)));
  l.ethertype = tpid;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::llc(std::size_t len) {
  Layer l{Kind::kLlc, Bytes{0x42, 0x42, 0x03}};
  l.ethertype = static_cast<std::uint16_t>(len);
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::sll(std::uint16_t protocol, std::uint16_t arphrd) {
  Layer l{Kind::kSll, Bytes(16)};
  put16(&l.hdr[2], arphrd);
  put16(&l.hdr[4], 6);
  std::memcpy(&l.hdr[6], "\x02\x00\x00\x00\x00\x01", 6);
  put16(&l.hdr[14], protocol);
  l.explicit_type = protocol != 0;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::sll2(std::uint16_t protocol, std::uint16_t arphrd, std::uint32_t ifindex) {
  Layer l{Kind::kSll2, Bytes(20)};
  put16(&l.hdr[0], protocol);
  put32(&l.hdr[4], ifindex);
  put16(&l.hdr[8], arphrd);
  l.hdr[11] = 6;
  std::memcpy(&l.hdr[12], "\x02\x00\x00\x00\x00\x01", 6);
  l.explicit_type = protocol != 0;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::null_bsd(std::uint32_t af) {
  Layer l{Kind::kNull, Bytes(4)};
  std::memcpy(l.hdr.data(), &af, 4);
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::loop(std::uint32_t af) {
  Layer l{Kind::kLoop, Bytes(4)};
  put32(l.hdr.data(), af);
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::arp(std::uint16_t op, const std::string& sender_ip, const std::string& target_ip) {
  Layer l{Kind::kArp, Bytes(28)};
  put16(&l.hdr[0], 1);
  put16(&l.hdr[2], 0x0800);
  l.hdr[4] = 6;
  l.hdr[5] = 4;
  put16(&l.hdr[6], op);
  std::memcpy(&l.hdr[8], "\x02\x00\x00\x00\x00\x01", 6);
  Bytes s = ip_bytes(sender_ip), t = ip_bytes(target_ip);
  std::memcpy(&l.hdr[14], s.data(), 4);
  std::memcpy(&l.hdr[24], t.data(), 4);
  l.ethertype = 0x0806;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::ipv4(const std::string& src, const std::string& dst, Ipv4Opts o) {
  const std::size_t opt = (o.options_len + 3u) & ~3u;
  Layer l{Kind::kIpv4, Bytes(20 + opt, 0x01)};  // options: NOPs
  l.hdr[0] = static_cast<std::uint8_t>(0x40 | ((20 + opt) / 4));
  l.hdr[1] = 0;
  put16(&l.hdr[4], o.id);
  put16(&l.hdr[6], static_cast<std::uint16_t>((o.dont_fragment ? 0x4000 : 0) | (o.more_fragments ? 0x2000 : 0) |
                                              ((o.frag_offset_bytes / 8) & 0x1fff)));
  l.hdr[8] = o.ttl;
  l.hdr[9] = o.proto;
  l.explicit_type = o.proto != 0;
  std::memset(&l.hdr[2], 0, 2);
  std::memset(&l.hdr[10], 0, 2);
  Bytes s = ip_bytes(src), d = ip_bytes(dst);
  std::memcpy(&l.hdr[12], s.data(), 4);
  std::memcpy(&l.hdr[16], d.data(), 4);
  l.ethertype = 0x0800;
  l.ip_proto = 4;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::ipv6(const std::string& src, const std::string& dst, std::uint8_t hop_limit) {
  Layer l{Kind::kIpv6, Bytes(40)};
  l.hdr[0] = 0x60;
  l.hdr[7] = hop_limit;
  Bytes s = ip_bytes(src), d = ip_bytes(dst);
  std::memcpy(&l.hdr[8], s.data(), 16);
  std::memcpy(&l.hdr[24], d.data(), 16);
  l.ethertype = 0x86dd;
  l.ip_proto = 41;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::ext6(std::uint8_t type, std::size_t len) {
  Layer l{Kind::kExt6, Bytes(len)};
  l.hdr[1] = static_cast<std::uint8_t>(len / 8 - 1);
  l.ip_proto = type;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::ah6(std::size_t len) {
  Layer l{Kind::kAh6, Bytes(len)};
  l.hdr[1] = static_cast<std::uint8_t>(len / 4 - 2);
  l.ip_proto = 51;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::frag6(std::uint16_t offset_bytes, bool more, std::uint32_t id) {
  Layer l{Kind::kFrag6, Bytes(8)};
  put16(&l.hdr[2], static_cast<std::uint16_t>((offset_bytes & 0xfff8) | (more ? 1 : 0)));
  put32(&l.hdr[4], id);
  l.ip_proto = 44;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
                                  std::uint8_t options_len, std::uint32_t seq, std::uint32_t ack) {
  const std::size_t opt = (options_len + 3u) & ~3u;
  Layer l{Kind::kTcp, Bytes(20 + opt, 0x01)};  // options: NOPs
  put16(&l.hdr[0], sport);
  put16(&l.hdr[2], dport);
  put32(&l.hdr[4], seq);
  put32(&l.hdr[8], ack);
  l.hdr[12] = static_cast<std::uint8_t>(((20 + opt) / 4) << 4);
  l.hdr[13] = flags;
  put16(&l.hdr[14], 65535);
  put32(&l.hdr[16], 0);
  l.ip_proto = 6;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::udp(std::uint16_t sport, std::uint16_t dport) {
  Layer l{Kind::kUdp, Bytes(8)};
  put16(&l.hdr[0], sport);
  put16(&l.hdr[2], dport);
  l.ip_proto = 17;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::icmp(std::uint8_t type, std::uint8_t code) {
  Layer l{Kind::kIcmp, Bytes(8)};
  l.hdr[0] = type;
  l.hdr[1] = code;
  l.ip_proto = 1;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::icmpv6(std::uint8_t type, std::uint8_t code) {
  Layer l{Kind::kIcmpv6, Bytes(8)};
  l.hdr[0] = type;
  l.hdr[1] = code;
  l.ip_proto = 58;
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::payload(std::size_t n, std::uint8_t fill) { return payload(Bytes(n, fill)); }

PacketBuilder& PacketBuilder::payload(const Bytes& b) {
  Layer l{Kind::kPayload, b};
  l.ip_proto = 253;      // RFC 3692 experimental
  l.ethertype = 0x88b5;  // IEEE local experimental
  return add(std::move(l));
}

PacketBuilder& PacketBuilder::raw(const Bytes& b, std::uint8_t ip_proto, std::uint16_t ethertype) {
  Layer l{Kind::kRaw, b};
  l.ip_proto = ip_proto ? ip_proto : 253;
  l.ethertype = ethertype ? ethertype : 0x88b5;
  return add(std::move(l));
}

Bytes PacketBuilder::build() const {
  Bytes out;
  std::vector<std::size_t> start;
  for (const Layer& l : layers_) {
    start.push_back(out.size());
    out.insert(out.end(), l.hdr.begin(), l.hdr.end());
  }
  const std::size_t n = layers_.size();
  // Back to front, so inner checksums are final before an outer header covers them.
  for (std::size_t i = n; i-- > 0;) {
    const Layer& l = layers_[i];
    std::uint8_t* h = out.data() + start[i];
    const std::size_t len = out.size() - start[i];
    const bool has_next = i + 1 < n;
    const std::uint16_t next_et = has_next ? layers_[i + 1].ethertype : 0x88b5;
    const std::uint8_t next_proto = has_next ? layers_[i + 1].ip_proto : 59;
    switch (l.kind) {
      case Kind::kEth:
        if (!l.explicit_type) put16(h + 12, next_et);
        break;
      case Kind::kVlan: put16(h + 2, next_et); break;
      case Kind::kSll:
        if (!l.explicit_type) put16(h + 14, next_et);
        break;
      case Kind::kSll2:
        if (!l.explicit_type) put16(h, next_et);
        break;
      case Kind::kIpv4: {
        if (!l.explicit_type) h[9] = next_proto == 59 ? 253 : next_proto;
        put16(h + 2, static_cast<std::uint16_t>(len));
        const std::size_t ihl = (h[0] & 0x0f) * 4u;
        put16(h + 10, 0);
        put16(h + 10, inet_checksum(h, ihl));
        break;
      }
      case Kind::kIpv6: h[6] = next_proto; put16(h + 4, static_cast<std::uint16_t>(len - 40)); break;
      case Kind::kExt6:
      case Kind::kAh6:
      case Kind::kFrag6: h[0] = next_proto; break;
      case Kind::kTcp:
      case Kind::kUdp:
      case Kind::kIcmp:
      case Kind::kIcmpv6: {
        if (l.kind == Kind::kUdp) put16(h + 4, static_cast<std::uint16_t>(len));
        const std::size_t ck = l.kind == Kind::kTcp ? 16 : l.kind == Kind::kUdp ? 6 : 2;
        put16(h + ck, 0);
        std::uint32_t sum = 0;
        std::size_t ip = i;
        while (ip-- > 0 && !is_ip(layers_[ip].kind)) {
        }
        if (l.kind != Kind::kIcmp && ip < n) {  // pseudo-header
          const std::uint8_t* iph = out.data() + start[ip];
          const bool v4 = layers_[ip].kind == Kind::kIpv4;
          const std::size_t alen = v4 ? 4 : 16;
          const Bytes pseudo_src(iph + (v4 ? 12 : 8), iph + (v4 ? 12 : 8) + 2 * alen);
          for (std::size_t k = 0; k < pseudo_src.size(); k += 2) sum += (pseudo_src[k] << 8) | pseudo_src[k + 1];
          sum += static_cast<std::uint32_t>(len >> 16) + static_cast<std::uint32_t>(len & 0xffff) + l.ip_proto;
        }
        std::uint16_t c = inet_checksum(h, len, sum);
        if (c == 0 && l.kind == Kind::kUdp) c = 0xffff;
        put16(h + ck, c);
        break;
      }
      default: break;
    }
  }
  return out;
}

PacketView view_of(const Bytes& b, LinkType link, std::uint32_t wirelen) {
  PacketView v;
  v.data = b.data();
  v.caplen = static_cast<std::uint32_t>(b.size());
  v.wirelen = wirelen ? wirelen : v.caplen;
  v.link = link;
  return v;
}

}  // namespace riptide::test
