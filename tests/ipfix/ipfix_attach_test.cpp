// The exporter as one of the flow meter's sinks, on the flow output thread: every delivered
// record reaches the collector, the thread's tick sends a part-filled message without waiting
// for more records, finish() closes the exporter, and outputs() and output_counters() name it
// with its figures.
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
  auto f = FlowMeterFactory::create(FlowMeterConfig{}, std::move(sinks));
  ASSERT_TRUE(f) << f.error().message;
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 1; i <= 50; ++i) recs.push_back(ipfixtest::flow(i, i % 5 == 0));
  (*f)->deliver(recs.data(), 3);
  // Three records fill no message: only the output thread's tick (every 100 ms) sends them.
  ipfix::Decoder d;
  std::vector<FlowRecord> got;
  for (const auto& m : col.receive(3000)) ASSERT_TRUE(d.decode(m, got));
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
  std::vector<OutputCounter> cs;
  (*f)->output_counters(cs);
  bool saw_messages = false;
  for (const auto& oc : cs) {
    if (oc.output == "ipfix" && oc.name == "ipfix_records") {
      EXPECT_EQ(oc.value, recs.size());
    }
    saw_messages |= oc.output == "ipfix" && oc.name == "ipfix_messages" && oc.value >= 2;
  }
  EXPECT_TRUE(saw_messages);
}

}  // namespace
}  // namespace riptide
