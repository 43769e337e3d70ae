// A finished offloaded task wakes its owner thread out of its wait (the capture source's poll
// in `workers`, the worker's futex in `dispatch`): with no traffic at all, done() runs within
// milliseconds of work() returning instead of at the next tick (100 ms). Live, in a namespace.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine_test_util.hpp"
#include "riptide/core/clock.hpp"
#include "support/netns.hpp"

namespace riptide::test {
namespace {

using namespace std::chrono_literals;

struct WakeProbe {
  std::mutex mu;
  std::vector<std::int64_t> latency_ns;  // work() returned -> done() ran
  std::atomic<int> wrong_thread{0};
  std::atomic<int> after_stop{0};
};

// On its first timer, starts a chain of 6 tasks: each done() offloads the next.
class Chain final : public Analyzer {
 public:
  explicit Chain(WakeProbe& p) : p_(p) {}
  std::string_view name() const noexcept override { return "chain"; }
  void on_start(AnalyzerContext& ctx) override {
    ctx_ = &ctx;
    owner_ = std::this_thread::get_id();
    ctx.add_timer(200ms, TimeBase::wall, [this](TimestampNs) {
      if (!started_) {
        started_ = true;
        next();
      }
    });
  }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_stop() override { stopped_ = true; }

 private:
  void next() {
    if (left_-- == 0) return;
    ctx_->offload(
        [] {
          std::this_thread::sleep_for(10ms);
          return monotonic_ns();
        },
        [this](std::int64_t finished) {
          const std::int64_t lat = monotonic_ns() - finished;
          if (std::this_thread::get_id() != owner_) p_.wrong_thread.fetch_add(1);
          if (stopped_) p_.after_stop.fetch_add(1);
          {
            std::lock_guard lk(p_.mu);
            p_.latency_ns.push_back(lat);
          }
          next();
        });
  }
  WakeProbe& p_;
  AnalyzerContext* ctx_ = nullptr;
  std::thread::id owner_;
  bool started_ = false, stopped_ = false;
  int left_ = 6;
};

class OffloadWake : public ::testing::TestWithParam<Topology> {};

TEST_P(OffloadWake, ResultWakesTheIdleOwnerThread) {
  if (!have_net_admin()) GTEST_SKIP() << "needs root (network namespaces)";
  VethPair vp("ofwk");
  ASSERT_TRUE(vp.ok());
  WakeProbe probe;
  EngineConfig c;
  c.backend = Backend::afpacket;
  c.capture.iface = vp.host_if();
  c.topology = GetParam();
  if (c.topology == Topology::dispatch) c.dispatch.workers = 1;
  c.quiet = true;
  c.duration_s = 2.0;
  c.offload.threads = 1;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("chain", [&](std::size_t) { return std::make_unique<Chain>(probe); }));
  auto e = Engine::create(c, std::move(v));
  ASSERT_TRUE(e) << e.error().message;
  BackgroundRun run(**e);
  const auto& rep = run.join();
  ASSERT_TRUE(rep) << rep.error().message;

  std::vector<std::int64_t> lat;
  {
    std::lock_guard lk(probe.mu);
    lat = probe.latency_ns;
  }
  ASSERT_EQ(lat.size(), 6u);
  EXPECT_EQ(probe.wrong_thread.load(), 0);
  EXPECT_EQ(probe.after_stop.load(), 0);
  std::sort(lat.begin(), lat.end());
  // Waiting for the tick would give about 50 ms on average; a wake-up is well under 1 ms on
  // an idle machine. 20 ms leaves room for a loaded one.
  EXPECT_LT(lat[lat.size() / 2], 20'000'000) << "median wake latency " << lat[lat.size() / 2] / 1000 << " us";
}

INSTANTIATE_TEST_SUITE_P(Topologies, OffloadWake, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
