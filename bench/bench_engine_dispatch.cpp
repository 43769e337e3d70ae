// The engine's dispatch hand-off, end to end: the same capture file (written to /dev/shm, so
// reading is an mmap of memory) run through the engine in `workers` topology (decode and
// analyze on one thread) and in `dispatch` topology with 1 worker (decode, copy into the
// worker's ring, analyze there). The difference of ns/packet is what the hand-off costs the
// pipeline; with 2 CPUs the two threads overlap, so dispatch can also be faster.
// Two analyzers: "touch" only reads each packet, so the engine's own overhead dominates;
// "flow" is the flow meter (records to /dev/null), whose table has a batch pipeline that only
// pays off when the thread hands it whole batches (both topologies do since workers receive
// batches). Wall time is what the benchmark times; cpu_ns_per_packet is the whole process's
// CPU (getrusage, every thread) per packet, which is what dispatch costs the machine.
//
//   build-dir/bench_engine_dispatch --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "riptide/analyze/flow_meter_analyzer.hpp"
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

std::int64_t process_cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + std::int64_t{t.tv_usec} * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

void run(benchmark::State& state, Topology topo, bool flow) {
  static const std::string path = make_file();
  if (path.empty()) {
    state.SkipWithError("cannot write the capture file in /dev/shm");
    return;
  }
  std::uint64_t packets = 0;
  std::int64_t cpu_ns = 0;
  for (auto _ : state) {
    EngineConfig c;
    c.backend = Backend::file;
    c.read_file = path;
    c.topology = topo;
    c.dispatch.workers = 1;
    c.quiet = true;
    c.offload.threads = 0;
    std::vector<std::unique_ptr<AnalyzerFactory>> a;
    if (flow) {
      auto f = FlowMeterFactory::create(FlowMeterConfig{}, "/dev/null");
      if (!f) {
        state.SkipWithError(f.error().message.c_str());
        return;
      }
      a.push_back(std::move(*f));
    } else {
      a.push_back(std::make_unique<TouchFactory>());
    }
    const std::int64_t cpu0 = process_cpu_ns();
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
    cpu_ns += process_cpu_ns() - cpu0;
  }
  if (packets != 0) state.counters["cpu_ns_per_packet"] = static_cast<double>(cpu_ns) / static_cast<double>(packets);
  state.counters["ns_per_packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}

void BM_EngineWorkers(benchmark::State& s) { run(s, Topology::workers, false); }
void BM_EngineDispatch1(benchmark::State& s) { run(s, Topology::dispatch, false); }
void BM_EngineWorkersFlow(benchmark::State& s) { run(s, Topology::workers, true); }
void BM_EngineDispatch1Flow(benchmark::State& s) { run(s, Topology::dispatch, true); }

BENCHMARK(BM_EngineWorkers)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EngineDispatch1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EngineWorkersFlow)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EngineDispatch1Flow)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::remove(("/dev/shm/riptide-bench-engine-" + std::to_string(getpid()) + ".pcap").c_str());
  return 0;
}
