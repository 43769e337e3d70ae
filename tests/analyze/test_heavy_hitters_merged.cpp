// Heavy hitters merged across packet threads: the same packets split over two threads give
// the lines one thread gives (but for "threads"), one line per period, in time order.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "analyze/fake_context.hpp"
#include "riptide/analyze/heavy_hitters.hpp"
#include "riptide/decode/decoder.hpp"
#include "support/pktbuild.hpp"

namespace riptide {
namespace {

using nlohmann::json;
using test::FakeContext;
using test::PacketBuilder;

constexpr TimestampNs kSec = 1'000'000'000;
constexpr TimestampNs kT0 = 1'700'000'000 * kSec;  // a multiple of the 10 s window

struct Pkt {
  std::vector<std::uint8_t> bytes;
  TimestampNs ts;
};

// Three windows of skewed traffic (a few heavy sources and ports, many light ones); the third
// is cut short by the end of the run.
std::vector<Pkt> traffic() {
  std::mt19937 rng(7);
  std::vector<Pkt> v;
  for (int w = 0; w < 3; ++w) {
    for (int i = 0; i < 1500; ++i) {
      const int src = static_cast<int>(rng() % 7 == 0 ? rng() % 300 : rng() % 5);
      const int dst = static_cast<int>(rng() % 40);
      const auto dport = static_cast<std::uint16_t>(rng() % 3 == 0 ? 1000 + rng() % 500 : 53 + (rng() % 3) * 390);
      const std::size_t payload = 20 + rng() % 900;
      const TimestampNs ts = kT0 + w * 10 * kSec + static_cast<TimestampNs>(i) * (w == 2 ? 1'000'000 : 6'000'000);
      v.push_back({PacketBuilder()
                       .eth()
                       .ipv4("10.1." + std::to_string(src / 256) + "." + std::to_string(src % 256), "192.168.0." + std::to_string(dst))
                       .udp(static_cast<std::uint16_t>(2000 + i % 50), dport)
                       .payload(payload)
                       .build(),
                   ts});
    }
  }
  return v;
}

void feed(Analyzer& a, const Pkt& p) {
  PacketView v = test::view_of(p.bytes);
  v.ts_ns = p.ts;
  PacketMeta m;
  DecodeStats st;
  decode(v, m, st);
  a.on_packet(m, v);
}

class HeavyHittersMerged : public ::testing::Test {
 protected:
  std::string path(const std::string& name) {
    const auto p = (std::filesystem::temp_directory_path() /
                    ("riptide_hhm_" + std::to_string(::getpid()) + "_" + name + ".jsonl")).string();
    paths_.push_back(p);
    return p;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::filesystem::remove(p);
  }
  static std::vector<json> read(const std::string& p) {
    std::ifstream in(p);
    std::vector<json> out;
    for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
    return out;
  }

  // Runs the traffic through `threads` instances (packet i to thread i % threads), the window
  // timers firing on every thread at each boundary, the pool as `mode`.
  std::vector<json> run(std::size_t threads, FakeContext::Offload mode, const std::string& name) {
    HeavyHittersConfig cfg;
    cfg.k = 5;
    cfg.output = path(name);
    auto f = HeavyHittersFactory::create(cfg);
    EXPECT_TRUE(f);
    std::vector<std::unique_ptr<FakeContext>> ctx;
    std::vector<std::unique_ptr<Analyzer>> a;
    for (std::size_t t = 0; t < threads; ++t) {
      ctx.push_back(std::make_unique<FakeContext>(t, threads));
      ctx.back()->offload_mode = mode;
      a.push_back((*f)->create(t));
      a.back()->on_start(*ctx.back());
    }
    const auto pk = traffic();
    TimestampNs boundary = kT0 + 10 * kSec;
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (pk[i].ts >= boundary) {
        // Threads reach the boundary in turn; the period completes on the last one.
        for (std::size_t t = threads; t-- > 0;) ctx[t]->fire(TimeBase::packet, boundary);
        boundary += 10 * kSec;
      }
      feed(*a[i % threads], pk[i]);
      a[i % threads]->on_batch_end(pk[i].ts);
    }
    for (auto& c : ctx) c->pump();
    for (std::size_t t = 0; t < threads; ++t) a[t]->on_stop();
    (*f)->finish();
    std::vector<AnalyzerCounter> cs;
    for (auto& x : a) x->counters(cs);
    std::uint64_t emitted = 0;
    for (const auto& c : cs)
      if (c.name == "windows_emitted") emitted += c.value;
    const auto ls = read(cfg.output);
    EXPECT_EQ(emitted, ls.size());
    return ls;
  }

 private:
  std::vector<std::string> paths_;
};

TEST_F(HeavyHittersMerged, TwoThreadsGiveTheLinesOfOneThreadOnePerPeriod) {
  const auto one = run(1, FakeContext::Offload::queue, "one");
  const auto two = run(2, FakeContext::Offload::threaded, "two");
  ASSERT_EQ(one.size(), 3u);
  ASSERT_EQ(two.size(), 3u) << "one line per period, not one per thread";
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(one[i]["threads"], 1);
    EXPECT_EQ(two[i]["threads"], 2);
    json x = one[i], y = two[i];
    x.erase("threads");
    y.erase("threads");
    EXPECT_EQ(x, y) << "window " << i << "\none: " << one[i].dump() << "\ntwo: " << two[i].dump();
    if (i > 0) {
      EXPECT_LT(two[i - 1]["window_start_ns"].get<std::int64_t>(), two[i]["window_start_ns"].get<std::int64_t>());
    }
  }
  EXPECT_EQ(one[0]["packets"], 1500);
  EXPECT_EQ(two[2]["packets"], 1500);  // the last, partial window from on_stop
  EXPECT_EQ(one[0]["top_k_src"].size(), 5u);
}

TEST_F(HeavyHittersMerged, ARefusedPeriodIsOneTaskLostAndCountedOnce) {
  HeavyHittersConfig cfg;
  cfg.output = path("refused");
  auto f = HeavyHittersFactory::create(cfg);
  ASSERT_TRUE(f);
  FakeContext c0(0, 2), c1(1, 2);
  c0.offload_mode = c1.offload_mode = FakeContext::Offload::refuse;
  auto a0 = (*f)->create(0), a1 = (*f)->create(1);
  a0->on_start(c0);
  a1->on_start(c1);
  const auto pk = traffic();
  feed(*a0, pk[0]);
  feed(*a1, pk[1]);
  c0.fire(TimeBase::packet, kT0 + 10 * kSec);
  c1.fire(TimeBase::packet, kT0 + 10 * kSec);
  EXPECT_EQ(c0.offloads_refused + c1.offloads_refused, 1u);  // one task for the period, not two
  feed(*a0, pk[1600]);
  a0->on_stop();
  a1->on_stop();
  (*f)->finish();
  const auto ls = read(cfg.output);
  ASSERT_EQ(ls.size(), 1u);  // the final window, written by the last thread to stop
  EXPECT_EQ(ls[0]["packets"], 1);
  std::vector<AnalyzerCounter> cs;
  a0->counters(cs);
  a1->counters(cs);
  std::uint64_t refused = 0;
  for (const auto& c : cs)
    if (c.name == "windows_refused") refused += c.value;
  EXPECT_EQ(refused, 1u);
}

// An output that cannot keep up (a FIFO nobody reads yet): window lines beyond the queue are
// dropped at once, counted in the output's dropped and in the named windows_queue_full.
TEST_F(HeavyHittersMerged, AFullWindowQueueDropsCountedNeverWaits) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(rd, 0);
  HeavyHittersConfig cfg;
  cfg.output = fifo;
  cfg.queue_lines = 2;
  auto f = HeavyHittersFactory::create(cfg);
  ASSERT_TRUE(f) << f.error().message;
  const std::string line(16383, 'w');
  for (int i = 0; i < 50; ++i) (*f)->write_line(line);  // the pipe holds 64 KiB
  std::vector<OutputCounter> cs;
  (*f)->output_counters(cs);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].name, "windows_queue_full");
  EXPECT_EQ(cs[0].output, "windows");
  EXPECT_TRUE(cs[0].drop);
  EXPECT_GT(cs[0].value, 30u);
  std::thread reader([rd] {
    ::fcntl(rd, F_SETFL, ::fcntl(rd, F_GETFL) & ~O_NONBLOCK);
    char buf[65536];
    while (::read(rd, buf, sizeof buf) > 0) {
    }
  });
  (*f)->finish();
  reader.join();
  ::close(rd);
  std::vector<OutputStatus> outs;
  (*f)->outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].written + outs[0].dropped, 50u);
  EXPECT_EQ(outs[0].dropped, cs[0].value);
  EXPECT_NE(outs[0].error.find("window queue full"), std::string::npos) << outs[0].error;
}

}  // namespace
}  // namespace riptide
