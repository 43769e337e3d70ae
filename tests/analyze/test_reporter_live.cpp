// The merged reporter live with two packet threads: one summary per period in all, not one
// per thread (before merging: 22 frames in 5 s at a 0.5 s period with --threads 2).
#include <gtest/gtest.h>

#include <chrono>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/reporter.hpp"
#include "support/netns.hpp"
#include "support/sender.hpp"

namespace riptide::test {
namespace {

using namespace std::chrono_literals;

class ReporterLive : public ::testing::TestWithParam<Topology> {};

TEST_P(ReporterLive, TwoThreadsSendOneSummaryPerPeriod) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp("rplv");
  ASSERT_TRUE(vp.ok());
  ReporterConfig rc;
  rc.period = 250ms;
  auto f = ReporterFactory::create(rc);
  ASSERT_TRUE(f) << f.error().message;

  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.capture.expected_pps = 10'000;
  c.topology = GetParam();
  if (c.topology == Topology::workers)
    c.capture_threads = 2;
  else
    c.dispatch.workers = 2;
  c.quiet = true;
  c.duration_s = 2.0;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::move(*f));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  BackgroundRun run(**e);
  UdpFrameSpec spec;
  spec.frame_bytes = 100;
  const auto sent = send_in_netns(vp.netns(), vp.peer_if(), {build_udp_frame(spec)}, 1500, 1000);
  const auto& rep = run.join();
  ASSERT_TRUE(sent.ok()) << sent.error;
  ASSERT_TRUE(rep) << rep.error().message;
  // 2 s / 250 ms = 8 periods (the first may be missed by the timer's start), plus the final:
  // per-thread frames would be about twice as many.
  EXPECT_GE(rep->tx_sent, 7u);
  EXPECT_LE(rep->tx_sent, 10u);
  EXPECT_EQ(rep->tx_refused, 0u);
}

INSTANTIATE_TEST_SUITE_P(Topologies, ReporterLive, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
