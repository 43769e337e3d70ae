// FixedMap on the packet path: bytes per source address (the user's program), against
// std::unordered_map. Keys cycle over `range(0)` distinct IPv4 sources.
#include <benchmark/benchmark.h>

#include <unordered_map>
#include <vector>

#include "riptide/analyze/fixed_map.hpp"
#include "riptide/analyze/sketch.hpp"

namespace {

std::vector<riptide::IpAddr> keys(std::size_t n) {
  std::vector<riptide::IpAddr> v;
  for (std::size_t i = 0; i < 4096; ++i) {
    const auto x = static_cast<std::uint32_t>((i * 2654435761u) % n);
    const std::uint8_t b[4] = {10, static_cast<std::uint8_t>(x >> 16), static_cast<std::uint8_t>(x >> 8),
                               static_cast<std::uint8_t>(x)};
    v.push_back(riptide::IpAddr::from_v4(b));
  }
  return v;
}

void BM_FixedMapUpsert(benchmark::State& st) {
  const auto k = keys(static_cast<std::size_t>(st.range(0)));
  riptide::FixedMap<riptide::IpAddr, std::uint64_t, 65536, riptide::IpAddrHash> m;
  std::size_t i = 0;
  for (auto _ : st) {
    auto* v = m.upsert(k[i++ & 4095]);
    if (v) *v += 200;
    benchmark::DoNotOptimize(v);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_FixedMapUpsert)->Arg(16)->Arg(1024)->Arg(4096);

void BM_UnorderedMapUpsert(benchmark::State& st) {
  const auto k = keys(static_cast<std::size_t>(st.range(0)));
  std::unordered_map<riptide::IpAddr, std::uint64_t, riptide::IpAddrHash> m;
  std::size_t i = 0;
  for (auto _ : st) {
    auto& v = m[k[i++ & 4095]];
    v += 200;
    benchmark::DoNotOptimize(v);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_UnorderedMapUpsert)->Arg(16)->Arg(1024)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
