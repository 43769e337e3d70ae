// Flow table cost per packet at 1k / 100k / 1M active flows, and flow_hash cost.
// Packets are pre-built PacketMeta values read sequentially (as a worker reads its batch);
// the flow each one belongs to is drawn uniformly, or Zipf-like for the *_zipf variant.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "riptide/decode/flow_key.hpp"
#include "riptide/flow/flow_table.hpp"

namespace {
using namespace riptide;

struct NullSink final : FlowSink {
  std::uint64_t n = 0;
  void on_flow(const FlowRecord& r) override { n += r.flow_id; }
};

std::vector<PacketMeta> make_flows(std::size_t n, std::mt19937_64& rng) {
  std::vector<PacketMeta> flows(n);
  for (std::size_t i = 0; i < n; ++i) {
    PacketMeta& m = flows[i];
    m.flags = kMetaHasL3 | kMetaHasL4;
    m.ip_version = 4;
    m.ip_proto = (i % 4 == 0) ? 17 : 6;
    std::uint8_t a[4], b[4];
    const std::uint64_t r = rng();
    a[0] = 10, a[1] = static_cast<std::uint8_t>(i >> 16), a[2] = static_cast<std::uint8_t>(i >> 8), a[3] = static_cast<std::uint8_t>(i);
    b[0] = 172, b[1] = 16, b[2] = static_cast<std::uint8_t>(r), b[3] = static_cast<std::uint8_t>(r >> 8);
    m.src = IpAddr::from_v4(a);
    m.dst = IpAddr::from_v4(b);
    m.sport = static_cast<std::uint16_t>(1024 + (r >> 16) % 60000);
    m.dport = static_cast<std::uint16_t>((r >> 32) % 2 ? 443 : 53);
    m.tcp_flags = m.ip_proto == 6 ? 0x18 : 0;  // PSH|ACK: no flow ends during the run
    m.ip_len = 100;
    m.wirelen = 114;
  }
  return flows;
}

// A packet stream over `flows`: random flow, random direction.
std::vector<PacketMeta> make_stream(const std::vector<PacketMeta>& flows, std::size_t len, bool zipf,
                                    std::mt19937_64& rng) {
  std::vector<double> cdf;
  if (zipf) {  // P(rank k) ~ 1/k
    cdf.resize(flows.size());
    double s = 0;
    for (std::size_t k = 0; k < flows.size(); ++k) cdf[k] = (s += 1.0 / static_cast<double>(k + 1));
    for (double& c : cdf) c /= s;
  }
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<PacketMeta> out(len);
  for (std::size_t i = 0; i < len; ++i) {
    std::size_t f;
    if (zipf) {
      f = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
      f = std::min(f, flows.size() - 1);
    } else {
      f = rng() % flows.size();
    }
    out[i] = flows[f];
    if (rng() & 1) {
      std::swap(out[i].src, out[i].dst);
      std::swap(out[i].sport, out[i].dport);
    }
  }
  return out;
}

void run_update(benchmark::State& state, bool zipf) {
  const auto n_flows = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const auto flows = make_flows(n_flows, rng);
  constexpr std::size_t kStream = 1u << 18;
  const auto stream = make_stream(flows, kStream, zipf, rng);
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = static_cast<std::uint32_t>(n_flows);
  FlowTable table(cfg, sink);
  TimestampNs ts = 1'700'000'000LL * kNsPerSec;
  for (const auto& m : flows) table.update(m, ts, m.wirelen);  // every flow active before timing
  std::size_t i = 0;
  for (auto _ : state) {
    const PacketMeta& m = stream[i];
    table.update(m, ++ts, m.wirelen);
    i = (i + 1) & (kStream - 1);
  }
  if (table.stats().evictions != 0 || table.active() != n_flows) state.SkipWithError("flows were lost");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["active_flows"] = static_cast<double>(table.active());
  benchmark::DoNotOptimize(sink.n);
}

// The same, through update_batch() in batches of 256 (PacketBatch::kCapacity).
void BM_FlowUpdateBatch(benchmark::State& state) {
  const auto n_flows = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const auto flows = make_flows(n_flows, rng);
  constexpr std::size_t kStream = 1u << 18, kBatch = PacketBatch::kCapacity;
  const auto stream = make_stream(flows, kStream, false, rng);
  std::vector<PacketView> views(kBatch);
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = static_cast<std::uint32_t>(n_flows);
  FlowTable table(cfg, sink);
  TimestampNs ts = 1'700'000'000LL * kNsPerSec;
  for (const auto& m : flows) table.update(m, ts, m.wirelen);
  std::size_t i = 0;
  for (auto _ : state) {
    for (auto& v : views) v.ts_ns = ++ts, v.wirelen = 114;
    table.update_batch(&stream[i], views.data(), kBatch);
    i = (i + kBatch) & (kStream - 1);
  }
  if (table.stats().evictions != 0 || table.active() != n_flows) state.SkipWithError("flows were lost");
  const auto pkts = static_cast<double>(state.iterations() * kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(pkts));
  state.counters["ns_per_pkt"] = benchmark::Counter(pkts, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  benchmark::DoNotOptimize(sink.n);
}
BENCHMARK(BM_FlowUpdateBatch)->Arg(1000)->Arg(100000)->Arg(1000000);

// Fragmented UDP datagrams (3 fragments each, in order, or last-first with Arg 1) over 1,000
// flows, through update_batch(): the cost per fragment of the fragment table.
void BM_FlowUpdateFragments(benchmark::State& state) {
  const bool reversed = state.range(0) != 0;
  std::mt19937_64 rng(42);
  auto flows = make_flows(1000, rng);
  for (auto& m : flows) m.ip_proto = 17, m.tcp_flags = 0;
  constexpr std::size_t kDatagrams = 1u << 16, kBatch = 255;  // a multiple of 3
  std::vector<PacketMeta> stream;
  stream.reserve(3 * kDatagrams);
  for (std::size_t d = 0; d < kDatagrams; ++d) {
    const PacketMeta& whole = flows[rng() % flows.size()];
    PacketMeta f[3];
    for (int k = 0; k < 3; ++k) {
      PacketMeta& m = f[k];
      m = whole;
      m.l3_off = 14;
      m.frag_id = static_cast<std::uint32_t>(d);
      m.frag_offset = static_cast<std::uint16_t>(1480 * k);
      m.ip_len = 1500;
      m.wirelen = 1514;
      m.flags = static_cast<std::uint16_t>(kMetaHasL3 | kMetaIsFragment | (k < 2 ? kMetaMoreFragments : 0));
      if (k == 0) {
        m.flags |= kMetaFirstFragment | kMetaHasL4;
        m.l4_off = 34;
      } else {
        m.sport = m.dport = 0;
        m.payload_off = 34;
        m.l4_payload_len = 1480;
      }
    }
    if (reversed) std::swap(f[0], f[2]);
    stream.insert(stream.end(), f, f + 3);
  }
  std::vector<PacketView> views(kBatch);
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = 1000;
  FlowTable table(cfg, sink);
  TimestampNs ts = 1'700'000'000LL * kNsPerSec;
  std::size_t i = 0;
  for (auto _ : state) {
    for (auto& v : views) v.ts_ns = ++ts, v.wirelen = 1514;
    table.update_batch(&stream[i], views.data(), kBatch);
    i += kBatch;
    if (i + kBatch > stream.size()) i = 0;
  }
  if (table.stats().frag.portless != 0) state.SkipWithError("fragments without their ports");
  const auto pkts = static_cast<double>(state.iterations() * kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(pkts));
  state.counters["ns_per_pkt"] = benchmark::Counter(pkts, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  benchmark::DoNotOptimize(sink.n);
}
BENCHMARK(BM_FlowUpdateFragments)->Arg(0)->Arg(1);

void BM_FlowUpdate(benchmark::State& state) { run_update(state, false); }
void BM_FlowUpdateZipf(benchmark::State& state) { run_update(state, true); }
BENCHMARK(BM_FlowUpdate)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_FlowUpdateZipf)->Arg(100000)->Arg(1000000);

// A steady flow churn: every packet is a new flow in a full table (eviction path).
void BM_FlowUpdateAllNewEvicting(benchmark::State& state) {
  std::mt19937_64 rng(7);
  const auto flows = make_flows(1u << 18, rng);
  NullSink sink;
  FlowTableConfig cfg;
  cfg.max_flows = static_cast<std::uint32_t>(state.range(0));
  FlowTable table(cfg, sink);
  TimestampNs ts = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    table.update(flows[i], ++ts, 114);
    i = (i + 1) & ((1u << 18) - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  benchmark::DoNotOptimize(sink.n);
}
BENCHMARK(BM_FlowUpdateAllNewEvicting)->Arg(100000);

void BM_FlowHashMeta(benchmark::State& state) {
  std::mt19937_64 rng(1);
  const auto flows = make_flows(4096, rng);
  std::size_t i = 0;
  std::uint64_t acc = 0;
  for (auto _ : state) {
    acc += flow_hash(flows[i]);
    i = (i + 1) & 4095;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowHashMeta);

void BM_FlowHashKey(benchmark::State& state) {
  std::mt19937_64 rng(1);
  const auto flows = make_flows(4096, rng);
  std::vector<FlowKey> keys(flows.size());
  for (std::size_t k = 0; k < flows.size(); ++k) (void)make_key(flows[k], keys[k]);
  std::size_t i = 0;
  std::uint64_t acc = 0;
  for (auto _ : state) {
    acc += flow_hash(keys[i]);
    i = (i + 1) & 4095;
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowHashKey);

}  // namespace

BENCHMARK_MAIN();
