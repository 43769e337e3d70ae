#pragma once
// Builds test frames layer by layer, outermost first; build() fills in ethertypes, next-header
// fields, IP/UDP lengths and IPv4/TCP/UDP/ICMP checksums from the layers that follow.
//
//   auto f = PacketBuilder().eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, kTcpSyn).payload(20).build();
//   PacketView v = view_of(f);  // LinkType::ethernet, wirelen = caplen
//
// Addresses are text (inet_pton); a bad address is a test bug and aborts the test binary.
#include <cstdint>
#include <string>
#include <vector>

#include "riptide/core/packet.hpp"

namespace riptide::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10;

struct Ipv4Opts {
  std::uint8_t ttl = 64;
  std::uint16_t id = 0x1234;
  std::uint16_t frag_offset_bytes = 0;  // multiple of 8
  bool more_fragments = false;
  bool dont_fragment = false;
  std::uint8_t options_len = 0;  // bytes of NOP options, rounded up to a multiple of 4
  std::uint8_t proto = 0;        // 0: from the next layer
};

class PacketBuilder {
 public:
  // Link layers.
  PacketBuilder& eth(std::uint16_t ethertype = 0, const std::string& src_mac = "02:00:00:00:00:01",
                     const std::string& dst_mac = "02:00:00:00:00:02");
  PacketBuilder& vlan(std::uint16_t vid, std::uint16_t tpid = 0x8100, std::uint8_t pcp = 0);
  PacketBuilder& llc(std::size_t len);  // 802.3 length + LLC SNAP-less header (only after eth)
  PacketBuilder& sll(std::uint16_t protocol = 0, std::uint16_t arphrd = 1);
  PacketBuilder& sll2(std::uint16_t protocol = 0, std::uint16_t arphrd = 1, std::uint32_t ifindex = 1);
  PacketBuilder& null_bsd(std::uint32_t af);  // host order
  PacketBuilder& loop(std::uint32_t af);      // network order

  // Network layers.
  PacketBuilder& arp(std::uint16_t op, const std::string& sender_ip, const std::string& target_ip);
  PacketBuilder& ipv4(const std::string& src, const std::string& dst, Ipv4Opts o = {});
  PacketBuilder& ipv6(const std::string& src, const std::string& dst, std::uint8_t hop_limit = 64);
  // A generic IPv6 extension header (0, 43, 60, 135, 139, 140) of `len` bytes (multiple of 8, >= 8).
  PacketBuilder& ext6(std::uint8_t type, std::size_t len = 8);
  // Authentication header of `len` bytes (multiple of 4, >= 12), length encoded in 4-octet units.
  PacketBuilder& ah6(std::size_t len = 16);
  PacketBuilder& frag6(std::uint16_t offset_bytes, bool more, std::uint32_t id = 0xabcd);

  // Transport layers.
  PacketBuilder& tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags = kTcpAck,
                     std::uint8_t options_len = 0, std::uint32_t seq = 1, std::uint32_t ack = 0);
  PacketBuilder& udp(std::uint16_t sport, std::uint16_t dport);
  PacketBuilder& icmp(std::uint8_t type, std::uint8_t code);
  PacketBuilder& icmpv6(std::uint8_t type, std::uint8_t code);

  PacketBuilder& payload(std::size_t n, std::uint8_t fill = 0xab);
  PacketBuilder& payload(const Bytes& b);
  // Raw bytes with no length bookkeeping (a header we do not model, garbage, padding).
  PacketBuilder& raw(const Bytes& b, std::uint8_t ip_proto = 0, std::uint16_t ethertype = 0);

  Bytes build() const;

  struct Layer {
    enum Kind : std::uint8_t {
      kEth, kVlan, kLlc, kSll, kSll2, kNull, kLoop, kArp, kIpv4, kIpv6, kExt6, kAh6, kFrag6,
      kTcp, kUdp, kIcmp, kIcmpv6, kPayload, kRaw
    } kind;
    Bytes hdr;
    std::uint8_t ip_proto = 0;    // what an IP header before this layer announces
    std::uint16_t ethertype = 0;  // what a link header before this layer announces
    bool explicit_type = false;   // this layer's own type field was given by the caller
  };

 private:
  PacketBuilder& add(Layer l);
  std::vector<Layer> layers_;
};

// A PacketView over `b` (which must outlive it). wirelen 0 means caplen.
PacketView view_of(const Bytes& b, LinkType link = LinkType::ethernet, std::uint32_t wirelen = 0);

// Parse "a.b.c.d" or IPv6 text into 4 or 16 bytes; aborts on bad input.
Bytes ip_bytes(const std::string& text);

// Internet checksum (RFC 1071) over `len` bytes, starting from `sum`.
std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len, std::uint32_t sum = 0);

}  // namespace riptide::test
