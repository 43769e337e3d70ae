// Packets per second reading a large pcap: riptide's mmap reader against libpcap's
// pcap_next_ex on the same file (page cache warm for both).
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "riptide/file/capture_file.hpp"
#include "riptide/file/pcap_writer.hpp"

namespace {

constexpr int kPackets = 1000000;

// Written once per process with PcapWriter: 1M frames of 60-124 bytes, nanosecond stamps.
class BenchFile {
 public:
  BenchFile() {
    char tmpl[] = "/tmp/riptide-bench-XXXXXX.pcap";
    const int fd = mkstemps(tmpl, 5);
    if (fd < 0) std::abort();
    close(fd);
    path_ = tmpl;
    auto w = riptide::PcapWriter::open(path_, riptide::LinkType::ethernet, 262144);
    if (!w) std::abort();
    std::vector<std::uint8_t> frame(124, 0x5a);
    for (int i = 0; i < kPackets; ++i) {
      riptide::PacketView v;
      frame[0] = static_cast<std::uint8_t>(i);
      v.data = frame.data();
      v.caplen = v.wirelen = 60 + static_cast<std::uint32_t>(i % 65);
      v.ts_ns = 1700000000000000000 + static_cast<std::int64_t>(i) * 1000;
      if (!(*w)->write(v)) std::abort();
    }
    if (!(*w)->close()) std::abort();
  }
  ~BenchFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& bench_path() {
  static BenchFile f;
  return f.path();
}

void BM_RiptideFileReader(benchmark::State& state) {
  const std::string& path = bench_path();
  std::uint64_t total = 0;
  for (auto _ : state) {
    auto f = riptide::open_capture_file(path);
    if (!f) {
      state.SkipWithError(f.error().message.c_str());
      return;
    }
    riptide::PacketBatch b;
    std::uint64_t n = 0;
    std::uint64_t sum = 0;
    for (;;) {
      auto r = (*f)->next(b, std::chrono::milliseconds(0));
      if (!r || *r != riptide::PollStatus::packets) break;
      for (const auto& p : b) sum += p.data[0] + p.caplen;  // touch every packet
      n += b.size();
    }
    benchmark::DoNotOptimize(sum);
    if (n != kPackets) state.SkipWithError("packet count mismatch");
    total += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_RiptideFileReader)->Unit(benchmark::kMillisecond);

void BM_LibpcapNextEx(benchmark::State& state) {
  const std::string& path = bench_path();
  std::uint64_t total = 0;
  char err[PCAP_ERRBUF_SIZE];
  for (auto _ : state) {
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
      state.SkipWithError(err);
      return;
    }
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    std::uint64_t n = 0;
    std::uint64_t sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
      sum += d[0] + h->caplen;
      ++n;
    }
    pcap_close(p);
    benchmark::DoNotOptimize(sum);
    if (n != kPackets) state.SkipWithError("packet count mismatch");
    total += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
}
BENCHMARK(BM_LibpcapNextEx)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
