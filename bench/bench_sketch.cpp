// ns per update of the heavy-hitter sketches, on address streams shaped like traffic:
// a skewed (Zipf-like) one, where most updates hit monitored keys, and a uniform one over
// many more keys than counters, where most updates evict the minimum.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/analyze/reporter.hpp"
#include "riptide/analyze/sketch.hpp"

namespace {

using riptide::IpAddr;

std::vector<IpAddr> make_stream(bool skewed, std::size_t n, std::uint32_t keys) {
  std::mt19937_64 rng(11);
  std::vector<IpAddr> out(n);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& a : out) {
    // Inverse-CDF of a ~1/x law over [1, keys]: a handful of keys get most updates.
    const auto k = skewed ? static_cast<std::uint32_t>(std::pow(static_cast<double>(keys), u(rng))) - 1
                          : static_cast<std::uint32_t>(rng() % keys);
    const std::uint8_t b[4] = {10, static_cast<std::uint8_t>(k >> 16), static_cast<std::uint8_t>(k >> 8),
                               static_cast<std::uint8_t>(k)};
    a = IpAddr::from_v4(b);
  }
  return out;
}

template <std::size_t Cap>
void BM_SpaceSaving(benchmark::State& st) {
  const bool skewed = st.range(0) != 0;
  const auto stream = make_stream(skewed, 1 << 16, 1u << 20);
  auto ss = std::make_unique<riptide::SpaceSaving<IpAddr, Cap, riptide::IpAddrHash>>();
  std::size_t i = 0;
  for (auto _ : st) {
    ss->add(stream[i], 64 + (i & 1023));
    i = (i + 1) & (stream.size() - 1);
  }
  benchmark::DoNotOptimize(ss->min_count());
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetLabel(skewed ? "skewed" : "uniform-1M-keys");
}
BENCHMARK_TEMPLATE(BM_SpaceSaving, 128)->Arg(1)->Arg(0);
BENCHMARK_TEMPLATE(BM_SpaceSaving, 4096)->Arg(1)->Arg(0);

void BM_CountMin(benchmark::State& st) {
  riptide::CountMin cm(static_cast<std::uint32_t>(st.range(0)), static_cast<std::uint32_t>(st.range(1)));
  const auto stream = make_stream(true, 1 << 16, 1u << 20);
  std::vector<std::uint64_t> hashes;
  for (const auto& a : stream) hashes.push_back(riptide::IpAddrHash{}(a));
  std::size_t i = 0;
  for (auto _ : st) {
    cm.add(hashes[i], 64);
    i = (i + 1) & (hashes.size() - 1);
  }
  benchmark::DoNotOptimize(cm.estimate(hashes[0]));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}
BENCHMARK(BM_CountMin)->Args({2048, 4})->Args({65536, 4})->Args({2048, 8});

void BM_Entropy4096(benchmark::State& st) {
  std::vector<std::uint64_t> h(4096);
  std::mt19937_64 rng(5);
  for (auto& c : h) c = rng() % 1000;
  for (auto _ : st) benchmark::DoNotOptimize(riptide::shannon_entropy_bits(h));
}
BENCHMARK(BM_Entropy4096);


// The whole per-packet cost of the two analyzers, fed pre-decoded packets (no timers: the
// window never closes, so this is the packet path alone).
class NullContext final : public riptide::AnalyzerContext {
 public:
  std::size_t thread_index() const noexcept override { return 0; }
  std::size_t thread_count() const noexcept override { return 1; }
  bool live() const noexcept override { return false; }
  bool send(std::span<const std::uint8_t>) override { return true; }
  bool offload(std::unique_ptr<riptide::OffloadTask>) override { return false; }
  bool add_timer(std::chrono::nanoseconds, riptide::TimeBase, std::function<void(riptide::TimestampNs)>) override {
    return true;
  }
};

std::vector<riptide::PacketMeta> make_metas(std::size_t n) {
  const auto srcs = make_stream(true, n, 1u << 20);
  const auto dsts = make_stream(false, n, 1u << 12);
  std::mt19937 rng(9);
  std::vector<riptide::PacketMeta> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& m = out[i];
    m.flags = riptide::kMetaHasL3 | riptide::kMetaHasL4;
    m.ip_version = 4;
    m.ip_proto = 17;
    m.src = srcs[i];
    m.dst = dsts[i];
    m.sport = static_cast<std::uint16_t>(1024 + rng() % 60000);
    m.dport = static_cast<std::uint16_t>(rng() % 16 == 0 ? rng() : 443);
    m.wirelen = 64 + rng() % 1400;
  }
  return out;
}

void run_analyzer(benchmark::State& st, riptide::Analyzer& a) {
  NullContext ctx;
  a.on_start(ctx);
  const auto metas = make_metas(1 << 16);
  riptide::PacketView v;
  std::size_t i = 0;
  for (auto _ : st) {
    v.wirelen = metas[i].wirelen;
    a.on_packet(metas[i], v);
    i = (i + 1) & (metas.size() - 1);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

void BM_HeavyHittersPacket(benchmark::State& st) {
  riptide::HeavyHittersConfig cfg;
  cfg.output = "";
  auto f = riptide::HeavyHittersFactory::create(cfg);
  auto a = (*f)->create(0);
  run_analyzer(st, *a);
}
BENCHMARK(BM_HeavyHittersPacket);

void BM_ReporterPacket(benchmark::State& st) {
  auto f = riptide::ReporterFactory::create(riptide::ReporterConfig{});
  auto a = (*f)->create(0);
  run_analyzer(st, *a);
}
BENCHMARK(BM_ReporterPacket);

}  // namespace

BENCHMARK_MAIN();
