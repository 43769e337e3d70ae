// The --ipfix flags at the command line: a bad collector or size is refused at start with
// exit status 2 and one line; a good one reports its output with the others.
#include <gtest/gtest.h>

#include <string>

#include "support/shell.hpp"

namespace {

const std::string kRead = std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide read -q -r " + RIPTIDE_PCAP_DIR +
                          "/PcapExamples/example.pcap ";

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(IpfixCli, BadCollectorIsRefusedAtStartWithStatus2AndOneLine) {
  for (const std::string bad : {"300.1.1.1:4739", "127.0.0.1", "127.0.0.1:0", "[::1]4739", "no-such-host.invalid:4739"}) {
    const auto r = riptide::test::shell(kRead + "--ipfix '" + bad + "' 2>&1");
    EXPECT_EQ(r.status, 2) << bad << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
    EXPECT_EQ(r.out.rfind("riptide read: IPFIX collector '" + bad + "'", 0), 0u) << r.out;
  }
  for (const std::string bad : {"--ipfix-mtu 100", "--ipfix-mtu 70000", "--ipfix-template-s -1"}) {
    const auto r = riptide::test::shell(kRead + "--ipfix 127.0.0.1:4739 " + bad + " 2>&1");
    EXPECT_EQ(r.status, 2) << bad << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
  }
  const auto r = riptide::test::shell(kRead + "--ipfix 127.0.0.1:4739 --no-flows --analyzer heavy-hitters --hh-out '' 2>&1");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--ipfix"), std::string::npos) << r.out;
}

TEST(IpfixCli, TheReportNamesTheIpfixOutput) {
  // Port 9 (discard): nothing needs to listen for the run to succeed or fail; the report
  // line is there either way.
  const auto r = riptide::test::shell(kRead + "--ipfix '[::1]:9' --ipfix-domain 5 --ipfix-mtu 9000 2>&1");
  EXPECT_NE(r.out.find("flow ipfix -> udp:[::1]:9:"), std::string::npos) << r.out;
}

}  // namespace
