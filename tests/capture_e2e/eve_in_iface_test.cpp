// EVE flow records of a live capture name the interface they came in on ("in_iface", as
// Suricata writes it); records of a file read carry none. Both carry app_proto.
#include <gtest/gtest.h>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

TEST(EveInIface, LiveRecordsNameTheCaptureInterface) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("eif1");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto sent = s.gen({"--rate", "2000", "--count", "400", "--flows", "4"});
  ASSERT_EQ(sent.value_or(0), 400u);
  ASSERT_EQ(s.stop().value_or(-1), 0) << s.err();
  const auto f = s.flows();
  EXPECT_EQ(f.unparsable_lines, 0u);
  ASSERT_EQ(f.records, 4u);
  EXPECT_EQ(f.packets, 400u);
  for (const auto& j : f.flows) {
    EXPECT_EQ(j.value("in_iface", ""), vp.host_if()) << j.dump();
    EXPECT_EQ(j.value("app_proto", ""), "unknown") << j.dump();
  }

  // A file read: no interface to name.
  TempDir d;
  const std::string pcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";
  const auto r = run_to_end({riptide_bin(), "read", "-q", "-r", pcap, "--flows-json", d.path("read.json")});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  const auto rf = read_flows(d.path("read.json"));
  ASSERT_GT(rf.records, 0u);
  for (const auto& j : rf.flows) {
    EXPECT_FALSE(j.contains("in_iface")) << j.dump();
    EXPECT_EQ(j.value("app_proto", ""), "unknown") << j.dump();
  }
}

}  // namespace
}  // namespace riptide::e2e
