// A live capture says at start how late packets may reach its analyzers, and that figure is
// the block timeout chosen from them: 50 ms for the flow meter alone, 10 ms as soon as an
// analyzer that answers packets runs (the reporter), the user's --block-timeout when given.
// The run still captures every frame with the longer timeout.
#include <gtest/gtest.h>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

struct Case {
  const char* name;
  const char* prefix;
  std::vector<std::string> args;
  const char* expect;
};

class BlockTimeoutBanner : public ::testing::TestWithParam<Case> {};

TEST_P(BlockTimeoutBanner, AnnouncedAndCaptureComplete) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const auto& p = GetParam();
  test::VethPair vp(p.prefix);
  ASSERT_TRUE(vp.ok());
  auto extra = p.args;
  extra.push_back("udp");  // the filter; a case ending in --analyzer puts an option after it, or it would take "udp"
  CaptureSession s(vp, extra);
  ASSERT_TRUE(s.ready()) << s.err();
  ASSERT_TRUE(s.child().wait_for_err("ms late", 5s)) << s.err();
  EXPECT_NE(s.err().find(p.expect), std::string::npos) << s.err();

  const auto sent = s.gen({"--rate", "20000", "--count", "20000", "--flows", "10"});
  ASSERT_EQ(sent.value_or(0), 20000u);
  const auto rc = s.stop();
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << s.err();
  EXPECT_EQ(u64(s.stats(), "processed"), 20000u) << s.stats().dump();
}

INSTANTIATE_TEST_SUITE_P(
    Analyzers, BlockTimeoutBanner,
    ::testing::Values(
        Case{"flow_meter_alone", "e2bt1", {}, "at most 50 ms late (block timeout: the longest that every analyzer accepts, set by flow)"},
        Case{"with_reporter", "e2bt2", {"--analyzer", "reporter", "--ring-ms", "250"}, "at most 10 ms late (block timeout: the longest that every analyzer accepts, set by reporter)"},
        Case{"user_choice", "e2bt3", {"--block-timeout", "30"}, "at most 30 ms late (block timeout: set by --block-timeout)"}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace riptide::e2e
