// Holes the engine-v2 work closed, as a user meets them on a live interface:
// - the host's own outgoing traffic is captured by default (tcpdump's -Q inout), and -Q in
//   leaves it out;
// - every backend stops on --duration while traffic keeps flowing (libpcap used not to);
// - capturing on an interface that is down says so at start;
// - the backend's own counters reach the stats JSON while the run goes on.
#include <gtest/gtest.h>

#include <thread>

#include "capture_e2e/e2e_session.hpp"
#include "support/shell.hpp"

namespace riptide::e2e {
namespace {

// Gives the pair addresses (host 10.213.0.1, peer 10.213.0.2 inside the test's namespace) so
// that an ordinary UDP socket on the host sends out of the captured interface.
bool address_pair(const test::VethPair& vp) {
  return test::sh("ip addr add 10.213.0.1/30 dev " + vp.host_if()) == 0 &&
         vp.exec_in_ns("ip addr add 10.213.0.2/30 dev " + vp.peer_if()) == 0;
}

// 2,000 datagrams from a plain socket of another process on the host, to the peer.
bool send_from_host(int n) {
  return test::sh("python3 -c \"import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                  "[s.sendto(b'x'*64, ('10.213.0.2', 9999)) for _ in range(" + std::to_string(n) + ")]\"") == 0;
}

std::uint64_t metered(const CaptureSession& s) { return s.flows().packets; }

TEST(Direction, HostOutgoingTrafficIsCapturedByDefaultAndLeftOutWithQIn) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2eq");
  ASSERT_TRUE(vp.ok());
  ASSERT_TRUE(address_pair(vp));
  for (const char* dir : {"", "inout", "in"}) {
    std::vector<std::string> args;
    if (*dir) args = {"-Q", dir};
    args.push_back("udp port 9999");
    CaptureSession s(vp, args);
    ASSERT_TRUE(s.ready()) << s.err();
    ASSERT_TRUE(send_from_host(2000));
    std::this_thread::sleep_for(200ms);
    const auto rc = s.stop();
    ASSERT_TRUE(rc.has_value());
    EXPECT_EQ(*rc, 0) << s.err();
    const std::uint64_t want = std::string(dir) == "in" ? 0 : 2000;
    EXPECT_EQ(metered(s), want) << "-Q '" << dir << "': " << s.err();
    EXPECT_EQ(u64(s.stats(), "captured"), want) << s.stats().dump();
  }
}

class StopsUnderTraffic : public ::testing::TestWithParam<const char*> {};

TEST_P(StopsUnderTraffic, DurationEndsTheRunWhileTrafficFlows) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const std::string backend = GetParam();
  test::VethPair vp(backend == "pcap" ? "e2edp" : "e2eda");
  ASSERT_TRUE(vp.ok());
  // Continuous traffic for longer than the run, started first.
  TempDir gd;
  Child gen(gen_argv(vp.netns(), vp.peer_if(), {"--rate", "50000", "--duration", "8", "--flows", "16"}),
            gd.path("gen.out"), gd.path("gen.err"));
  std::this_thread::sleep_for(300ms);
  CaptureSession s(vp, {"--backend", backend, "--duration", "2", "--stats-interval", "1", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto rc = s.wait(6s);  // --duration 2: a run still going at 6 s does not stop
  ASSERT_TRUE(rc.has_value()) << backend << " did not stop on --duration under traffic: " << s.err();
  EXPECT_EQ(*rc, 0) << s.err();
  const auto st = s.stats();
  EXPECT_GT(u64(st, "captured"), 10000u) << st.dump();
  EXPECT_EQ(st.value("ledger_balanced", false), true) << st.dump();
  EXPECT_EQ(s.err().find("DOES NOT ADD UP"), std::string::npos) << s.err();
  // Backend counters are in the JSON's registry view.
  bool polls = false;
  for (const auto& m : st["metrics"]) polls = polls || m.value("name", std::string()) == "source_polls";
  EXPECT_TRUE(polls) << st["metrics"].dump();
  if (backend == "afpacket") {
    EXPECT_NE(s.err().find("kernel       received"), std::string::npos) << "exact kernel line: " << s.err();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StopsUnderTraffic, ::testing::Values("afpacket", "pcap"),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

TEST(IfaceState, DownAtStartIsSaid) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2edn");
  ASSERT_TRUE(vp.ok());
  ASSERT_TRUE(vp.set_host_up(false));
  CaptureSession s(vp, {"udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_NE(s.err().find("is down"), std::string::npos) << s.err();
}

}  // namespace
}  // namespace riptide::e2e
