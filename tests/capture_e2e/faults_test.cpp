// (e) A stalled reader: the kernel ring overflows and every lost frame is counted.
// (f) The interface disappears and comes back, or goes down and up, under a running capture.
// (g) SIGINT or SIGTERM in the middle of traffic: clean exit, complete outputs.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "capture_e2e/e2e_session.hpp"
#include "support/shell.hpp"

namespace riptide::e2e {
namespace {

TEST(CaptureE2E, StalledReaderLossIsCountedExactly) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2es");
  ASSERT_TRUE(vp.ok());
  // A deliberately small ring (1 MiB) so that a stall overflows it.
  CaptureSession s(vp, {"-B", "1024", "--rate", "10000", "--ring-ms", "10", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();

  ASSERT_TRUE(s.child().signal(SIGSTOP));
  const auto sent = s.gen({"--rate", "200000", "--count", "50000", "--flows", "4"});
  ASSERT_TRUE(s.child().signal(SIGCONT));
  ASSERT_EQ(sent.value_or(0), 50000u);
  std::this_thread::sleep_for(300ms);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();

  const auto st = s.stats();
  const auto drops = u64(st, "kernel_drops"), processed = u64(st, "processed");
  EXPECT_GT(drops, 0u) << "a 1 MiB ring held 50k frames: the stall test proves nothing" << st.dump();
  EXPECT_EQ(processed + drops, 50000u) << st.dump();
  EXPECT_EQ(u64(st, "kernel_packets"), 50000u);
  EXPECT_EQ(u64(st, "captured"), processed);
  EXPECT_EQ(st.value("ledger_balanced", false), true);
  const auto err = s.err();
  EXPECT_NE(err.find("where packets were lost"), std::string::npos) << err;
  EXPECT_NE(err.find("kernel_drops"), std::string::npos) << err;
  EXPECT_NE(err.find("kernel ring full"), std::string::npos) << err;
  EXPECT_NE(err.find("adds up"), std::string::npos) << err;
  EXPECT_EQ(err.find("DOES NOT ADD UP"), std::string::npos) << err;
  EXPECT_EQ(s.flows().packets, processed);
}

// With --threads 2 each socket leaves the fanout group with the interface and has to rejoin
// it on its own; a socket that did not would take its share of the flows with it.
class InterfaceRecreated : public ::testing::TestWithParam<int> {};

TEST_P(InterfaceRecreated, CaptureResumes) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const int threads = GetParam();
  test::VethPair vp("e2er" + std::to_string(threads));
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"--threads", std::to_string(threads), "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000"}).value_or(0), 1000u);
  std::this_thread::sleep_for(300ms);  // several block timeouts: the frames are read

  ASSERT_TRUE(vp.recreate());
  EXPECT_TRUE(s.child().wait_for_err("waiting for it to come back", 10s)) << s.err();
  EXPECT_TRUE(s.child().wait_for_err("is back", 10s)) << s.err();
  // Frames sent after recreation: tagged, so the flow records tell them apart.
  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000", "--vlan", "7", "--size", "100"}).value_or(0), 1000u);
  std::this_thread::sleep_for(100ms);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();

  const auto err = s.err();
  EXPECT_EQ(count_of(err, "waiting for it to come back"), 1u) << err;
  EXPECT_EQ(count_of(err, "is back"), 1u) << err;
  EXPECT_NE(err.find(vp.host_if()), std::string::npos);
  const auto st = s.stats();
  EXPECT_EQ(u64(st, "captured"), 2000u) << st.dump();
  EXPECT_EQ(u64(st, "interface_losses"), static_cast<std::uint64_t>(threads)) << "counted per socket";
  // What the old ring held was handed over or counted: the kernel's ledger is exact across the loss.
  EXPECT_EQ(u64(st, "kernel_packets"), u64(st, "captured") + u64(st, "kernel_drops")) << st.dump();
  EXPECT_NE(err.find("kernel       received"), std::string::npos) << err;
  EXPECT_EQ(err.find("DOES NOT ADD UP"), std::string::npos) << err;
  const auto [before, after] = untagged_and_tagged(s.flows());
  EXPECT_EQ(before, 1000u);
  EXPECT_EQ(after, 1000u) << "frames sent after the interface came back were not captured";
}
INSTANTIATE_TEST_SUITE_P(CaptureE2E, InterfaceRecreated, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& i) { return std::to_string(i.param) + "_threads"; });

// The link goes down and comes back up (the interface is not deleted): capture resumes and
// the loss is reported once.
TEST(CaptureE2E, InterfaceDownThenUpCaptureResumes) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ed");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000"}).value_or(0), 1000u);
  std::this_thread::sleep_for(300ms);

  ASSERT_EQ(std::system(("ip link set " + vp.host_if() + " down").c_str()), 0);
  EXPECT_TRUE(s.child().wait_for_err("waiting for it to come back", 10s)) << s.err();
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(std::system(("ip link set " + vp.host_if() + " up").c_str()), 0);
  EXPECT_TRUE(s.child().wait_for_err("is back", 10s)) << s.err();
  // The peer's carrier follows ours: give the link a moment before sending again.
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(s.gen({"--rate", "20000", "--count", "1000", "--vlan", "9", "--size", "100"}).value_or(0), 1000u);
  std::this_thread::sleep_for(100ms);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();

  const auto err = s.err();
  EXPECT_EQ(count_of(err, "waiting for it to come back"), 1u) << err;
  const auto st = s.stats();
  EXPECT_EQ(u64(st, "captured"), 2000u) << st.dump();
  EXPECT_EQ(u64(st, "interface_losses"), 1u);
  EXPECT_EQ(u64(st, "kernel_packets"), u64(st, "captured") + u64(st, "kernel_drops")) << st.dump();
  EXPECT_EQ(err.find("DOES NOT ADD UP"), std::string::npos) << err;
  EXPECT_EQ(untagged_and_tagged(s.flows()).second, 1000u) << "frames sent after the link came back up were not captured";
}

TEST(CaptureE2E, InterfaceLossWithExitFlagExitsOne) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ex");
  ASSERT_TRUE(vp.ok());
  CaptureSession s(vp, {"--exit-on-iface-loss", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  ASSERT_TRUE(vp.recreate());
  const auto rc = s.wait(10s);
  ASSERT_TRUE(rc.has_value()) << "riptide kept running after losing the interface: " << s.err();
  EXPECT_EQ(*rc, 1) << s.err();
  const auto err = s.err();
  EXPECT_EQ(count_of(err, "--exit-on-iface-loss"), 1u) << err;
  EXPECT_NE(err.find(vp.host_if()), std::string::npos) << err;
  EXPECT_EQ(err.find("waiting for it to come back"), std::string::npos) << err;
}

std::uint64_t tshark_count(const std::string& pcap) {
  const auto r = test::shell("tshark -n -r '" + pcap + "' -T fields -e frame.number 2>/dev/null | wc -l");
  unsigned long long n = ~0ull;
  if (std::sscanf(r.out.c_str(), "%llu", &n) != 1) n = ~0ull;
  return n;
}

// SIGINT (Ctrl-C) and SIGTERM (systemd, kill) in the middle of traffic: the same clean stop.
class StopSignal : public ::testing::TestWithParam<int> {};

TEST_P(StopSignal, DuringTrafficLeavesCompleteOutputs) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp(GetParam() == SIGTERM ? "e2et" : "e2eg");
  ASSERT_TRUE(vp.ok());
  TempDir tmp;
  const auto pcap = tmp.path("out.pcap");
  CaptureSession s(vp, {"-w", pcap, "udp"});
  ASSERT_TRUE(s.ready()) << s.err();

  Child gen(gen_argv(vp.netns(), vp.peer_if(), {"--rate", "100000", "--duration", "3", "--flows", "50"}),
            tmp.path("gen.out"), tmp.path("gen.err"));
  std::this_thread::sleep_for(1200ms);
  s.child().signal(GetParam());
  const auto rc = s.wait(30s);
  ASSERT_TRUE(rc.has_value()) << "riptide did not exit after signal " << GetParam();
  EXPECT_EQ(*rc, 0) << s.err();
  const auto grc = gen.wait(30s);
  EXPECT_EQ(grc.value_or(-1), 0) << gen.err();

  const auto err = s.err();
  EXPECT_NE(err.find("riptide report:"), std::string::npos) << err;
  EXPECT_NE(err.find("ledger"), std::string::npos) << err;
  const auto st = s.stats();
  const auto captured = u64(st, "captured");
  EXPECT_GT(captured, 50000u) << "about a second of 100 kpps should have been captured" << st.dump();
  EXPECT_LT(captured, gen_sent(gen.out()).value_or(0)) << "the signal came in the middle of the traffic";
  EXPECT_EQ(u64(st, "kernel_drops"), 0u);
  // Stopped mid-stream, the kernel's last part-filled block must still be read: the freeze
  // makes "kernel received = captured + kernel drops" exact.
  EXPECT_EQ(u64(st, "kernel_packets"), captured + u64(st, "kernel_drops")) << st.dump();
  EXPECT_EQ(err.find("DOES NOT ADD UP"), std::string::npos) << err;
  EXPECT_EQ(u64(st, "pcap_written"), captured);

  const auto f = s.flows();
  EXPECT_EQ(f.unparsable_lines, 0u) << "a flow line was cut";
  EXPECT_EQ(f.records, 50u);
  EXPECT_EQ(f.packets, captured);
  EXPECT_EQ(tshark_count(pcap), captured);
}

INSTANTIATE_TEST_SUITE_P(CaptureE2E, StopSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& i) { return std::string(i.param == SIGTERM ? "sigterm" : "sigint"); });

}  // namespace
}  // namespace riptide::e2e
