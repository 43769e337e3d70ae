// The engine's dispatch hand-off, end to end: the same capture file (written to /dev/shm, so
// reading is an mmap of memory) run through the engine in `workers` topology (decode and
// analyze on one thread) and in `dispatch` topology with 1 worker (decode, copy into the
// worker's ring, analyze there). The difference of ns/packet is what the hand-off costs the
// pipeline; with 2 CPUs the two threads overlap, so dispatch can also be faster.
// The analyzer only touches each packet, so the engine's own overhead dominates.
//
//   build-dir/bench_engine_dispatch --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "riptide/engine/engine.hpp"
#include "riptide/file/pcap_writer.hpp"

namespace {

using namespace riptide;

constexpr std::size_t kPackets = 200'000;

// Ethernet + IPv4 + UDP, 200 bytes, 1024 flows.
std::string make_file() {
  const std::string path = "/dev/shm/riptide-bench-engine-" + std::to_string(getpid()) + ".pcap";
  auto w = PcapWriter::open(path, LinkType::ethernet, 65535, true);
  if (!w) return {};
  std::vector<std::uint8_t> f(200, 0);
  f[12] = 0x08;
  f[14] = 0x45;
  f[16] = 0;
  f[17] = 186;  // IPv4 total length
  f[22] = 64;
  f[23] = 17;
  f[26] = 10, f[30] = 10;
  f[38] = 0, f[39] = 166;  // UDP length
  for (std::size_t i = 0; i < kPackets; ++i) {
    f[29] = static_cast<std::uint8_t>(i);
    f[28] = static_cast<std::uint8_t>((i >> 8) & 3);
    f[34] = static_cast<std::uint8_t>(i >> 3);
    f[36] = 0x13;
    PacketView v{f.data(), 200, 200, static_cast<TimestampNs>(1'700'000'000'000'000'000 + i * 1000)};
    (void)(*w)->write(v);
  }
  (void)(*w)->close();
  return path;
}

class Touch final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "touch"; }
  void on_packet(const PacketMeta& m, const PacketView& p) override { sum_ += p.data[0] + m.sport; }
  void counters(std::vector<AnalyzerCounter>& out) const override { out.push_back({"sum", sum_}); }

 private:
  std::uint64_t sum_ = 0;
};

class TouchFactory final : public AnalyzerFactory {
 public:
  std::string_view name() const noexcept override { return "touch"; }
  std::unique_ptr<Analyzer> create(std::size_t) override { return std::make_unique<Touch>(); }
};

void run(benchmark::State& state, Topology topo) {
  static const std::string path = make_file();
  if (path.empty()) {
    state.SkipWithError("cannot write the capture file in /dev/shm");
    return;
  }
  std::uint64_t packets = 0;
  for (auto _ : state) {
    EngineConfig c;
    c.backend = Backend::file;
    c.read_file = path;
    c.topology = topo;
    c.dispatch.workers = 1;
    c.quiet = true;
    c.offload.threads = 0;
    std::vector<std::unique_ptr<AnalyzerFactory>> a;
    a.push_back(std::make_unique<TouchFactory>());
    auto e = Engine::create(c, std::move(a));
    if (!e) {
      state.SkipWithError(e.error().message.c_str());
      return;
    }
    auto r = (*e)->run();
    if (!r || r->processed != kPackets) {
      state.SkipWithError("the engine did not process every packet");
      return;
    }
    packets += r->processed;
  }
  state.counters["ns_per_packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}

void BM_EngineWorkers(benchmark::State& s) { run(s, Topology::workers); }
void BM_EngineDispatch1(benchmark::State& s) { run(s, Topology::dispatch); }

BENCHMARK(BM_EngineWorkers)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EngineDispatch1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::remove(("/dev/shm/riptide-bench-engine-" + std::to_string(getpid()) + ".pcap").c_str());
  return 0;
}
