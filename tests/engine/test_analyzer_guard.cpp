// The analyzer runtime's guards: a throw costs an analyzer only the packet that threw and is
// counted as missed; a factory's create() and finish() cannot take the process down; a slow
// call is visible to a watchdog, and time per analyzer is accounted.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../src/engine/analyzer_set.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/file/capture_file.hpp"

namespace riptide::test {
namespace {

using engine::AnalyzerSet;

const std::string kExample = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";  // 4,631 packets

// Feeds every packet of `path` through `set` in batches, as the capture loop does.
std::uint64_t run_file(AnalyzerSet& set, const std::string& path) {
  auto f = open_capture_file(path);
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  if (!f) return 0;
  PacketBatch batch;
  std::vector<PacketMeta> metas(PacketBatch::kCapacity);
  DecodeStats ds;
  std::uint64_t total = 0;
  set.start();
  for (;;) {
    batch.clear();
    auto st = (*f)->next(batch, std::chrono::milliseconds(0));
    if (!st) ADD_FAILURE() << st.error().message;
    if (!st || batch.empty()) {
      if (!st || *st == PollStatus::end_of_input) break;
      continue;
    }
    decode_batch(batch.begin(), metas.data(), batch.size(), ds);
    set.packets(std::span<const PacketMeta>(metas.data(), batch.size()),
                std::span<const PacketView>(batch.begin(), batch.size()));
    set.batch_end(batch[batch.size() - 1].ts_ns);
    total += batch.size();
  }
  set.stop();
  return total;
}

// Throws on the packets whose 0-based ordinal is listed, counts the others.
class PickyAnalyzer final : public Analyzer {
 public:
  PickyAnalyzer(std::vector<std::uint64_t> bad, std::uint64_t& seen) : bad_(std::move(bad)), seen_(seen) {}
  std::string_view name() const noexcept override { return "picky"; }
  void on_packet(const PacketMeta&, const PacketView&) override {
    const std::uint64_t k = n_++;
    for (auto b : bad_)
      if (b == k) throw std::runtime_error("packet " + std::to_string(k));
    ++seen_;
  }

 private:
  std::vector<std::uint64_t> bad_;
  std::uint64_t& seen_;
  std::uint64_t n_ = 0;
};

TEST(AnalyzerGuard, AThrowSkipsOnlyThatPacketAndIsCountedAsMissed) {
  std::uint64_t seen = 0;
  AnalyzerSet set(0, 1, false, AnalyzerLimits{});
  set.add(std::make_unique<PickyAnalyzer>(std::vector<std::uint64_t>{10, 500, 1000, 3000}, seen), "picky");
  const auto total = run_file(set, kExample);
  ASSERT_EQ(total, 4631u);
  EXPECT_EQ(seen, 4627u) << "packets after a throw in the same batch never reached the analyzer";
  const auto& s = *set.slots()[0];
  EXPECT_EQ(s.errors.load(), 4u);
  EXPECT_EQ(s.packets_missed.load(), 4u);
  EXPECT_EQ(s.packets.load(), 4631u);
  EXPECT_FALSE(s.disabled.load());
}

// Overrides on_packets and throws in the middle: nobody can know how far it got, so the
// whole call counts as missed.
class BatchThrower final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "batch"; }
  void on_packet(const PacketMeta&, const PacketView&) override {}
  void on_packets(std::span<const PacketMeta> m, std::span<const PacketView>) override {
    if (calls_++ == 1) throw std::runtime_error("mid-batch");
    seen += m.size();
  }
  std::uint64_t seen = 0;

 private:
  std::uint64_t calls_ = 0;
};

TEST(AnalyzerGuard, AnOverrideThatThrowsMissesItsWholeCall) {
  AnalyzerSet set(0, 1, false, AnalyzerLimits{});
  auto a = std::make_unique<BatchThrower>();
  BatchThrower* raw = a.get();
  set.add(std::move(a), "batch");
  const auto total = run_file(set, kExample);
  const auto& s = *set.slots()[0];
  EXPECT_EQ(s.errors.load(), 1u);
  EXPECT_EQ(s.packets_missed.load(), PacketBatch::kCapacity) << "the second batch is full";
  EXPECT_EQ(raw->seen + s.packets_missed.load(), total);
}

TEST(AnalyzerGuard, ADisabledAnalyzerMissesEveryLaterPacket) {
  std::uint64_t seen = 0;
  AnalyzerLimits lim;
  lim.max_errors = 3;
  AnalyzerSet set(0, 1, false, lim);
  set.add(std::make_unique<PickyAnalyzer>(std::vector<std::uint64_t>{0, 1, 2}, seen), "picky");
  const auto total = run_file(set, kExample);
  const auto& s = *set.slots()[0];
  EXPECT_TRUE(s.disabled.load());
  EXPECT_EQ(seen + s.packets_missed.load(), total);
  EXPECT_GT(s.packets_missed.load(), 3u);
}

TEST(AnalyzerGuard, PerPacketPathCountsMissedToo) {
  std::uint64_t seen = 0;
  AnalyzerSet set(0, 1, false, AnalyzerLimits{});
  set.add(std::make_unique<PickyAnalyzer>(std::vector<std::uint64_t>{1}, seen), "picky");
  set.start();
  PacketMeta m{};
  PacketView v{};
  for (int i = 0; i < 5; ++i) set.packet(m, v);
  set.stop();
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(set.slots()[0]->packets_missed.load(), 1u);
  EXPECT_EQ(set.slots()[0]->packets.load(), 5u);
}

class TestFactory final : public AnalyzerFactory {
 public:
  enum class Mode { ok, throws, null };
  explicit TestFactory(Mode m, bool finish_throws = false) : mode_(m), finish_throws_(finish_throws) {}
  std::string_view name() const noexcept override { return "x"; }
  std::unique_ptr<Analyzer> create(std::size_t) override {
    if (mode_ == Mode::throws) throw std::runtime_error("no licence");
    if (mode_ == Mode::null) return nullptr;
    return std::make_unique<BatchThrower>();
  }
  void finish() override {
    if (finish_throws_) throw std::runtime_error("flush failed");
  }

 private:
  Mode mode_;
  bool finish_throws_;
};

TEST(AnalyzerGuard, CreateThatThrowsOrReturnsNullIsRefusedByName) {
  AnalyzerSet set(0, 1, false, AnalyzerLimits{});
  TestFactory t(TestFactory::Mode::throws), n(TestFactory::Mode::null), ok(TestFactory::Mode::ok);
  auto r1 = set.add(t);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().message, "analyzer 'x': create() failed: no licence");
  auto r2 = set.add(n);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().message, "analyzer 'x': create() returned no analyzer");
  EXPECT_TRUE(set.slots().empty());
  EXPECT_TRUE(set.add(ok));
  ASSERT_EQ(set.slots().size(), 1u);
  EXPECT_EQ(set.slots()[0]->name, "x");
}

TEST(AnalyzerGuard, FinishFailuresComeBackAsLines) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<TestFactory>(TestFactory::Mode::ok, true));
  v.push_back(std::make_unique<TestFactory>(TestFactory::Mode::ok, false));
  v.push_back(nullptr);
  const auto errs = engine::finish_factories(v);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0], "analyzer 'x': finish() failed: flush failed");
}

class Sleeper final : public Analyzer {
 public:
  explicit Sleeper(std::chrono::milliseconds d) : d_(d) {}
  std::string_view name() const noexcept override { return "sleepy"; }
  void on_packet(const PacketMeta&, const PacketView&) override { std::this_thread::sleep_for(d_); }

 private:
  std::chrono::milliseconds d_;
};

TEST(AnalyzerGuard, AWatchdogSeesACallStuckAndTimeIsAccounted) {
  AnalyzerSet set(3, 4, false, AnalyzerLimits{});
  set.add(std::make_unique<Sleeper>(std::chrono::milliseconds(400)), "sleepy");
  set.add(std::make_unique<BatchThrower>(), "quick");
  set.start();
  std::vector<PacketMeta> metas(2);
  std::vector<PacketView> views(2);
  std::thread t([&] { set.packets(metas, views); });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  std::vector<std::string> lines;
  engine::find_stuck(set, engine::monotonic_ns(), std::chrono::milliseconds(100), lines);
  t.join();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("analyzer 'sleepy' (thread 3) stuck in one call for 0.", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(" s"), std::string::npos);

  lines.clear();
  engine::find_stuck(set, engine::monotonic_ns(), std::chrono::milliseconds(100), lines);
  EXPECT_TRUE(lines.empty()) << "no call is running now";
  set.stop();
  const auto& s = *set.slots()[0];
  EXPECT_EQ(s.packets.load(), 2u);
  EXPECT_GE(s.busy_ns.load(), 800'000'000u);
  EXPECT_LT(set.slots()[1]->busy_ns.load(), s.busy_ns.load());
  EXPECT_EQ(s.call_started_ns.load(), 0);
}

}  // namespace
}  // namespace riptide::test
