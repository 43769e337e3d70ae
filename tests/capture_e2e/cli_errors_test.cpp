// (h) Bad input: exit status 2 and one clear line on stderr, never a crash or a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(CaptureCliErrors, MissingInterfaceOption) {
  const auto o = run_to_end({riptide_bin(), "capture", "--duration", "1"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("interface"), std::string::npos) << o.err;
}

TEST(CaptureCliErrors, InterfaceThatDoesNotExist) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const auto o = run_to_end({riptide_bin(), "capture", "-i", "rtnosuch0", "--duration", "1"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("rtnosuch0"), std::string::npos) << o.err;
}

TEST(CaptureCliErrors, UnknownFlag) {
  const auto o = run_to_end({riptide_bin(), "capture", "-i", "lo", "--no-such-flag"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("no-such-flag"), std::string::npos) << o.err;
}

TEST(CaptureCliErrors, NegativeRate) {
  const auto o = run_to_end({riptide_bin(), "capture", "-i", "lo", "--rate", "-5"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("--rate"), std::string::npos) << o.err;
}

TEST(CaptureCliErrors, BadFilterExpression) {
  RIPTIDE_E2E_NEEDS_ROOT();
  const auto o = run_to_end({riptide_bin(), "capture", "-i", "lo", "--duration", "1", "udp", "and", "and"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
}

TEST(CaptureCliErrors, NotRootIsAPermissionError) {
  RIPTIDE_E2E_NEEDS_ROOT();  // root is needed to become someone else
  const auto o = run_to_end({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", riptide_bin(), "capture", "-i",
                      "lo", "--duration", "1"});
  EXPECT_EQ(o.rc.value_or(-1), 2) << o.err;
  EXPECT_EQ(line_count(o.err), 1u) << o.err;
  const auto e = lower(o.err);
  EXPECT_TRUE(e.find("permission") != std::string::npos || e.find("cap_net_raw") != std::string::npos) << o.err;
  EXPECT_NE(o.err.find("lo"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace riptide::e2e
