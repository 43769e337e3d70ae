// Every packet of every test capture goes through the decoder (read with libpcap), and for
// a few Ethernet captures the addresses and ports must agree with what tshark dissects.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "decode/decode_test_util.hpp"

namespace riptide::test {
namespace {

namespace fs = std::filesystem;

// libpcap reports DLT values; they equal LINKTYPE values except for raw IP.
LinkType link_of(int dlt) {
  if (dlt == DLT_RAW) return LinkType::raw;
  return static_cast<LinkType>(dlt);
}

// Calls fn(view) for every packet of `path`; returns false if libpcap cannot open it.
bool for_each_packet(const std::string& path, const std::function<void(const PacketView&)>& fn) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) return false;
  const LinkType link = link_of(pcap_datalink(p));
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    PacketView v;
    v.data = data;
    v.caplen = h->caplen;
    v.wirelen = h->len;
    v.link = link;
    fn(v);
  }
  pcap_close(p);
  return true;
}

std::vector<std::string> capture_files() {
  std::vector<std::string> out;
  if (!fs::is_directory(RIPTIDE_PCAP_DIR)) return out;  // the tests that need them fail by name
  for (const auto& e : fs::recursive_directory_iterator(RIPTIDE_PCAP_DIR)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) out.push_back(e.path().string());
  }
  return out;
}

bool decoded_link(LinkType l) {
  switch (l) {
    case LinkType::ethernet: case LinkType::linux_sll: case LinkType::linux_sll2: case LinkType::raw:
    case LinkType::ipv4: case LinkType::ipv6: case LinkType::null_bsd: case LinkType::loop:
      return true;
  }
  switch (static_cast<int>(l)) {
    case 9: case 50: case 51: case 104: case 239: case 253: return true;  // PPP, PPPoE, Cisco HDLC, NFLOG, netlink
    default: return false;
  }
}

TEST(DecoderPcaps, EveryPacketOfEveryCapture) {
  const auto files = capture_files();
  ASSERT_GT(files.size(), 150u) << "capture corpus missing at " << RIPTIDE_PCAP_DIR;
  DecodeStats all;
  std::size_t opened = 0;
  for (const std::string& f : files) {
    DecodeStats st;
    std::uint64_t n = 0, supported = 0;
    opened += for_each_packet(f, [&](const PacketView& v) {
      PacketMeta m;
      const DecodeError e = decode(v, m, st);
      ++n;
      supported += decoded_link(v.link);
      ASSERT_EQ(e, m.error);
      ASSERT_TRUE(m.l3_off == 0xffff || m.l3_off <= v.caplen) << f;
      ASSERT_TRUE(m.l4_off == 0xffff || m.l4_off <= v.caplen) << f;
      ASSERT_TRUE(m.payload_off == 0xffff || m.payload_off <= v.caplen) << f;
      if (decoded_link(v.link)) {
        EXPECT_NE(e, DecodeError::unsupported_link) << f;
      }
    });
    EXPECT_EQ(st.packets, n) << f;
    EXPECT_EQ(st.decoded_ok + st.total_errors(), n) << f;
    EXPECT_EQ(st.error_count(DecodeError::unsupported_link), n - supported) << f;
    all.merge(st);
  }
  // libpcap reads every file of this corpus but the zstd-compressed one.
  EXPECT_GE(opened + 5, files.size());
  EXPECT_GT(all.packets, 20000u);
  EXPECT_GT(all.tcp, 10000u);
  EXPECT_GT(all.udp, 1000u);
  EXPECT_GT(all.ipv6, 100u);
  EXPECT_GT(all.arp, 0u);
  EXPECT_GT(all.fragments, 50u);
  // Public sample captures are almost all well-formed: errors stay a small minority.
  EXPECT_LT(all.total_errors() * 100, all.packets) << "errors " << all.total_errors() << " of " << all.packets;
}

struct TsharkRow {
  std::string ip_src, ipv6_src, tcp_sport, udp_sport;
};

// The innermost header's value: the decoder describes the packet a tunnel carries.
std::string last_value(const std::string& s) { return s.substr(s.rfind(',') + 1); }

// frame.number -> fields, from tshark with reassembly off so fragments stay single packets.
std::map<std::uint64_t, TsharkRow> tshark_fields(const std::string& path) {
  const std::string cmd = "tshark -n -r '" + path +
                          "' -T fields -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e udp.srcport"
                          " -o ip.defragment:FALSE -o ipv6.defragment:FALSE 2>/dev/null";
  std::map<std::uint64_t, TsharkRow> rows;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return rows;
  char line[4096];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    std::vector<std::string> cols;
    std::stringstream ss(s);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    cols.resize(5);
    rows[std::stoull(cols[0])] = TsharkRow{last_value(cols[1]), last_value(cols[2]), last_value(cols[3]),
                                           last_value(cols[4])};
  }
  pclose(p);
  return rows;
}

std::string addr_text(const PacketMeta& m) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (m.ip_version == 4) inet_ntop(AF_INET, &m.src.b[12], buf, sizeof buf);
  else inet_ntop(AF_INET6, m.src.b.data(), buf, sizeof buf);
  return buf;
}

TEST(DecoderPcaps, AgreesWithTshark) {
  // Ethernet captures with VLANs, tunnels (the innermost header counts), options, IPv4/IPv6 fragments.
  const char* files[] = {
      "PacketExamples/PPPoESession.pcap",
      "PacketExamples/MplsPackets.pcap",
      "PcapExamples/ip4_fragments.pcap",
      "PcapExamples/ip6_fragments.pcap",
      "PacketExamples/ipv6_options.pcap",
      "PacketExamples/ipv4-options.pcap",
      "PcapExamples/DnsPackets.pcap",
      "PacketExamples/ipv6_opt_fragments.pcap",
      "pcap_examples/many-protocols.pcap",
      "PcapExamples/frag_with_padding.pcap",
      "PacketExamples/SomeIpSd.pcapng",
  };
  std::uint64_t compared_total = 0;
  for (const char* rel : files) {
    const std::string path = std::string(RIPTIDE_PCAP_DIR) + "/" + rel;
    const auto rows = tshark_fields(path);
    ASSERT_FALSE(rows.empty()) << "tshark produced nothing for " << path;
    std::uint64_t frame = 0, compared = 0;
    DecodeStats st;
    ASSERT_TRUE(for_each_packet(path, [&](const PacketView& v) {
      ++frame;
      PacketMeta m;
      ASSERT_EQ(v.link, LinkType::ethernet) << path;
      decode(v, m, st);
      if (m.error != DecodeError::none || !m.has(kMetaHasL4) || (m.ip_proto != 6 && m.ip_proto != 17)) return;
      const auto it = rows.find(frame);
      ASSERT_NE(it, rows.end()) << path << " frame " << frame;
      const TsharkRow& r = it->second;
      EXPECT_EQ(addr_text(m), m.ip_version == 4 ? r.ip_src : r.ipv6_src) << path << " frame " << frame;
      EXPECT_EQ(std::to_string(m.sport), m.ip_proto == 6 ? r.tcp_sport : r.udp_sport) << path << " frame " << frame;
      ++compared;
    })) << path;
    EXPECT_GT(compared, 0u) << path;
    compared_total += compared;
  }
  EXPECT_GT(compared_total, 4000u);
}

}  // namespace
}  // namespace riptide::test
