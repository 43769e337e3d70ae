// The exporter attached to the flow meter (FlowMeterFactory's extra sinks, until the flow
// output thread takes them): every delivered record reaches the collector, finish() closes
// the exporter, and outputs() names it with its figures.
#include <gtest/gtest.h>

#include "ipfix_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"

namespace riptide {
namespace {

TEST(IpfixAttach, FlowMeterFactoryFeedsTicksAndClosesTheExporter) {
  ipfixtest::Collector col;
  IpfixConfig c;
  c.collector = col.address();
  auto x = IpfixExporter::create(c);
  ASSERT_TRUE(x) << x.error().message;
  std::vector<std::unique_ptr<FlowRecordSink>> sinks;
  sinks.push_back(std::move(*x));
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, "", std::move(sinks));
  ASSERT_TRUE(f) << f.error().message;
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 1; i <= 50; ++i) recs.push_back(ipfixtest::flow(i, i % 5 == 0));
  (*f)->deliver(recs.data(), 3);
  (*f)->tick_sinks(realtime_ns());  // the partial message leaves
  ipfix::Decoder d;
  std::vector<FlowRecord> got;
  for (const auto& m : col.receive()) ASSERT_TRUE(d.decode(m, got));
  EXPECT_EQ(got.size(), 3u);
  (*f)->deliver(recs.data() + 3, recs.size() - 3);
  (*f)->finish();
  for (const auto& m : col.receive()) ASSERT_TRUE(d.decode(m, got));
  ASSERT_EQ(got.size(), recs.size());
  EXPECT_EQ(d.sequence_failures(), 0u);
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].analyzer, "flow");
  EXPECT_EQ(outs[0].name, "ipfix");
  EXPECT_EQ(outs[0].target, "udp:" + col.address());
  EXPECT_EQ(outs[0].written, recs.size());
  EXPECT_EQ(outs[0].dropped, 0u);
  EXPECT_EQ(outs[0].error, "");
}

}  // namespace
}  // namespace riptide
