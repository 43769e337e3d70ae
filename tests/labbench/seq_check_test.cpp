// seq_check: the latency histogram and the analyzer, on frames built with hand-made payloads.
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "riptide/gen/seq_check.hpp"
#include "riptide/gen/frame_builder.hpp"

namespace riptide {
namespace {

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 32; ++v) h.record(v);
  EXPECT_EQ(h.count(), 32u);
  EXPECT_EQ(h.percentile(0.5), 15u);  // the 16th of 0..31
  EXPECT_EQ(h.percentile(1.0), 31u);
  EXPECT_EQ(h.percentile(0.0), 0u);
  EXPECT_EQ(h.max(), 31u);
}

TEST(LatencyHistogram, BucketsTileTheRange) {
  // Every value maps to a bucket whose bounds contain it, and consecutive buckets touch.
  for (std::size_t i = 0; i + 1 < LatencyHistogram::kBuckets; ++i) {
    ASSERT_EQ(LatencyHistogram::bucket_high(i) + 1, LatencyHistogram::bucket_low(i + 1)) << i;
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_low(i)), i);
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::bucket_high(i)), i);
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(~0ull), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::bucket_high(LatencyHistogram::kBuckets - 1), ~0ull);
}

TEST(LatencyHistogram, PercentilesWithinRelativeError) {
  // 1..100000 ns uniformly: the true p50 is 50000, p99 99000, p99.9 99900.
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v) h.record(v);
  const double tol = 1.0 / 32;
  for (auto [q, truth] : {std::pair{0.5, 50'000.0}, {0.99, 99'000.0}, {0.999, 99'900.0}}) {
    const double got = double(h.percentile(q));
    EXPECT_GE(got, truth) << "the bucket's upper edge: never below the true value";
    EXPECT_LE(got, truth * (1 + tol)) << q;
  }
  EXPECT_EQ(h.percentile(1.0), 100'000u);
  EXPECT_EQ(h.max(), 100'000u);
}

TEST(LatencyHistogram, TailIsSeenAndMergeAdds) {
  // 999 fast packets and one 5 ms straggler: p99.9 must not hide it.
  LatencyHistogram a, b;
  for (int i = 0; i < 999; ++i) a.record(20'000);
  b.record(5'000'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 1000u);
  EXPECT_EQ(a.max(), 5'000'000u);
  EXPECT_LE(a.percentile(0.99), 20'000u * 33 / 32);
  EXPECT_GE(a.percentile(0.99), 20'000u);
  EXPECT_LE(a.percentile(0.999), 20'000u * 33 / 32);  // the 999th value: still fast
  EXPECT_EQ(a.percentile(0.9995), 5'000'000u);       // rank 1000: the straggler (clipped to max)
}

TEST(LatencyHistogram, RandomValuesAgainstSortedTruth) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(10.0, 1.5);  // ~22 us median, long tail
  std::vector<std::uint64_t> vals;
  LatencyHistogram h;
  for (int i = 0; i < 20'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    vals.push_back(v);
    h.record(v);
  }
  std::sort(vals.begin(), vals.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto truth = double(vals[std::size_t(std::ceil(q * double(vals.size()))) - 1]);
    const double got = double(h.percentile(q));
    EXPECT_GE(got, truth) << q;
    EXPECT_LE(got, truth * (1 + 1.0 / 32) + 1) << q;
  }
}

// Frames of the generator's format with chosen flow, sequence and send time.
class SeqCheckFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    gen::FrameSpec spec;
    spec.flows = 4;
    auto b = gen::FrameBuilder::create(spec);
    ASSERT_TRUE(b);
    builder_ = std::make_unique<gen::FrameBuilder>(std::move(*b));
  }
  std::vector<std::uint8_t> frame(std::uint32_t flow, std::uint64_t seq, std::int64_t send) {
    std::vector<std::uint8_t> buf(200, 0);
    EXPECT_EQ(builder_->write(flow, seq, send, 200, buf), 200u);
    return buf;
  }
  // Feeds one frame; ts = arrival, send = the payload's send time.
  void feed(Analyzer& a, std::uint32_t flow, std::uint64_t seq, std::int64_t send, std::int64_t arrival) {
    std::vector<std::uint8_t> buf(200, 0);
    ASSERT_EQ(builder_->write(flow, seq, send, 200, buf), 200u);
    PacketView v;
    v.data = buf.data();
    v.caplen = v.wirelen = 200;
    v.ts_ns = arrival;
    a.on_packet(PacketMeta{}, v);
  }
  std::unique_ptr<gen::FrameBuilder> builder_;
};

TEST_F(SeqCheckFrames, CountsLossDuplicatesReorderingAndLatency) {
  const std::string path = ::testing::TempDir() + "/seq_check_" + std::to_string(::getpid()) + ".json";
  SeqCheckFactory f(path);
  auto a0 = f.create(0);
  auto a1 = f.create(1);
  const std::int64_t t0 = 1'700'000'000'000'000'000;
  // Instance 0, flow 0: 0 1 2 [3 lost] 4 6 5 (reordered) 6 (duplicate); latency 10 us each.
  const std::uint64_t seqs[] = {0, 1, 2, 4, 6, 5, 6};
  for (std::uint64_t s : seqs) feed(*a0, 0, s, t0 + std::int64_t(s) * 1000, t0 + std::int64_t(s) * 1000 + 10'000);
  // Instance 1, flow 1: 0..9 with 2 and 7 lost; latency 1 ms.
  for (std::uint64_t s = 0; s < 10; ++s)
    if (s != 2 && s != 7) feed(*a1, 1, s, t0, t0 + 1'000'000);
  // Not generator traffic, and a packet "from the future" (clocks disagree).
  std::vector<std::uint8_t> junk(80, 0xab);
  PacketView jv;
  jv.data = junk.data();
  jv.caplen = jv.wirelen = 80;
  a1->on_packet(PacketMeta{}, jv);
  feed(*a1, 2, 0, t0 + 5'000, t0);

  std::vector<AnalyzerCounter> cs;
  a0->counters(cs);
  ASSERT_FALSE(cs.empty());
  EXPECT_EQ(cs[0].name, "seq_received");
  EXPECT_EQ(cs[0].value, 7u);

  a0->on_stop();
  a1->on_stop();
  f.finish();
  const SeqCheckSummary s = f.summary();
  EXPECT_EQ(s.seq.received, 7u + 8u + 1u);
  EXPECT_EQ(s.seq.unique, 6u + 8u + 1u);
  EXPECT_EQ(s.seq.lost, 1u + 2u);
  EXPECT_EQ(s.seq.duplicates, 1u);
  EXPECT_EQ(s.seq.reordered, 1u);
  EXPECT_EQ(s.seq.flows_seen, 3u);
  EXPECT_EQ(s.not_gen, 1u);
  EXPECT_EQ(s.negative_latency, 1u);
  EXPECT_EQ(s.wire_to_kernel.count(), 15u);

  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["received"], 16u);
  EXPECT_EQ(j["lost"], 3u);
  EXPECT_EQ(j["duplicates"], 1u);
  EXPECT_EQ(j["reordered"], 1u);
  // 7 samples at 10 us and 8 at 1 ms: the median is 1 ms, p99 and max too.
  const auto& l = j["wire_to_kernel_ns"];
  EXPECT_GE(l["p50"].get<std::uint64_t>(), 1'000'000u);
  EXPECT_LE(l["p50"].get<std::uint64_t>(), 1'000'000u);  // clipped to max, which is exact
  EXPECT_EQ(l["max"], 1'000'000u);
  EXPECT_EQ(l["p999"], 1'000'000u);
  EXPECT_EQ(l["negative"], 1u);
  std::remove(path.c_str());
}

TEST_F(SeqCheckFrames, MedianOfMostlyFastPackets) {
  SeqCheckFactory f("");
  auto a = f.create(0);
  const std::int64_t t0 = 1'700'000'000'000'000'000;
  for (std::uint64_t s = 0; s < 100; ++s) feed(*a, 3, s, t0, t0 + (s < 90 ? 40'000 : 3'000'000));
  a->on_stop();
  const auto s = f.summary();
  EXPECT_EQ(s.seq.lost, 0u);
  EXPECT_GE(s.wire_to_kernel.percentile(0.5), 40'000u);
  EXPECT_LE(s.wire_to_kernel.percentile(0.5), 40'000u * 33 / 32);
  EXPECT_GE(s.wire_to_kernel.percentile(0.99), 3'000'000u * 31 / 32);
}

// The output opens when the factory is made (before -Z, before capture): a bad path is an
// error at start, not a line on stderr at the end.
TEST(SeqCheckFactory, UnwritablePathFailsAtStart) {
  auto r = SeqCheckFactory::open("/nonexistent-dir/x.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent-dir/x.json"), std::string::npos) << r.error().message;
  SeqCheckFactory f("/nonexistent-dir/x.json");
  try {
    (void)f.create(0);
    ADD_FAILURE() << "create() made an analyzer whose output cannot be written";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.json"), std::string::npos) << e.what();
  }
  std::vector<OutputStatus> outs;
  f.outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].dropped, 1u);
  EXPECT_FALSE(outs[0].error.empty());
}

TEST(SeqCheckFactory, FileIsOpenBeforeTheRunAndAFullDiskIsCounted) {
  const std::string path = ::testing::TempDir() + "/seq_open_" + std::to_string(::getpid()) + ".json";
  {
    SeqCheckFactory f(path);
    EXPECT_GE(f.fd(), 0);
    std::ifstream probe(path);
    EXPECT_TRUE(probe) << "the file is created before any packet";
    f.finish();
    std::vector<OutputStatus> outs;
    f.outputs(outs);
    ASSERT_EQ(outs.size(), 1u);
    EXPECT_EQ(outs[0].written, 1u);
    EXPECT_EQ(outs[0].dropped, 0u);
  }
  std::remove(path.c_str());
  SeqCheckFactory full("/dev/full");
  testing::internal::CaptureStderr();
  full.finish();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  std::vector<OutputStatus> outs;
  full.outputs(outs);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].written, 0u);
  EXPECT_EQ(outs[0].dropped, 1u);
  EXPECT_NE(outs[0].error.find("No space left"), std::string::npos) << outs[0].error;
}

// Wire to kernel timestamp and wire to analyzer are two figures: the second includes the
// time between the kernel's timestamp and the hand-over (here: the packets are handed over
// about 50 ms after their kernel timestamp).
TEST_F(SeqCheckFrames, WireToAnalyzerIncludesTheWaitAfterTheKernelTimestamp) {
  SeqCheckFactory f("");
  auto a = f.create(0);
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const std::int64_t now = std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  std::vector<std::vector<std::uint8_t>> bufs;
  std::vector<PacketView> views;
  for (std::uint64_t s = 0; s < 8; ++s) {
    bufs.push_back(frame(3, s, now - 50'000'000));
    PacketView v;
    v.data = bufs.back().data();
    v.caplen = v.wirelen = static_cast<std::uint32_t>(bufs.back().size());
    v.ts_ns = now - 50'000'000 + 20'000;  // the kernel saw it 20 us after it was sent
    views.push_back(v);
  }
  std::vector<PacketMeta> metas(views.size());
  a->on_packets(metas, views);
  a->on_stop();
  const auto s = f.summary();
  EXPECT_EQ(s.wire_to_kernel.count(), 8u);
  EXPECT_EQ(s.wire_to_analyzer.count(), 8u);
  EXPECT_LE(s.wire_to_kernel.max(), 20'000u);
  EXPECT_GE(s.wire_to_analyzer.percentile(0.5), 50'000'000u * 31 / 32);
  const auto j = nlohmann::json::parse(s.to_json());
  EXPECT_TRUE(j.contains("wire_to_kernel_ns"));
  EXPECT_EQ(j["wire_to_analyzer_ns"]["count"], 8u);
}

}  // namespace
}  // namespace riptide
