// --analyzer-opt in the engine: each setting reaches the factory that declared its key, typed,
// before any instance is made; an unknown analyzer, an unknown key or a bad value stops
// Engine::create (before capture) with one line naming the setting.
#include <gtest/gtest.h>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

using namespace std::chrono_literals;

struct Seen {
  int configured = 0;
  bool configured_before_create = false;
  std::uint64_t count = 0;
  std::chrono::nanoseconds every{};
  std::string label;
  bool label_set = false;
  int created = 0;
};

class Counting final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "opt-probe"; }
  void on_packet(const PacketMeta&, const PacketView&) override {}
};

class OptFactory final : public AnalyzerFactory {
 public:
  explicit OptFactory(Seen& s) : s_(s) {}
  std::string_view name() const noexcept override { return "opt-probe"; }
  std::vector<OptionSpec> options() const override {
    return {{"count", OptionType::uint, "1", "how many"},
            {"every", OptionType::duration, "1s", "how often"},
            {"label", OptionType::string, "none", "a name"}};
  }
  Result<void> configure(const OptionValues& v) override {
    ++s_.configured;
    s_.configured_before_create = s_.created == 0;
    if (v.get_uint("count") == 13) return make_error(Errc::invalid_argument, "count 13 is unlucky");
    s_.count = v.get_uint("count");
    s_.every = v.get_duration("every");
    s_.label = v.get_string("label");
    s_.label_set = v.is_set("label");
    return {};
  }
  std::unique_ptr<Analyzer> create(std::size_t) override {
    ++s_.created;
    return std::make_unique<Counting>();
  }

 private:
  Seen& s_;
};

class AnalyzerOptEngine : public ::testing::Test {
 protected:
  void SetUp() override { write_udp_pcap(pcap_, 20, 1'000'000'000, 1'000'000); }
  Result<std::unique_ptr<Engine>> make(std::vector<OptionSetting> settings, Seen& seen) {
    auto c = file_config(pcap_);
    c.analyzer_options = std::move(settings);
    std::vector<std::unique_ptr<AnalyzerFactory>> v;
    v.push_back(std::make_unique<OptFactory>(seen));
    return Engine::create(c, std::move(v));
  }
  TempDir dir_;
  std::string pcap_ = dir_.file("in.pcap");
};

TEST_F(AnalyzerOptEngine, SettingsReachTheFactoryTypedBeforeInstancesExist) {
  Seen seen;
  auto e = make({{"opt-probe", "count", "4", "--analyzer-opt"},
                 {"opt-probe", "every", "250ms", "cfg.yaml:3"},
                 {"opt-probe", "count", "5", "--analyzer-opt"}},
                seen);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(seen.configured, 1);
  EXPECT_TRUE(seen.configured_before_create);
  EXPECT_EQ(seen.count, 5u);  // the last setting of a key wins
  EXPECT_EQ(seen.every, 250ms);
  EXPECT_EQ(seen.label, "none");
  EXPECT_FALSE(seen.label_set);
  auto r = (*e)->run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(seen.created, 1);
}

TEST_F(AnalyzerOptEngine, DefaultsWithoutSettings) {
  Seen seen;
  auto e = make({}, seen);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(seen.configured, 1);
  EXPECT_EQ(seen.count, 1u);
  EXPECT_EQ(seen.every, 1s);
}

TEST_F(AnalyzerOptEngine, RefusesUnknownAnalyzerKeyAndValueBeforeCreating) {
  struct Case {
    OptionSetting s;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"nobody", "count", "1", "--analyzer-opt"},
       "analyzer option nobody.count=1 (--analyzer-opt): no analyzer named 'nobody' runs (running: opt-probe)"},
      {{"opt-probe", "cuont", "1", "cfg.yaml:9"},
       "analyzer option opt-probe.cuont=1 (cfg.yaml:9): unknown key (opt-probe takes: count, every, label)"},
      {{"opt-probe", "every", "soon", "--analyzer-opt"},
       "analyzer option opt-probe.every=soon (--analyzer-opt): expected a duration such as 500ms or 2s"},
      {{"opt-probe", "count", "13", "--analyzer-opt"}, "opt-probe: count 13 is unlucky"},
  };
  for (const auto& c : cases) {
    Seen seen;
    auto e = make({c.s}, seen);
    ASSERT_FALSE(e) << c.s.key;
    EXPECT_EQ(e.error().message, c.message);
    EXPECT_EQ(e.error().code, Errc::invalid_argument);
    EXPECT_EQ(seen.created, 0);
  }
}

}  // namespace
}  // namespace riptide::test
