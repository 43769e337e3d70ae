// The metrics registry: groups are read together and in order, totals sum over labels and
// refuse to invent a value, and the Prometheus text has one HELP/TYPE pair per family.
#include "riptide/core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace riptide {
namespace {

TEST(Metrics, TotalsSumOverLabelsAndUnknownStaysUnknown) {
  MetricsRegistry reg;
  std::atomic<std::uint64_t> a{3}, b{4};
  reg.add({"captured", "packets", MetricType::counter, {{"thread", "0"}}, {}, DropKind::none},
          [&]() -> MetricValue { return a.load(); });
  reg.add({"captured", "packets", MetricType::counter, {{"thread", "1"}}, {}, DropKind::none},
          [&]() -> MetricValue { return b.load(); });
  reg.add({"tx_sent", "frames", MetricType::counter, {}, {}, DropKind::none}, []() -> MetricValue { return std::nullopt; });
  auto s = reg.snapshot();
  EXPECT_EQ(s.total("captured"), 7u);
  EXPECT_EQ(s.get("captured", "thread", "1"), 4u);
  EXPECT_FALSE(s.total("tx_sent").has_value());
  EXPECT_FALSE(s.total("nothing").has_value());
  EXPECT_TRUE(s.has("tx_sent"));
  b = 10;
  EXPECT_EQ(reg.snapshot().total("captured"), 13u);  // read afresh at every snapshot
}

TEST(Metrics, GroupsAreReadInRegistrationOrder) {
  MetricsRegistry reg;
  std::vector<int> order;
  reg.add_group({{"x", "x", MetricType::gauge, {}, {}, DropKind::none}}, [&](std::span<MetricValue> v) {
    order.push_back(1);
    v[0] = 1;
  });
  reg.add_group({{"y", "y", MetricType::gauge, {}, {}, DropKind::none}, {"z", "z", MetricType::gauge, {}, {}, DropKind::none}},
                [&](std::span<MetricValue> v) {
                  order.push_back(2);
                  ASSERT_EQ(v.size(), 2u);
                  v[0] = 2;
                  v[1] = 3;
                });
  auto s = reg.snapshot();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  ASSERT_EQ(s.samples.size(), 3u);
  EXPECT_EQ(s.samples[2].desc.name, "z");
  EXPECT_EQ(s.samples[2].value, 3u);
}

TEST(Metrics, PrometheusTextFamiliesAndEscaping) {
  MetricsRegistry reg;
  reg.add({"kernel_drops", "ring full", MetricType::counter, {{"thread", "0"}}, "raise --ring-ms", DropKind::packets},
          []() -> MetricValue { return 5; });
  reg.add({"in_flight", "queued", MetricType::gauge, {}, {}, DropKind::none}, []() -> MetricValue { return 2; });
  reg.add({"kernel_drops", "ring full", MetricType::counter, {{"thread", "1\"x"}}, "raise --ring-ms", DropKind::packets},
          []() -> MetricValue { return 6; });
  reg.add({"tx_sent", "frames", MetricType::counter, {}, {}, DropKind::none}, []() -> MetricValue { return std::nullopt; });
  const std::string t = prometheus_text(reg.snapshot());
  // One family, both samples together although registered apart; the gauge has no _total.
  const auto help = t.find("# HELP riptide_kernel_drops_total ring full (if not zero: raise --ring-ms)\n");
  ASSERT_NE(help, std::string::npos) << t;
  EXPECT_NE(t.find("# TYPE riptide_kernel_drops_total counter\n"
                   "riptide_kernel_drops_total{thread=\"0\"} 5\n"
                   "riptide_kernel_drops_total{thread=\"1\\\"x\"} 6\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("# TYPE riptide_in_flight gauge\nriptide_in_flight 2\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("\nriptide_tx_sent_total "), std::string::npos) << "an unknown value is left out, not 0: " << t;
  EXPECT_EQ(t.find("# HELP riptide_kernel_drops_total", help + 1), std::string::npos) << "one HELP per family";
}

}  // namespace
}  // namespace riptide
