// Offloaded tasks through the engine: every result arrives before on_stop, complete() runs on
// the packet thread that submitted the task, and a full queue refuses (counted).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

struct OffloadProbe {
  std::atomic<std::uint64_t> accepted{0}, refused{0}, completed{0}, wrong_thread{0}, ran_on_packet_thread{0};
  std::atomic<std::uint64_t> missing_at_stop{0};
  std::atomic<std::uint64_t> expected{0};  // tasks the instances were due to submit
};

class SumTask final : public OffloadTask {
 public:
  SumTask(OffloadProbe& p, std::thread::id owner, std::uint64_t& done_counter, int sleep_ms)
      : p_(p), owner_(owner), done_(done_counter), sleep_ms_(sleep_ms) {}
  void run() override {
    if (std::this_thread::get_id() == owner_) p_.ran_on_packet_thread.fetch_add(1);
    if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    for (int i = 0; i < 1000; ++i) sum_ += static_cast<std::uint64_t>(i);
  }
  void complete() override {
    if (std::this_thread::get_id() != owner_ || sum_ != 499500) p_.wrong_thread.fetch_add(1);
    ++done_;  // analyzer state, touched without a lock: this is the analyzer's thread
    p_.completed.fetch_add(1);
  }

 private:
  OffloadProbe& p_;
  std::thread::id owner_;
  std::uint64_t& done_;
  int sleep_ms_;
  std::uint64_t sum_ = 0;
};

class Offloader final : public Analyzer {
 public:
  Offloader(OffloadProbe& p, std::uint64_t every, std::uint64_t max_tasks, int sleep_ms)
      : p_(p), every_(every), max_(max_tasks), sleep_ms_(sleep_ms) {}
  std::string_view name() const noexcept override { return "offloader"; }
  void on_start(AnalyzerContext& ctx) override { ctx_ = &ctx; }
  void on_packet(const PacketMeta&, const PacketView&) override {
    if (++seen_ % every_ != 0 || submitted_ >= max_) return;
    ++submitted_;
    if (ctx_->offload(std::make_unique<SumTask>(p_, std::this_thread::get_id(), done_, sleep_ms_))) {
      ++accepted_;
      p_.accepted.fetch_add(1);
    } else {
      p_.refused.fetch_add(1);
    }
  }
  void on_stop() override {
    p_.expected.fetch_add(std::min(seen_ / every_, max_));
    if (done_ != accepted_) p_.missing_at_stop.fetch_add(accepted_ - done_);
  }

 private:
  OffloadProbe& p_;
  AnalyzerContext* ctx_ = nullptr;
  std::uint64_t every_, max_, seen_ = 0, submitted_ = 0, accepted_ = 0, done_ = 0;
  int sleep_ms_;
};

std::vector<std::unique_ptr<AnalyzerFactory>> offloader(OffloadProbe& p, std::uint64_t every, std::uint64_t max,
                                                        int sleep_ms) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>(
      "offloader", [&p, every, max, sleep_ms](std::size_t) { return std::make_unique<Offloader>(p, every, max, sleep_ms); }));
  return v;
}

class OffloadTopo : public ::testing::TestWithParam<Topology> {};

TEST_P(OffloadTopo, AllResultsArriveOnTheOwningThreadBeforeStop) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 3000, 1'700'000'000'000'000'000, 1'000'000, 16);
  OffloadProbe p;
  auto c = file_config(d.file("in.pcap"), GetParam(), 2);
  c.offload.threads = 2;
  c.offload.queue_capacity = 4096;  // nothing refused: every task must come back
  const auto r = run_engine(c, offloader(p, 10, ~0ull, 0));
  // Each instance offloads every 10th of its own packets: 300 in one thread, about 300 in two.
  EXPECT_GE(p.expected.load(), 298u);
  EXPECT_EQ(p.accepted.load(), p.expected.load());
  EXPECT_EQ(p.refused.load(), 0u);
  EXPECT_EQ(p.completed.load(), p.expected.load());
  EXPECT_EQ(p.wrong_thread.load(), 0u);
  EXPECT_EQ(p.ran_on_packet_thread.load(), 0u);
  EXPECT_EQ(p.missing_at_stop.load(), 0u);
  EXPECT_EQ(r.offload_submitted, p.expected.load());
  EXPECT_EQ(r.offload_completed, p.expected.load());
  EXPECT_EQ(r.offload_refused, 0u);
  EXPECT_GT(r.offload_max_latency_ns, 0);
  EXPECT_TRUE(r.ledger_balanced());
  EXPECT_EQ(r.processed, 3000u);
}

TEST_P(OffloadTopo, SlowTasksWaitedForAtStop) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 200, 1'700'000'000'000'000'000, 1'000'000);
  OffloadProbe p;
  auto c = file_config(d.file("in.pcap"), GetParam(), 1);
  c.offload.threads = 1;
  c.offload.queue_capacity = 64;
  // 5 tasks of 40 ms each: the file is read long before they finish.
  const auto r = run_engine(c, offloader(p, 40, 5, 40));
  EXPECT_EQ(p.accepted.load(), 5u);
  EXPECT_EQ(p.completed.load(), 5u);
  EXPECT_EQ(p.missing_at_stop.load(), 0u);
  EXPECT_EQ(r.offload_completed, 5u);
  EXPECT_GE(r.offload_max_latency_ns, 40'000'000);
}

TEST_P(OffloadTopo, FullQueueRefusesAndCounts) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 100, 1'700'000'000'000'000'000, 1'000'000);
  OffloadProbe p;
  auto c = file_config(d.file("in.pcap"), GetParam(), 1);
  c.offload.threads = 1;
  c.offload.queue_capacity = 2;
  // 50 tasks of 20 ms submitted back to back: one runs, two wait, the rest are refused.
  const auto r = run_engine(c, offloader(p, 1, 50, 20));
  EXPECT_GE(p.accepted.load(), 2u);
  EXPECT_LE(p.accepted.load(), 4u);
  EXPECT_EQ(p.accepted.load() + p.refused.load(), 50u);
  EXPECT_EQ(r.offload_refused, p.refused.load());
  EXPECT_EQ(r.offload_completed, p.accepted.load());
  EXPECT_EQ(p.missing_at_stop.load(), 0u);
  EXPECT_NE(format_report(r).find("offload_refused"), std::string::npos);
}

TEST(Offload, NoThreadsRefusesEverything) {
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 100, 1'700'000'000'000'000'000, 1'000'000);
  OffloadProbe p;
  auto c = file_config(d.file("in.pcap"));
  c.offload.threads = 0;
  const auto r = run_engine(c, offloader(p, 10, ~0ull, 0));
  EXPECT_EQ(p.accepted.load(), 0u);
  EXPECT_EQ(p.refused.load(), 10u);
  EXPECT_EQ(r.offload_refused, 10u);
}

INSTANTIATE_TEST_SUITE_P(Topologies, OffloadTopo, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
