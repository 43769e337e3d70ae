// (a)(b) Every frame the generator sent is captured, counted and metered into exactly one
// flow record, in each topology: one socket, a fanout group, and dispatch to workers.
#include <gtest/gtest.h>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

struct Topo {
  const char* name;
  const char* prefix;
  std::vector<std::string> args;
};

class ExactCount : public ::testing::TestWithParam<Topo> {};

TEST_P(ExactCount, AllFramesCapturedAndMeteredOnce) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const auto& p = GetParam();
  test::VethPair vp(p.prefix);
  ASSERT_TRUE(vp.ok());
  auto extra = p.args;
  extra.push_back("udp");  // only the generator's frames count
  CaptureSession s(vp, extra);
  ASSERT_TRUE(s.ready()) << s.err();

  const auto sent = s.gen({"--rate", "100000", "--count", "200000", "--flows", "100"});
  ASSERT_EQ(sent.value_or(0), 200000u);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value()) << "riptide did not exit after SIGINT";
  EXPECT_EQ(*rc, 0) << s.err();

  const auto st = s.stats();
  EXPECT_EQ(u64(st, "captured"), 200000u) << st.dump();
  EXPECT_EQ(u64(st, "processed"), 200000u);
  EXPECT_EQ(u64(st, "kernel_packets"), 200000u);
  EXPECT_EQ(u64(st, "kernel_drops"), 0u);
  EXPECT_EQ(u64(st, "worker_queue_drops"), 0u);
  EXPECT_EQ(st.value("ledger_balanced", false), true);
  EXPECT_NE(s.err().find("no packet was lost at any stage"), std::string::npos) << s.err();

  const auto f = s.flows();
  EXPECT_EQ(f.unparsable_lines, 0u);
  EXPECT_EQ(f.records, 100u);
  EXPECT_EQ(f.distinct_tuples, 100u) << "a flow was split over two records";
  EXPECT_EQ(f.packets, 200000u);
  for (const auto& r : f.flows) {
    EXPECT_EQ(r["flow"].value("pkts_toserver", 0u) + r["flow"].value("pkts_toclient", 0u), 2000u) << r.dump();
    EXPECT_EQ(r["flow"].value("reason", std::string()), "shutdown");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Topologies, ExactCount,
    ::testing::Values(Topo{"one_socket", "e2ea", {}}, Topo{"fanout_hash_2", "e2eb", {"--threads", "2", "--fanout", "hash"}},
                      Topo{"dispatch_2", "e2ec", {"--topology", "dispatch", "--workers", "2"}}),
    [](const ::testing::TestParamInfo<Topo>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace riptide::e2e
