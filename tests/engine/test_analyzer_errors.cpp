// A throwing analyzer is counted, disabled after its error budget, and reported; the flow
// meter and the ledger are not affected.
#include <stdexcept>

#include "engine/engine_test_util.hpp"
#include "riptide/analyze/flow_meter_analyzer.hpp"

namespace riptide::test {
namespace {

class Thrower final : public Analyzer {
 public:
  explicit Thrower(std::atomic<std::uint64_t>& calls) : calls_(calls) {}
  std::string_view name() const noexcept override { return "thrower"; }
  void on_packet(const PacketMeta&, const PacketView&) override {
    calls_.fetch_add(1);
    throw std::runtime_error("deliberate test failure");
  }

 private:
  std::atomic<std::uint64_t>& calls_;
};

// Throws only from its timer and from an offloaded task's run().
class QuietThrower final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "timer-thrower"; }
  void on_start(AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    ctx.add_timer(std::chrono::seconds(1), TimeBase::packet, [](TimestampNs) { throw std::logic_error("timer"); });
  }
  void on_packet(const PacketMeta&, const PacketView&) override {
    if (++n_ == 1) {
      struct Bad final : OffloadTask {
        void run() override { throw std::runtime_error("task"); }
        void complete() override { ADD_FAILURE() << "complete() after run() threw"; }
      };
      ctx_->offload(std::make_unique<Bad>());
    }
  }

 private:
  AnalyzerContext* ctx_ = nullptr;
  std::uint64_t n_ = 0;
};

class ErrorTopo : public ::testing::TestWithParam<Topology> {};

TEST_P(ErrorTopo, ThrowingAnalyzerIsDisabledAndCaptureGoesOn) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 5000, 1'700'000'000'000'000'000, 1'000'000, 8);
  std::atomic<std::uint64_t> calls{0};
  FlowMeterConfig fc;
  auto flow = FlowMeterFactory::create(fc, "");
  ASSERT_TRUE(flow);
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("thrower", [&](std::size_t) { return std::make_unique<Thrower>(calls); }));
  v.push_back(std::move(*flow));
  auto c = file_config(d.file("in.pcap"), GetParam(), 2);
  c.analyzer_limits.max_errors = 10;
  const auto r = run_engine(c, std::move(v));

  const auto* t = find_analyzer(r, "thrower");
  ASSERT_NE(t, nullptr);
  const std::uint64_t threads = GetParam() == Topology::dispatch ? 2 : 1;
  // Each instance that saw packets threw for every packet it was given until it reached 10
  // errors, then was never called again: one error per throw. A throw skips only its packet,
  // so the instance is switched off at the end of the call that reached the budget (up to a
  // batch of 256 in the workers topology, exactly 10 where packets come one at a time).
  EXPECT_EQ(t->disabled, threads);
  EXPECT_EQ(t->errors, calls.load());
  EXPECT_GE(t->errors, 10 * threads);
  EXPECT_LE(t->errors, threads * (10 + PacketBatch::kCapacity));
  // The flow meter saw every packet and the ledger adds up.
  EXPECT_EQ(r.processed, 5000u);
  EXPECT_TRUE(r.ledger_balanced());
  EXPECT_EQ(counter(find_analyzer(r, "flow"), "flows_created"), 8u);
  const std::string text = format_report(r);
  EXPECT_NE(text.find("DISABLED"), std::string::npos) << text;
  EXPECT_NE(text.find("analyzer thrower threw"), std::string::npos) << text;
  EXPECT_NE(report_json(r).find("\"thrower\":{\"errors\":" + std::to_string(t->errors) + ",\"disabled\":" +
                                std::to_string(threads)),
            std::string::npos)
      << report_json(r);
}

TEST_P(ErrorTopo, TimerAndTaskExceptionsCountAsAnalyzerErrors) {
  TempDir d;
  // 10 s of packet time: the timer throws 9 times in one instance (1 flow: one worker).
  write_udp_pcap(d.file("in.pcap"), 100, 1'700'000'000'000'000'000 + 50'000'000, 100'000'000, 1);
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("timer-thrower", [](std::size_t) { return std::make_unique<QuietThrower>(); }));
  auto c = file_config(d.file("in.pcap"), GetParam(), 1);
  c.analyzer_limits.max_errors = 1000;
  const auto r = run_engine(c, std::move(v));
  const auto* t = find_analyzer(r, "timer-thrower");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->errors, 9u + 1u);  // 9 timer firings + 1 task
  EXPECT_EQ(t->disabled, 0u);
  EXPECT_EQ(r.offload_failed, 1u);
  EXPECT_EQ(r.processed, 100u);
}

INSTANTIATE_TEST_SUITE_P(Topologies, ErrorTopo, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
