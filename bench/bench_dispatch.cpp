// Cost of the dispatcher hand-off: one producer (the benchmark thread, CPU 0) copies batches
// of 256 packets of 200 B plus their PacketMeta into one worker (pinned to CPU 1) whose
// handler only reads each packet's first byte.
//  - Wait: Backpressure::wait, so the rate is the end-to-end hand-off rate.
//  - Drop: Backpressure::drop, the producer's own cost per packet (copy + publish); packets the
//    worker could not take in time show up in the "dropped" counter.
//
//   build-dir/bench_dispatch --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "riptide/dispatch/dispatcher.hpp"

namespace {

using namespace riptide;

constexpr std::size_t kPacketBytes = 200;

class Touch : public WorkerHandler {
 public:
  void on_packets(std::size_t, std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < pkts.size(); ++i) s += pkts[i].data[0] + metas[i].sport;
    sum.store(sum.load(std::memory_order_relaxed) + s, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> sum{0};
};

void pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void BM_Dispatch(benchmark::State& state, Backpressure mode) {
  const bool two_cpus = std::thread::hardware_concurrency() >= 2;
  pin_self(0);
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.worker_cpus = {two_cpus ? 1 : 0};
  auto d = Dispatcher::create(cfg);
  if (!d.ok()) {
    state.SkipWithError(d.error().message.c_str());
    return;
  }
  Touch handler;
  if (auto r = (*d)->start(handler); !r.ok()) {
    state.SkipWithError(r.error().message.c_str());
    return;
  }

  // 256 packets of 200 B over 64 TCP flows.
  std::vector<std::uint8_t> bytes(PacketBatch::kCapacity * kPacketBytes, 0x5a);
  PacketBatch batch;
  std::vector<PacketMeta> metas(PacketBatch::kCapacity);
  for (std::size_t i = 0; i < PacketBatch::kCapacity; ++i) {
    PacketView v;
    v.data = bytes.data() + i * kPacketBytes;
    v.caplen = v.wirelen = kPacketBytes;
    v.ts_ns = static_cast<TimestampNs>(i);
    batch.push(v);
    PacketMeta& m = metas[i];
    m.flags = kMetaHasL3 | kMetaHasL4;
    m.ip_version = 4;
    m.ip_proto = 6;
    const std::uint8_t a[4] = {10, 0, 0, static_cast<std::uint8_t>(i % 64)};
    const std::uint8_t b[4] = {10, 0, 1, 1};
    m.src = IpAddr::from_v4(a);
    m.dst = IpAddr::from_v4(b);
    m.sport = static_cast<std::uint16_t>(1000 + i % 64);
    m.dport = 443;
    m.caplen = m.wirelen = kPacketBytes;
  }

  std::uint64_t enqueued = 0;
  for (auto _ : state) enqueued += (*d)->dispatch(batch, metas, mode);
  (*d)->stop();
  const WorkerStats s = (*d)->stats(0);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * PacketBatch::kCapacity));
  state.counters["ns_per_pkt"] = benchmark::Counter(static_cast<double>(state.iterations() * PacketBatch::kCapacity),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["enqueued"] = static_cast<double>(enqueued);
  state.counters["dropped"] = static_cast<double>(s.queue_full_drops);
  state.counters["wakeups"] = static_cast<double>(s.wakeups);
  state.counters["max_depth"] = static_cast<double>(s.max_depth);
}

BENCHMARK_CAPTURE(BM_Dispatch, Wait, Backpressure::wait)->UseRealTime();
BENCHMARK_CAPTURE(BM_Dispatch, Drop, Backpressure::drop)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
