// Hand-made hostile frames: every header cut at every byte, length fields that promise more
// than the frame holds, extension-header and VLAN chains built to exhaust the walk, empty and
// 256 KiB frames. Each case asserts the exact counter it lands in; the buffers are heap copies
// of exactly the bytes under test so a sanitizer build catches any read past caplen.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

// The error a cut at `n` bytes must give: spans are [begin, end) byte ranges of one header.
struct Span {
  std::size_t begin, end;
  DecodeError err;
};

Bytes prefix(const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

DecodeError error_at(const std::vector<Span>& spans, std::size_t n) {
  for (const Span& s : spans)
    if (n >= s.begin && n < s.end) return s.err;
  return DecodeError::none;
}

// Cuts `full` at every length, once as a short frame (wirelen = caplen) and once as a
// snaplen cut (wirelen = full size); both must give the same error, counted once each.
void expect_cuts(const std::string& what, const Bytes& full, LinkType link, const std::vector<Span>& spans) {
  DecodeStats total;
  std::vector<std::uint64_t> want(static_cast<std::size_t>(DecodeError::count_));
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const Bytes part = prefix(full, n);
    const DecodeError expect = error_at(spans, n);
    for (std::uint32_t wire : {0u, static_cast<std::uint32_t>(full.size())}) {
      PacketMeta m;
      const DecodeError e = decode(view_of(part, link, wire), m, total);
      EXPECT_EQ(e, expect) << what << " cut at " << n << " wirelen " << wire << ": got " << to_string(e) << ", want "
                           << to_string(expect);
      EXPECT_TRUE(m.l3_off == 0xffff || m.l3_off <= n) << what << " " << n;
      EXPECT_TRUE(m.l4_off == 0xffff || m.l4_off <= n) << what << " " << n;
      EXPECT_TRUE(m.payload_off == 0xffff || m.payload_off <= n) << what << " " << n;
      ++want[static_cast<std::size_t>(expect)];
    }
  }
  EXPECT_EQ(total.packets, 2 * (full.size() + 1)) << what;
  EXPECT_EQ(total.decoded_ok, want[0]) << what;
  for (std::size_t i = 1; i < want.size(); ++i)
    EXPECT_EQ(total.errors[i], want[i]) << what << " " << to_string(static_cast<DecodeError>(i));
}

TEST(HostilePackets, TruncatedEthernetVlanIpv4Tcp) {
  const Bytes f = PacketBuilder().eth().vlan(7).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(4).build();
  expect_cuts("eth/vlan/ipv4/tcp", f, LinkType::ethernet,
              {{0, 14, DecodeError::truncated_l2},
               {14, 18, DecodeError::truncated_vlan},
               {18, 38, DecodeError::truncated_ipv4},
               {38, 58, DecodeError::truncated_tcp}});
}

TEST(HostilePackets, TruncatedIpv4OptionsAndTcpOptions) {
  Ipv4Opts o;
  o.options_len = 12;
  const Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2", o).tcp(1, 2, kTcpSyn, 20).build();
  expect_cuts("ipv4 options/tcp options", f, LinkType::ethernet,
              {{0, 14, DecodeError::truncated_l2},
               {14, 14 + 32, DecodeError::truncated_ipv4},
               {46, 46 + 40, DecodeError::truncated_tcp}});
}

TEST(HostilePackets, TruncatedUdpAndIcmp) {
  expect_cuts("udp", PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").udp(53, 53).payload(3).build(),
              LinkType::ethernet,
              {{0, 14, DecodeError::truncated_l2},
               {14, 34, DecodeError::truncated_ipv4},
               {34, 42, DecodeError::truncated_udp}});
  expect_cuts("icmp", PacketBuilder().eth().ipv4("1.1.1.1", "2.2.2.2").icmp(8, 0).payload(3).build(),
              LinkType::ethernet,
              {{0, 14, DecodeError::truncated_l2},
               {14, 34, DecodeError::truncated_ipv4},
               {34, 42, DecodeError::truncated_icmp}});
  expect_cuts("icmpv6", PacketBuilder().eth().ipv6("::1", "::2").icmpv6(128, 0).payload(3).build(),
              LinkType::ethernet,
              {{0, 14, DecodeError::truncated_l2},
               {14, 54, DecodeError::truncated_ipv6},
               {54, 62, DecodeError::truncated_icmp}});
}

TEST(HostilePackets, TruncatedIpv6AndEveryExtensionHeader) {
  struct Ext {
    const char* name;
    std::size_t len;
  };
  // Generic types carry their length in 8-octet units; 44 is fixed 8; 51 counts 4-octet units.
  const std::pair<std::uint8_t, Ext> exts[] = {
      {0, {"hop-by-hop", 16}}, {43, {"routing", 24}},  {60, {"destination", 8}}, {135, {"mobility", 16}},
      {139, {"hip", 8}},       {140, {"shim6", 32}},   {44, {"fragment", 8}},    {51, {"ah", 20}},
  };
  for (const auto& [type, ext] : exts) {
    PacketBuilder b;
    b.eth().ipv6("2001:db8::1", "2001:db8::2");
    if (type == 44) {
      b.frag6(0, true);
    } else if (type == 51) {
      b.ah6(ext.len);
    } else {
      b.ext6(type, ext.len);
    }
    const Bytes f = b.udp(1000, 2000).payload(2).build();
    const std::size_t ext_end = 54 + ext.len;
    expect_cuts(ext.name, f, LinkType::ethernet,
                {{0, 14, DecodeError::truncated_l2},
                 {14, 54, DecodeError::truncated_ipv6},
                 {54, ext_end, DecodeError::truncated_ext_header},
                 {ext_end, ext_end + 8, DecodeError::truncated_udp}});
    const Decoded d = decode_bytes(f);
    EXPECT_EQ(d.e, DecodeError::none) << ext.name;
    EXPECT_EQ(d.m.ip_proto, 17) << ext.name;
    EXPECT_EQ(d.m.l4_off, ext_end) << ext.name;
    EXPECT_TRUE(d.m.has(kMetaIpOptions)) << ext.name;
  }
}

TEST(HostilePackets, TruncatedCookedAndLoopbackLinks) {
  expect_cuts("sll", PacketBuilder().sll().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), LinkType::linux_sll,
              {{0, 16, DecodeError::truncated_l2}, {16, 36, DecodeError::truncated_ipv4}, {36, 56, DecodeError::truncated_tcp}});
  expect_cuts("sll2", PacketBuilder().sll2().ipv6("::1", "::2").udp(1, 2).build(), LinkType::linux_sll2,
              {{0, 20, DecodeError::truncated_l2}, {20, 60, DecodeError::truncated_ipv6}, {60, 68, DecodeError::truncated_udp}});
  expect_cuts("loop", PacketBuilder().loop(2).ipv4("1.1.1.1", "2.2.2.2").icmp(0, 0).build(), LinkType::loop,
              {{0, 4, DecodeError::truncated_l2}, {4, 24, DecodeError::truncated_ipv4}, {24, 32, DecodeError::truncated_icmp}});
}

// Length fields larger than the bytes behind them. Header lengths (IHL, data offset, an
// extension header's own length) are checked against what was captured and counted as
// truncation; datagram lengths (IPv4 total, IPv6 payload, UDP length) only bound where the
// headers may be looked for, as tshark does: the packet decodes, nothing is read past
// caplen, the announced length is reported as is, and DecodeStats::length_beyond_wire counts it.
TEST(HostilePackets, Ipv4HeaderLengthBeyondTheFrame) {
  Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();  // 54 bytes
  f[14] = 0x4f;                                                                      // IHL 60 bytes
  Decoded d = decode_bytes(f);
  // Total length 40 is now below the header length: caught before the header is walked.
  EXPECT_EQ(d.e, DecodeError::bad_ipv4_total_len);
  EXPECT_EQ(d.st.error_count(DecodeError::bad_ipv4_total_len), 1u);
  f[16] = 0x05;
  f[17] = 0xdc;  // total length 1500: consistent with the IHL, but 40 bytes are all there is
  d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_ipv4);
  EXPECT_EQ(d.st.error_count(DecodeError::truncated_ipv4), 1u);
  EXPECT_EQ(d.st.ipv4, 1u);
  EXPECT_EQ(d.m.ip_len, 1500u);
  EXPECT_FALSE(d.m.has(kMetaHasL4));
}

TEST(HostilePackets, TcpDataOffsetBeyondTheFrame) {
  Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1111, 2222).payload(12).build();
  f[14 + 20 + 12] = 0xf0;  // 60-byte header, 32 bytes present
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_tcp);
  EXPECT_EQ(d.st.error_count(DecodeError::truncated_tcp), 1u);
  EXPECT_EQ(d.st.tcp, 0u);
  EXPECT_EQ(d.m.sport, 1111);  // the ports still place the packet in its flow
  EXPECT_EQ(d.m.payload_off, 0xffff);
  // The IP total length ends the datagram before the Ethernet padding: the data offset may
  // not reach into the trailer either.
  Bytes padded = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  padded[14 + 20 + 12] = 0x60;  // 24-byte header in a 20-byte segment
  padded.resize(padded.size() + 10, 0);
  d = decode_bytes(padded);
  EXPECT_EQ(d.e, DecodeError::truncated_tcp);
}

TEST(HostilePackets, Ipv4TotalLengthBeyondTheFrame) {
  Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(6).build();  // 60 bytes
  f[16] = 0xff;
  f[17] = 0xff;  // 65535
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.st.decoded_ok, 1u);
  EXPECT_EQ(d.st.tcp, 1u);
  EXPECT_EQ(d.m.ip_len, 65535u);
  EXPECT_EQ(d.m.l4_payload_len, 65535u - 40);
  EXPECT_EQ(d.m.payload_off, 54);
  EXPECT_LE(d.m.payload_off, d.m.caplen);
  EXPECT_FALSE(d.m.has(kMetaTruncated));  // wirelen is what the frame says, not the IP header
  EXPECT_EQ(d.st.length_beyond_wire, 1u);
  // An honest frame is not counted.
  EXPECT_EQ(decode_bytes(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(6).build()).st.length_beyond_wire, 0u);
}

TEST(HostilePackets, UdpLengthBeyondTheDatagram) {
  Bytes f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(5, 6).payload(4).build();
  f[14 + 20 + 4] = 0xff;
  f[14 + 20 + 5] = 0xff;
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.st.udp, 1u);
  EXPECT_EQ(d.m.l4_payload_len, 65535u - 8);
  EXPECT_EQ(d.m.payload_off, 42);
  EXPECT_EQ(d.st.length_beyond_wire, 1u);
  // Below the header size it is an error, whatever the frame holds.
  f[14 + 20 + 4] = 0;
  f[14 + 20 + 5] = 0;
  d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::bad_udp_len);
  EXPECT_EQ(d.st.error_count(DecodeError::bad_udp_len), 1u);
}

TEST(HostilePackets, Ipv6PayloadLengthAboveAndBelowTheFrame) {
  Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(0, 16).udp(7, 8).payload(4).build();  // 14+40+16+12
  f[18] = 0xff;
  f[19] = 0xf0;  // payload length 65520, 28 bytes present
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_len, 65520u + 40);
  EXPECT_EQ(d.m.l4_off, 70);
  EXPECT_EQ(d.st.udp, 1u);
  EXPECT_EQ(d.st.length_beyond_wire, 1u);
  // A payload length that ends inside the extension header: the header is cut by the
  // datagram, even though the frame carries the rest.
  f[18] = 0;
  f[19] = 8;
  d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_ext_header);
  EXPECT_EQ(d.st.error_count(DecodeError::truncated_ext_header), 1u);
  // Ending inside the UDP header.
  f[19] = 20;
  d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_udp);
}

TEST(HostilePackets, ExtensionHeaderChainsAtTheLimit) {
  auto chain = [](int n, std::uint8_t type) {
    PacketBuilder b;
    b.eth().ipv6("::1", "::2");
    for (int i = 0; i < n; ++i) b.ext6(type);
    return b.tcp(1, 2).build();
  };
  Decoded d = decode_bytes(chain(kMaxIpv6ExtHeaders, 60));
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.ip_proto, 6);
  EXPECT_EQ(d.m.l4_off, 54 + 8 * kMaxIpv6ExtHeaders);
  d = decode_bytes(chain(kMaxIpv6ExtHeaders + 1, 60));
  EXPECT_EQ(d.e, DecodeError::too_many_ext_headers);
  EXPECT_EQ(d.st.error_count(DecodeError::too_many_ext_headers), 1u);
  EXPECT_FALSE(d.m.has(kMetaHasL4));
}

TEST(HostilePackets, ExtensionHeaderChainThatWouldLoopForever) {
  // 1,000 hop-by-hop headers each naming hop-by-hop as the next: the walk stops at the limit.
  PacketBuilder b;
  b.eth().ipv6("::1", "::2");
  for (int i = 0; i < 1000; ++i) b.ext6(0);
  const Bytes f = b.build();
  ASSERT_EQ(f.size(), 54u + 8000);
  const Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::too_many_ext_headers);
  EXPECT_EQ(d.st.total_errors(), 1u);
  EXPECT_EQ(d.st.ipv6, 1u);

  // A header that names itself and claims the longest length: each step is 2 KiB, so the
  // chain leaves the frame long before the limit.
  Bytes self(54 + 64, 0);
  Bytes eth = PacketBuilder().eth().ipv6("::1", "::2").build();
  std::copy(eth.begin(), eth.end(), self.begin());
  self[14 + 4] = 0;
  self[14 + 5] = 64;  // payload length
  self[14 + 6] = 0;   // next header: hop-by-hop
  self[54] = 0;       // ... which names hop-by-hop again
  self[55] = 255;     // (255 + 1) * 8 = 2048 bytes
  const Decoded s = decode_bytes(self);
  EXPECT_EQ(s.e, DecodeError::truncated_ext_header);
  EXPECT_EQ(s.st.error_count(DecodeError::truncated_ext_header), 1u);
}

TEST(HostilePackets, ExtensionHeaderChainRunningPastTheEnd) {
  // The last header announces another one that is not there.
  Bytes f = PacketBuilder().eth().ipv6("::1", "::2").ext6(43).ext6(60).build();
  f[54 + 8] = 0;  // destination options -> hop-by-hop, but the frame ends
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::truncated_ext_header);
  // AH whose length field runs far beyond the frame.
  Bytes ah = PacketBuilder().eth().ipv6("::1", "::2").ah6(16).udp(1, 2).build();
  ah[55] = 200;  // (200 + 2) * 4 = 808 bytes
  d = decode_bytes(ah);
  EXPECT_EQ(d.e, DecodeError::truncated_ext_header);
  // A later fragment ends the walk: what follows is data, never a header.
  Bytes frag = PacketBuilder().eth().ipv6("::1", "::2").frag6(1024, false).ext6(0).raw(Bytes(4, 0xff)).build();
  d = decode_bytes(frag);
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_TRUE(d.m.has(kMetaIsFragment));
  EXPECT_FALSE(d.m.has(kMetaHasL4));
  EXPECT_EQ(d.m.frag_offset, 1024);
  EXPECT_EQ(d.m.payload_off, 62);
}

TEST(HostilePackets, ThousandStackedVlanTags) {
  const std::uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
  PacketBuilder b;
  b.eth();
  for (int i = 0; i < 1000; ++i) b.vlan(static_cast<std::uint16_t>(i + 1), tpids[i % 3]);
  const Bytes f = b.ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  ASSERT_EQ(f.size(), 14u + 4000 + 28);
  Decoded d = decode_bytes(f);
  EXPECT_EQ(d.e, DecodeError::too_many_vlans);
  EXPECT_EQ(d.st.error_count(DecodeError::too_many_vlans), 1u);
  EXPECT_EQ(d.m.vlan_count, kMaxVlanWalk);
  EXPECT_EQ(d.m.vlan_ids[0], 1);
  EXPECT_EQ(d.m.vlan_ids[1], 2);
  EXPECT_FALSE(d.m.has(kMetaHasL3));
  EXPECT_EQ(d.st.ipv4, 0u);

  // The same stack with the outer tag stripped by the kernel: one fewer fits in the frame.
  PacketView v = view_of(f);
  v.vlan_tpid = 0x8100;
  v.vlan_tci = 4000;
  d = decode_view(v);
  EXPECT_EQ(d.e, DecodeError::too_many_vlans);
  EXPECT_EQ(d.m.vlan_ids[0], 4000);
  EXPECT_EQ(d.m.vlan_ids[1], 1);

  // The stack cut mid-tag.
  d = decode_bytes(prefix(f, 14 + 4 * 5 + 2));
  EXPECT_EQ(d.e, DecodeError::truncated_vlan);
  EXPECT_EQ(d.m.vlan_count, 5);

  // Exactly the limit decodes.
  PacketBuilder ok;
  ok.eth();
  for (int i = 0; i < kMaxVlanWalk; ++i) ok.vlan(9);
  d = decode_bytes(ok.ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build());
  EXPECT_EQ(d.e, DecodeError::none);
  EXPECT_EQ(d.m.vlan_count, kMaxVlanWalk);
  EXPECT_EQ(d.m.l3_off, 14 + 4 * kMaxVlanWalk);
}

TEST(HostilePackets, ZeroLengthFramesWithADataPointer) {
  // A non-null pointer with caplen 0 (an empty pcap record) must not be dereferenced.
  const std::uint8_t guard = 0x45;
  DecodeStats st;
  for (LinkType link : {LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2, LinkType::raw, LinkType::ipv4,
                        LinkType::ipv6, LinkType::null_bsd, LinkType::loop, static_cast<LinkType>(12)}) {
    PacketView v;
    v.link = link;
    v.data = &guard;
    v.caplen = 0;
    v.wirelen = 0;
    PacketMeta m;
    EXPECT_EQ(decode(v, m, st), DecodeError::truncated_l2) << int(link);
    EXPECT_EQ(m.l3_off, 0xffff) << int(link);
  }
  EXPECT_EQ(st.packets, 9u);
  EXPECT_EQ(st.bytes, 0u);
  EXPECT_EQ(st.error_count(DecodeError::truncated_l2), 9u);
  EXPECT_EQ(st.decoded_ok, 0u);
}

TEST(HostilePackets, QuarterMegabyteFrames) {
  constexpr std::size_t kSize = 256 * 1024;
  DecodeStats st;
  PacketMeta m;
  // Garbage with ethertype 0xffff: a valid frame of a protocol we do not decode.
  const Bytes junk(kSize, 0xff);
  EXPECT_EQ(decode(view_of(junk), m, st), DecodeError::none);
  EXPECT_EQ(m.l3_off, 0xffff);
  // Zeros: an 802.3 length of 0 and no L3.
  const Bytes zeros(kSize, 0);
  EXPECT_EQ(decode(view_of(zeros), m, st), DecodeError::none);
  EXPECT_EQ(m.ethertype, 0);
  // The deepest headers the walks allow, then TCP, then payload to 256 KiB: every offset
  // still fits the 16-bit fields.
  PacketBuilder b;
  b.eth();
  for (int i = 0; i < kMaxVlanWalk; ++i) b.vlan(1);
  b.ipv6("::1", "::2");
  for (int i = 0; i < kMaxIpv6ExtHeaders; ++i) b.ext6(60, 2048);
  b.tcp(1, 2, kTcpAck, 40);
  Bytes deep = b.build();
  const std::size_t hdrs = deep.size();
  ASSERT_EQ(hdrs, 14u + 4 * kMaxVlanWalk + 40 + 2048 * kMaxIpv6ExtHeaders + 60);
  deep.resize(kSize, 0x77);
  deep[14 + 4 * kMaxVlanWalk + 4] = 0;  // payload length 0: jumbo, length from the wire
  deep[14 + 4 * kMaxVlanWalk + 5] = 0;
  EXPECT_EQ(decode(view_of(deep), m, st), DecodeError::none);
  EXPECT_EQ(m.payload_off, hdrs);
  EXPECT_EQ(m.l4_payload_len, kSize - hdrs);
  EXPECT_EQ(m.ip_len, kSize - 14 - 4 * kMaxVlanWalk);
  // The same frame as a 256 KiB snaplen cut of a 1 MiB packet.
  EXPECT_EQ(decode(view_of(deep, LinkType::ethernet, 1u << 20), m, st), DecodeError::none);
  EXPECT_TRUE(m.has(kMetaTruncated));
  EXPECT_EQ(m.l4_payload_len, (1u << 20) - hdrs);
  EXPECT_EQ(st.packets, 4u);
  EXPECT_EQ(st.decoded_ok, 4u);
  EXPECT_EQ(st.snaplen_truncated, 1u);
  EXPECT_EQ(st.bytes, 3 * kSize + (1u << 20));
}

}  // namespace
}  // namespace riptide::test
