// Analyzer timers: packet time (deterministic on files, whatever the batching or topology)
// and wall time (from the tick path, even while the packet thread is busy).
#include <atomic>
#include <chrono>
#include <thread>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

constexpr TimestampNs kSec = 1'000'000'000;
constexpr TimestampNs kT0 = 1'700'000'000 * kSec;  // on a whole second

struct TimerProbe {
  std::atomic<std::uint64_t> fires{0}, bad_now{0}, wrong_thread{0};
  std::vector<TimestampNs> nows;  // packet timer of thread 0 only
};

class Ticker final : public Analyzer {
 public:
  Ticker(TimerProbe& p, std::chrono::nanoseconds period, TimeBase base, int sleep_us)
      : p_(p), period_(period), base_(base), sleep_us_(sleep_us) {}
  std::string_view name() const noexcept override { return "ticker"; }
  void on_start(AnalyzerContext& ctx) override {
    const auto me = std::this_thread::get_id();
    const bool first = ctx.thread_index() == 0;
    EXPECT_FALSE(ctx.add_timer(std::chrono::nanoseconds(0), base_, [](TimestampNs) {}));
    ASSERT_TRUE(ctx.add_timer(period_, base_, [this, me, first](TimestampNs now) {
      p_.fires.fetch_add(1);
      if (std::this_thread::get_id() != me) p_.wrong_thread.fetch_add(1);
      // Packet time: fired before the packet that crossed the deadline is delivered.
      if (base_ == TimeBase::packet && last_packet_ >= now) p_.bad_now.fetch_add(1);
      if (first && base_ == TimeBase::packet) p_.nows.push_back(now);
    }));
  }
  void on_packet(const PacketMeta&, const PacketView& pkt) override {
    last_packet_ = base_ == TimeBase::packet ? pkt.ts_ns : 0;
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
  }

 private:
  TimerProbe& p_;
  std::chrono::nanoseconds period_;
  TimeBase base_;
  int sleep_us_;
  TimestampNs last_packet_ = 0;
};

std::vector<std::unique_ptr<AnalyzerFactory>> ticker(TimerProbe& p, std::chrono::nanoseconds period, TimeBase base,
                                                     int sleep_us = 0) {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("ticker", [&p, period, base, sleep_us](std::size_t) {
    return std::make_unique<Ticker>(p, period, base, sleep_us);
  }));
  return v;
}

class TimerTopo : public ::testing::TestWithParam<Topology> {};

TEST_P(TimerTopo, PacketTimeFiresOncePerCrossedSecond) {
  TempDir d;
  // 100 packets, 100 ms apart, from t0 + 50 ms: deadlines t0+1s .. t0+9s are crossed, once each,
  // although the reader hands all 100 packets over in one batch.
  write_udp_pcap(d.file("in.pcap"), 100, kT0 + 50'000'000, 100'000'000, 1);
  TimerProbe p;
  const auto r = run_engine(file_config(d.file("in.pcap"), GetParam(), 1), ticker(p, std::chrono::seconds(1), TimeBase::packet));
  EXPECT_EQ(p.fires.load(), 9u);
  EXPECT_EQ(p.bad_now.load(), 0u);
  EXPECT_EQ(p.wrong_thread.load(), 0u);
  ASSERT_EQ(p.nows.size(), 9u);
  for (std::size_t i = 0; i < p.nows.size(); ++i) EXPECT_EQ(p.nows[i], kT0 + (TimestampNs(i) + 1) * kSec + 50'000'000);
  const auto* a = find_analyzer(r, "ticker");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->timer_fires, 9u);
}

TEST_P(TimerTopo, PacketTimeGapFiresOnceThenRealigns) {
  TempDir d;
  const std::string path = d.file("gap.pcap");
  {
    auto w = PcapWriter::open(path, LinkType::ethernet, 65535, true);
    ASSERT_TRUE(w);
    const auto f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(8).build();
    // t0+0.5, t0+1.5 (fires), t0+100.5 (98 deadlines skipped: fires once), t0+101.5 (fires).
    for (TimestampNs t : {kT0 + kSec / 2, kT0 + 3 * kSec / 2, kT0 + 100 * kSec + kSec / 2, kT0 + 101 * kSec + kSec / 2}) {
      PacketView v = view_of(f);
      v.ts_ns = t;
      ASSERT_TRUE((*w)->write(v));
    }
    ASSERT_TRUE((*w)->close());
  }
  TimerProbe p;
  run_engine(file_config(path, GetParam(), 1), ticker(p, std::chrono::seconds(1), TimeBase::packet));
  EXPECT_EQ(p.fires.load(), 3u);
}

// A pcapng whose microsecond timestamps lie beyond what nanoseconds in int64 can hold: the
// reader clamps them to the end of time, and a packet timer must neither overflow nor spin.
void write_far_future_pcapng(const std::string& path, int packets) {
  std::vector<std::uint8_t> b;
  auto u16 = [&](std::uint16_t v) { b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)}); };
  auto u32 = [&](std::uint32_t v) { u16(std::uint16_t(v)); u16(std::uint16_t(v >> 16)); };
  u32(0x0A0D0D0A); u32(28); u32(0x1A2B3C4D); u16(1); u16(0); u32(0xFFFFFFFF); u32(0xFFFFFFFF); u32(28);  // SHB
  u32(1); u32(20); u16(1); u16(0); u32(65535); u32(20);  // IDB: Ethernet, microseconds
  const auto f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(18).build();
  const std::uint32_t pad = (4 - f.size() % 4) % 4, len = 32 + std::uint32_t(f.size()) + pad;
  for (int i = 0; i < packets; ++i) {
    u32(6); u32(len); u32(0);
    u32(0xFFFFFFF0); u32(0xFFFFFF00u + std::uint32_t(i));  // high, low: ~1.8e19 us
    u32(std::uint32_t(f.size())); u32(std::uint32_t(f.size()));
    b.insert(b.end(), f.begin(), f.end());
    b.insert(b.end(), pad, 0);
    u32(len);
  }
  FILE* out = std::fopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(std::fwrite(b.data(), 1, b.size(), out), b.size());
  std::fclose(out);
}

TEST_P(TimerTopo, PacketTimeAtTheEndOfTimeNeitherOverflowsNorSpins) {
  TempDir d;
  write_far_future_pcapng(d.file("far.pcapng"), 50);
  TimerProbe p;
  const auto r = run_engine(file_config(d.file("far.pcapng"), GetParam(), 1), ticker(p, std::chrono::seconds(1), TimeBase::packet));
  EXPECT_EQ(r.processed, 50u);
  // Armed by the first packet, then parked: the next second does not exist.
  EXPECT_EQ(p.fires.load(), 0u);
}

TEST_P(TimerTopo, WallTimeFiresWhileThePacketThreadIsBusy) {
  TempDir d;
  // 600 packets at 1 ms of analysis each: about half a second of wall time.
  write_udp_pcap(d.file("in.pcap"), 600, kT0, 1'000, 1);
  TimerProbe p;
  const auto r = run_engine(file_config(d.file("in.pcap"), GetParam(), 1),
                            ticker(p, std::chrono::milliseconds(50), TimeBase::wall, 1000));
  EXPECT_GE(p.fires.load(), 2u);
  // Fired between batches (each takes ~256 ms here), once per crossing: no catch-up bursts.
  EXPECT_LE(p.fires.load(), static_cast<std::uint64_t>(r.elapsed_s * 10) + 2);
  EXPECT_EQ(p.wrong_thread.load(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Topologies, TimerTopo, ::testing::Values(Topology::workers, Topology::dispatch),
                         [](const auto& i) { return std::string(to_string(i.param)); });

}  // namespace
}  // namespace riptide::test
