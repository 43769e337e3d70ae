#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
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
constexpr TimestampNs kT0 = 1'700'000'000 * kSec;

class HeavyHittersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("riptide_hh_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::unique_ptr<HeavyHittersFactory> factory(HeavyHittersConfig cfg) {
    cfg.output = path_;
    auto f = HeavyHittersFactory::create(cfg);
    EXPECT_TRUE(f) << f.error().message;
    last_ = f ? f->get() : nullptr;
    return f ? std::move(*f) : nullptr;
  }

  // The lines on disk once the output thread has written every line handed to it.
  std::vector<json> lines() {
    if (last_) last_->flush();
    std::ifstream in(path_);
    std::vector<json> out;
    std::string l;
    while (std::getline(in, l)) out.push_back(json::parse(l));  // throws (fails) on bad JSON
    return out;
  }

  // A UDP packet of `payload` bytes; returns its wire length.
  static std::uint32_t packet(Analyzer& a, const std::string& src, const std::string& dst, std::uint16_t sport,
                              std::uint16_t dport, std::size_t payload, TimestampNs ts) {
    const auto bytes = PacketBuilder().eth().ipv4(src, dst).udp(sport, dport).payload(payload).build();
    PacketView v = test::view_of(bytes);
    v.ts_ns = ts;
    PacketMeta m;
    DecodeStats st;
    decode(v, m, st);
    a.on_packet(m, v);
    return v.wirelen;
  }

  static std::uint64_t counter(const Analyzer& a, const std::string& name) {
    std::vector<AnalyzerCounter> cs;
    a.counters(cs);
    for (const auto& c : cs)
      if (c.name == name) return c.value;
    ADD_FAILURE() << "no counter " << name;
    return 0;
  }

  std::string path_;
  HeavyHittersFactory* last_ = nullptr;
};

TEST_F(HeavyHittersTest, OneLinePerWindowWithTopTalkersAndEntropy) {
  HeavyHittersConfig cfg;
  cfg.k = 3;
  auto f = factory(cfg);
  ASSERT_TRUE(f);
  auto a = f->create(0);
  FakeContext ctx(0, 1);
  a->on_start(ctx);
  ASSERT_EQ(ctx.timers.size(), 1u);
  EXPECT_EQ(ctx.timers[0].base, TimeBase::packet);
  EXPECT_EQ(ctx.timers[0].period, std::chrono::seconds(10));

  // Window 1: one source sends to 256 destinations (uniform) on 256 ports; three other
  // sources send less. Bytes per source: .1 >> .2 > .3 > .4.
  std::uint64_t bytes = 0, pkts = 0, b1 = 0, b2 = 0, b3 = 0;
  for (int i = 0; i < 256; ++i) {
    b1 += packet(*a, "10.0.0.1", "172.16.0." + std::to_string(i), 4000, static_cast<std::uint16_t>(1000 + i), 400,
                 kT0 + i);
    ++pkts;
  }
  for (int i = 0; i < 30; ++i, ++pkts) b2 += packet(*a, "10.0.0.2", "172.16.0.1", 4000, 53, 500, kT0 + 300);
  for (int i = 0; i < 20; ++i, ++pkts) b3 += packet(*a, "10.0.0.3", "172.16.0.1", 4000, 53, 500, kT0 + 301);
  const std::uint64_t b4 = packet(*a, "10.0.0.4", "172.16.0.2", 4000, 53, 10, kT0 + 302);
  ++pkts;
  bytes = b1 + b2 + b3 + b4;
  a->on_batch_end(kT0 + 302);
  ctx.fire(TimeBase::packet, kT0 + 10 * kSec);
  EXPECT_EQ(ctx.pending(), 1u);
  EXPECT_TRUE(lines().empty());  // nothing is written before complete()

  // Window 2: a single flow.
  const std::uint64_t w2 = packet(*a, "10.0.0.9", "10.0.0.8", 7, 443, 100, kT0 + 11 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 20 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 30 * kSec);  // empty window: no line
  EXPECT_EQ(ctx.pump(), 2u);
  a->on_stop();
  f->finish();

  const auto ls = lines();
  ASSERT_EQ(ls.size(), 2u);
  const json& j = ls[0];
  EXPECT_EQ(j["event_type"], "heavy_hitters");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["window_start_ns"], kT0);
  EXPECT_EQ(j["window_end_ns"], kT0 + 10 * kSec);
  EXPECT_EQ(j["packets"], pkts);
  EXPECT_EQ(j["bytes"], bytes);
  EXPECT_EQ(j["k"], 3);
  ASSERT_EQ(j["top_k_src"].size(), 3u);
  EXPECT_EQ(j["top_k_src"][0]["ip"], "10.0.0.1");
  EXPECT_EQ(j["top_k_src"][0]["bytes"], b1);
  EXPECT_EQ(j["top_k_src"][0]["error_bound"], 0);
  EXPECT_EQ(j["top_k_src"][1]["ip"], "10.0.0.2");
  EXPECT_EQ(j["top_k_src"][1]["bytes"], b2);
  EXPECT_EQ(j["top_k_src"][2]["ip"], "10.0.0.3");
  EXPECT_EQ(j["top_k_dst"][0]["ip"], "172.16.0.1");
  EXPECT_EQ(j["top_k_dst"][0]["bytes"], b2 + b3 + b1 / 256);
  ASSERT_GE(j["top_k_dst_port"].size(), 1u);
  EXPECT_EQ(j["top_k_dst_port"][0]["port"], 53);
  EXPECT_GE(j["top_k_dst_port"][0]["bytes"].get<std::uint64_t>(), b2 + b3 + b4);  // Count-Min: never below
  const json& e = j["entropy"];
  EXPECT_LT(e["src_ip"].get<double>(), 1.5);   // mostly one source
  EXPECT_GT(e["dst_ip"].get<double>(), 4.0);   // spread over 256 destinations
  EXPECT_EQ(e["src_port"].get<double>(), 0.0);  // a single source port

  const json& k = ls[1];
  EXPECT_EQ(k["window_start_ns"], kT0 + 10 * kSec);
  EXPECT_EQ(k["window_end_ns"], kT0 + 20 * kSec);
  EXPECT_EQ(k["packets"], 1);
  ASSERT_EQ(k["top_k_src"].size(), 1u);
  EXPECT_EQ(k["top_k_src"][0]["ip"], "10.0.0.9");
  EXPECT_EQ(k["top_k_src"][0]["bytes"], w2);
  EXPECT_EQ(k["top_k_dst_port"][0]["port"], 443);
  EXPECT_EQ(k["top_k_dst_port"][0]["bytes"], w2);
  for (const char* name : {"src_ip", "dst_ip", "src_port", "dst_port"}) EXPECT_EQ(k["entropy"][name], 0.0) << name;

  EXPECT_EQ(counter(*a, "windows_emitted"), 2u);
  EXPECT_EQ(counter(*a, "windows_refused"), 0u);
  EXPECT_EQ(f->lines_written(), 2u);
}

TEST_F(HeavyHittersTest, UniformSourcesGiveHighEntropyAndIpv6Text) {
  auto f = factory({});
  auto a = f->create(0);
  FakeContext ctx;
  ctx.offload_mode = FakeContext::Offload::threaded;
  a->on_start(ctx);
  for (int i = 0; i < 1024; ++i)
    packet(*a, "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1", "192.0.2.1",
           static_cast<std::uint16_t>(i + 1), 80, 20, kT0);
  const auto v6 = PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).payload(5000).build();
  PacketView v = test::view_of(v6);
  PacketMeta m;
  DecodeStats st;
  decode(v, m, st);
  a->on_packet(m, v);
  ctx.fire(TimeBase::packet, kT0 + 10 * kSec);
  // Packets keep flowing into the next window while run() executes on another thread.
  for (int i = 0; i < 1000; ++i) packet(*a, "10.0.0.1", "192.0.2.1", 1, 80, 20, kT0 + 11 * kSec);
  ctx.pump();
  a->on_stop();
  const auto ls = lines();
  ASSERT_EQ(ls.size(), 2u);  // the window, then the partial one from on_stop
  EXPECT_EQ(ls[0]["top_k_src"][0]["ip"], "2001:db8::1");
  EXPECT_GT(ls[0]["entropy"]["src_ip"].get<double>(), 9.5);  // ~log2(1025) less bucket collisions
  EXPECT_GT(ls[0]["entropy"]["src_port"].get<double>(), 9.5);
  EXPECT_LT(ls[0]["entropy"]["dst_ip"].get<double>(), 0.05);  // one destination, and the IPv6 packet
  EXPECT_EQ(ls[1]["packets"], 1000);
  EXPECT_EQ(ls[1]["window_start_ns"], kT0 + 10 * kSec);
  EXPECT_EQ(counter(*a, "windows_emitted"), 2u);
}

TEST_F(HeavyHittersTest, RefusedOffloadSkipsTheWindowAndCountsIt) {
  auto f = factory({});
  auto a = f->create(0);
  FakeContext ctx;
  ctx.offload_mode = FakeContext::Offload::refuse;
  a->on_start(ctx);
  for (int w = 0; w < 3; ++w) {
    packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + w * 10 * kSec);
    ctx.fire(TimeBase::packet, kT0 + (w + 1) * 10 * kSec);
  }
  EXPECT_EQ(ctx.offloads_refused, 3u);
  EXPECT_EQ(counter(*a, "windows_refused"), 3u);
  EXPECT_EQ(counter(*a, "windows_emitted"), 0u);
  EXPECT_TRUE(lines().empty());
  // The analyzer goes on: once the pool accepts again, windows are written.
  ctx.offload_mode = FakeContext::Offload::queue;
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 35 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 40 * kSec);
  ctx.pump();
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(lines()[0]["packets"], 1);  // refused windows do not leak into later ones
}

TEST_F(HeavyHittersTest, LiveTooManyWindowsInFlightAreSkipped) {
  HeavyHittersConfig cfg;
  cfg.max_in_flight = 1;
  auto f = factory(cfg);
  auto a = f->create(0);
  FakeContext ctx;
  ctx.live_ = true;
  a->on_start(ctx);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0);
  ctx.fire(TimeBase::packet, kT0 + 10 * kSec);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 11 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 20 * kSec);  // the first is still computing
  EXPECT_EQ(counter(*a, "windows_skipped_busy"), 1u);
  EXPECT_EQ(ctx.pump(), 1u);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 21 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 30 * kSec);  // a spare state is reused here
  EXPECT_EQ(ctx.pump(), 1u);
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(HeavyHittersTest, FileTooManyWindowsInFlightAreComputedInline) {
  HeavyHittersConfig cfg;
  cfg.max_in_flight = 1;
  auto f = factory(cfg);
  auto a = f->create(0);
  FakeContext ctx;
  ctx.live_ = false;
  a->on_start(ctx);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0);
  ctx.fire(TimeBase::packet, kT0 + 10 * kSec);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 11 * kSec);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 12 * kSec);
  ctx.fire(TimeBase::packet, kT0 + 20 * kSec);  // the first is still computing: this one is done here
  EXPECT_EQ(counter(*a, "windows_skipped_busy"), 0u);
  EXPECT_EQ(counter(*a, "windows_computed_inline"), 1u);
  // Done first, but written only after the window before it: the output stays in time order.
  EXPECT_EQ(lines().size(), 0u);
  EXPECT_EQ(ctx.pump(), 1u);
  ASSERT_EQ(lines().size(), 2u);
  EXPECT_EQ(lines()[0]["packets"], 1);
  EXPECT_EQ(lines()[1]["packets"], 2);
  EXPECT_LT(lines()[0]["window_start_ns"].get<std::int64_t>(), lines()[1]["window_start_ns"].get<std::int64_t>());
}

TEST_F(HeavyHittersTest, WithoutTimersWindowsAlignAndCloseAtBatchEnd) {
  auto f = factory({});
  auto a = f->create(0);
  FakeContext ctx;
  ctx.timers_ok = false;
  a->on_start(ctx);
  const TimestampNs base = kT0 + 3 * kSec;  // kT0 is a multiple of 10 s
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, base);
  a->on_batch_end(base);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 9 * kSec);
  a->on_batch_end(kT0 + 9 * kSec);
  EXPECT_EQ(ctx.pending(), 0u);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 12 * kSec);
  a->on_batch_end(kT0 + 12 * kSec);  // the batch crossed the boundary: its packets stay in window 1
  ASSERT_EQ(ctx.pending(), 1u);
  packet(*a, "10.0.0.1", "10.0.0.2", 1, 2, 10, kT0 + 25 * kSec);
  a->on_batch_end(kT0 + 25 * kSec);
  ctx.pump();
  a->on_stop();
  const auto ls = lines();
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0]["window_start_ns"], kT0);
  EXPECT_EQ(ls[0]["window_end_ns"], kT0 + 10 * kSec);
  EXPECT_EQ(ls[0]["packets"], 3);
  EXPECT_EQ(ls[1]["window_start_ns"], kT0 + 20 * kSec);  // aligned, not the packet time
  EXPECT_EQ(ls[1]["packets"], 1);
}

TEST_F(HeavyHittersTest, NonIpPacketsCountButAreNotTalkers) {
  auto f = factory({});
  auto a = f->create(0);
  FakeContext ctx;
  a->on_start(ctx);
  const auto arp = PacketBuilder().eth().arp(1, "10.0.0.1", "10.0.0.2").build();
  PacketView v = test::view_of(arp);
  v.ts_ns = kT0;
  PacketMeta m;
  DecodeStats st;
  decode(v, m, st);
  a->on_packet(m, v);
  ctx.fire(TimeBase::packet, kT0 + 10 * kSec);
  ctx.pump();
  const auto ls = lines();
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0]["packets"], 1);
  EXPECT_EQ(ls[0]["ip_packets"], 0);
  EXPECT_TRUE(ls[0]["top_k_src"].empty());
  EXPECT_TRUE(ls[0]["top_k_dst_port"].empty());
}

TEST_F(HeavyHittersTest, BadConfigAndUnwritableOutputFail) {
  HeavyHittersConfig c;
  c.k = 0;
  EXPECT_FALSE(HeavyHittersFactory::create(c));
  c = {};
  c.window = std::chrono::nanoseconds(0);
  EXPECT_FALSE(HeavyHittersFactory::create(c));
  c = {};
  c.cm_depth = 100;
  EXPECT_FALSE(HeavyHittersFactory::create(c));
  c = {};
  c.output = "/nonexistent-dir/x.jsonl";
  auto r = HeavyHittersFactory::create(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent-dir/x.jsonl"), std::string::npos);
  c.output = "";  // counters only
  auto q = HeavyHittersFactory::create(c);
  ASSERT_TRUE(q);
  (*q)->write_line("{}");
  EXPECT_EQ((*q)->lines_written(), 0u);
}

}  // namespace
}  // namespace riptide
