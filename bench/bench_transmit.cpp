// Per-frame cost of building generator frames from templates (no network): the part of the
// send loop riptide controls. The send syscalls are measured by scripts/bench_gen_vs_trafgen.sh.
#include <benchmark/benchmark.h>

#include <vector>

#include "riptide/gen/frame_builder.hpp"
#include "riptide/gen/size_mix.hpp"

namespace {

void BM_BuildFrame(benchmark::State& st) {
  riptide::gen::FrameSpec spec;
  spec.ipv6 = st.range(0) != 0;
  spec.flows = 100000;
  auto b = riptide::gen::FrameBuilder::create(spec);
  const std::uint32_t size = std::uint32_t(st.range(1));
  std::vector<std::uint8_t> buf(64 * std::size_t(size), 0);
  std::uint64_t seq = 0;
  std::uint32_t flow = 0;
  for (auto _ : st) {
    for (std::size_t i = 0; i < 64; ++i) {
      b->write(flow, seq++, 1, size, {buf.data() + i * size, size});
      flow = flow + 1 == spec.flows ? 0 : flow + 1;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  st.SetItemsProcessed(std::int64_t(st.iterations()) * 64);
}
BENCHMARK(BM_BuildFrame)->Args({0, 64})->Args({0, 1514})->Args({1, 86})->Args({1, 1514});

void BM_SizeMixUniform(benchmark::State& st) {
  auto m = riptide::gen::SizeMix::uniform(64, 800, 1);
  for (auto _ : st) benchmark::DoNotOptimize(m.next());
}
BENCHMARK(BM_SizeMixUniform);

}  // namespace

BENCHMARK_MAIN();
