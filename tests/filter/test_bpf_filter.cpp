// BpfFilter against tcpdump: the same expression selects the same packets of a file.
#include <gtest/gtest.h>

#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "riptide/file/capture_file.hpp"
#include "riptide/filter/bpf_filter.hpp"
#include "support/shell.hpp"

namespace riptide {
namespace {

std::string run(const std::string& cmd) { return test::shell(cmd).out; }

// tcpdump writes the matching packets to a file and capinfos counts them: no reliance on
// tcpdump printing exactly one line per packet.
long tcpdump_count(const std::string& file, const std::string& expr) {
  char tmpl[] = "/tmp/riptide-filter-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  close(fd);
  run("tcpdump -r '" + file + "' -w " + tmpl + " '" + expr + "' 2>/dev/null");
  const std::string n = run(std::string("capinfos -T -r -c -M ") + tmpl + " 2>/dev/null | cut -f2");
  std::filesystem::remove(tmpl);
  return n.empty() ? -1 : std::stol(n);
}

struct Counted {
  long matched = 0;
  long total = 0;
};

Counted riptide_count(const std::string& file, const std::string& expr) {
  Counted c;
  auto f = open_capture_file(file);
  if (!f) {
    ADD_FAILURE() << f.error().message;
    return c;
  }
  auto filt = BpfFilter::compile(expr, (*f)->link_type(), 262144);
  if (!filt) {
    ADD_FAILURE() << filt.error().message;
    return c;
  }
  PacketBatch b;
  for (;;) {
    auto r = (*f)->next(b, std::chrono::milliseconds(0));
    if (!r) {
      ADD_FAILURE() << r.error().message;
      break;
    }
    if (*r != PollStatus::packets) break;
    for (const PacketView& p : b) {
      c.matched += filt->matches(p) ? 1 : 0;
      ++c.total;
    }
  }
  return c;
}

std::string corpus(const std::string& rel) { return std::string(RIPTIDE_PCAP_DIR) + "/" + rel; }

struct Case {
  const char* file;
  const char* expr;
};

class FilterMatchesTcpdump : public ::testing::TestWithParam<Case> {};

TEST_P(FilterMatchesTcpdump, SameCount) {
  const std::string f = corpus(GetParam().file);
  const long want = tcpdump_count(f, GetParam().expr);
  ASSERT_GE(want, 0) << "tcpdump/capinfos failed on " << f;
  const Counted got = riptide_count(f, GetParam().expr);
  EXPECT_EQ(got.matched, want) << GetParam().expr << " on " << f;
  EXPECT_GT(got.total, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, FilterMatchesTcpdump,
    ::testing::Values(Case{"PcapExamples/example.pcap", "tcp"}, Case{"PcapExamples/example.pcap", "udp port 53"},
                      Case{"PcapExamples/example.pcap", "vlan and ip"},
                      Case{"PcapExamples/DnsPackets.pcap", "udp port 53"}, Case{"PcapExamples/VlanPackets.pcap", "tcp"},
                      Case{"PcapExamples/VlanPackets.pcap", "vlan and ip"},
                      Case{"PcapExamples/VlanPackets.pcap", "udp port 53"},
                      Case{"pcap_examples/many-protocols.pcap", "tcp"},
                      Case{"pcap_examples/many-protocols.pcap", "udp port 53"},
                      Case{"pcap_examples/many-protocols.pcap", "vlan and ip"}, Case{"PcapExamples/sll.pcap", "tcp"},
                      Case{"PcapExamples/raw_ip.pcap", "tcp"}, Case{"PcapExamples/raw_ip.pcap", "udp port 53"},
                      Case{"PacketExamples/QinQ_802.1_AD.pcapng", "vlan and ip"},
                      Case{"PacketExamples/SomeIpSd.pcapng", "vlan and ip"},
                      Case{"PcapExamples/frag_with_padding.pcap", "vlan and ip"},
                      Case{"PcapExamples/VlanPackets.pcap", "vlan and vlan and ip"}));

TEST(BpfFilter, SelectsSomethingButNotEverything) {
  const Counted tcp = riptide_count(corpus("pcap_examples/many-protocols.pcap"), "tcp");
  EXPECT_GT(tcp.matched, 0);
  EXPECT_LT(tcp.matched, tcp.total);
  // VlanPackets.pcap is all double-tagged: one "vlan" leaves the IP header one tag further on.
  EXPECT_EQ(riptide_count(corpus("PcapExamples/VlanPackets.pcap"), "vlan and ip").matched, 0);
  EXPECT_EQ(riptide_count(corpus("PcapExamples/VlanPackets.pcap"), "vlan and vlan and ip").matched, 20);
  EXPECT_EQ(riptide_count(corpus("PcapExamples/frag_with_padding.pcap"), "vlan and ip").matched, 8);
}

TEST(BpfFilter, EmptyExpressionMatchesAll) {
  const Counted c = riptide_count(corpus("PcapExamples/example.pcap"), "");
  EXPECT_EQ(c.matched, c.total);
  EXPECT_EQ(c.total, 4631);
}

TEST(BpfFilter, BadExpressionIsInvalidArgumentWithLibpcapMessage) {
  auto f = BpfFilter::compile("tcp and and port", LinkType::ethernet);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::invalid_argument);
  EXPECT_NE(f.error().message.find("syntax error"), std::string::npos) << f.error().message;
  EXPECT_NE(f.error().message.find("tcp and and port"), std::string::npos) << f.error().message;
  auto g = BpfFilter::compile("port 99999999", LinkType::ethernet);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, Errc::invalid_argument);
}

// The kernel accepts the program as a socket filter (any socket works; no privileges needed).
TEST(BpfFilter, KernelProgramAttaches) {
  auto f = BpfFilter::compile("udp port 53", LinkType::ethernet);
  ASSERT_TRUE(f.ok()) << f.error().message;
  const sock_fprog* prog = f->kernel_program();
  ASSERT_NE(prog, nullptr);
  ASSERT_GT(prog->len, 2);
  ASSERT_NE(prog->filter, nullptr);
  EXPECT_EQ(prog->filter[prog->len - 1].code, BPF_RET | BPF_K);  // ends with a verdict
  const int s = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(s, 0);
  EXPECT_EQ(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof *prog), 0) << std::strerror(errno);
  close(s);
  EXPECT_EQ(f->expression(), "udp port 53");
}

TEST(BpfFilter, MovedFilterKeepsWorking) {
  auto f = BpfFilter::compile("tcp", LinkType::ethernet);
  ASSERT_TRUE(f.ok());
  BpfFilter moved = std::move(f.value());
  EXPECT_EQ(moved.expression(), "tcp");
  // A minimal Ethernet + IPv4 + TCP header.
  std::vector<std::uint8_t> pkt(54, 0);
  pkt[12] = 0x08;
  pkt[14] = 0x45;
  pkt[23] = 6;
  PacketView v;
  v.data = pkt.data();
  v.caplen = v.wirelen = static_cast<std::uint32_t>(pkt.size());
  EXPECT_TRUE(moved.matches(v));
  pkt[23] = 17;
  EXPECT_FALSE(moved.matches(v));
}

TEST(BpfFilter, ConcurrentCompilesAllSucceed) {
  std::vector<std::thread> threads;
  std::array<int, 4> ok{};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      for (int i = 0; i < 50; ++i) {
        auto f = BpfFilter::compile("tcp port " + std::to_string(1000 + i) + " or udp", LinkType::ethernet);
        ok[static_cast<std::size_t>(t)] += f.ok() ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : ok) EXPECT_EQ(n, 50);
}

}  // namespace
}  // namespace riptide
