// The block timeout of a live capture follows the analyzers: the longest delay every one of
// them accepts (AnalyzerFactory::max_packet_delay), within what --block-timeout allows.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "riptide/engine/engine.hpp"

namespace riptide {
namespace {

using std::chrono::milliseconds;

class DelayFactory final : public AnalyzerFactory {
 public:
  DelayFactory(std::string name, milliseconds delay) : name_(std::move(name)), delay_(delay) {}
  std::string_view name() const noexcept override { return name_; }
  std::unique_ptr<Analyzer> create(std::size_t) override { return nullptr; }
  milliseconds max_packet_delay() const noexcept override { return delay_; }

 private:
  std::string name_;
  milliseconds delay_;
};

// A factory that does not say: the API's default applies.
class SilentFactory final : public AnalyzerFactory {
 public:
  std::string_view name() const noexcept override { return "mine"; }
  std::unique_ptr<Analyzer> create(std::size_t) override { return nullptr; }
};

std::vector<std::unique_ptr<AnalyzerFactory>> factories(std::vector<std::pair<std::string, int>> spec) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  for (auto& [name, ms] : spec) v.push_back(std::make_unique<DelayFactory>(name, milliseconds(ms)));
  return v;
}

TEST(BlockTimeout, TheMostDemandingAnalyzerDecidesAndIsNamed) {
  const auto c = choose_block_timeout(factories({{"flow", 50}, {"reporter", 10}, {"hh", 20}}));
  EXPECT_EQ(c.ms, 10u);
  EXPECT_NE(c.why.find("set by reporter"), std::string::npos) << c.why;
  EXPECT_EQ(c.why.find("flow"), std::string::npos) << c.why;
}

TEST(BlockTimeout, EveryAnalyzerAtTheMinimumIsNamed) {
  const auto c = choose_block_timeout(factories({{"flow", 50}, {"hh", 50}}));
  EXPECT_EQ(c.ms, 50u);
  EXPECT_NE(c.why.find("set by flow, hh"), std::string::npos) << c.why;
}

TEST(BlockTimeout, AnAnalyzerThatDoesNotSayGetsTheDefault) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v = factories({{"flow", 50}});
  v.push_back(std::make_unique<SilentFactory>());
  const auto c = choose_block_timeout(v);
  EXPECT_EQ(c.ms, static_cast<std::uint32_t>(AnalyzerFactory::kDefaultMaxPacketDelay.count()));
  EXPECT_NE(c.why.find("set by mine"), std::string::npos) << c.why;
}

TEST(BlockTimeout, NoAnalyzerMeansTheDefault) {
  const auto c = choose_block_timeout({});
  EXPECT_EQ(c.ms, 10u);
  EXPECT_NE(c.why.find("no analyzer"), std::string::npos) << c.why;
}

TEST(BlockTimeout, ClampedToWhatTheKernelOptionAccepts) {
  EXPECT_EQ(choose_block_timeout(factories({{"eager", 0}})).ms, 1u);
  EXPECT_EQ(choose_block_timeout(factories({{"eager", -5}})).ms, 1u);
  EXPECT_EQ(choose_block_timeout(factories({{"lazy", 60000}})).ms, 1000u);
}

}  // namespace
}  // namespace riptide
