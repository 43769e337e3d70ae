// The flow output thread: a sink that cannot keep up costs records, counted exactly, and
// never holds up the producer (the capture side); with wait, nothing is lost.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "riptide/flow/eve_json_sink.hpp"
#include "riptide/flow/flow_output.hpp"

namespace riptide {
namespace {

using Clock = std::chrono::steady_clock;

// Takes every record, slowly, and checks each producer's records arrive in order.
class SlowSink final : public FlowRecordSink {
 public:
  explicit SlowSink(std::chrono::microseconds per_call) : per_call_(per_call) {}
  std::string_view name() const noexcept override { return "slow"; }
  std::string target() const override { return "<test>"; }
  void write(std::span<const FlowRecord> recs) noexcept override {
    std::this_thread::sleep_for(per_call_);
    for (const auto& r : recs) {
      const auto p = r.flow_id >> 32;
      if (p < last_.size() && r.flow_id <= last_[p]) out_of_order_.fetch_add(1);
      if (p < last_.size()) last_[p] = r.flow_id;
    }
    n_.fetch_add(recs.size());
  }
  void tick(TimestampNs) noexcept override { ticks_.fetch_add(1); }
  void close() noexcept override { closed_.store(true); }
  SinkStatus status() const noexcept override { return {n_.load(), 0, {}}; }
  std::atomic<std::uint64_t> n_{0}, out_of_order_{0}, ticks_{0};
  std::atomic<bool> closed_{false};

 private:
  std::chrono::microseconds per_call_;
  std::array<std::uint64_t, 8> last_{};
};

FlowRecord rec(std::uint64_t producer, std::uint64_t seq) {
  FlowRecord r;
  r.flow_id = producer << 32 | seq;
  r.ip_version = 4;
  r.proto = 17;
  r.src_port = 1000;
  r.dest_port = 53;
  r.toserver.pkts = 1;
  r.toserver.bytes = 60;
  r.start_ns = r.end_ns = 1'700'000'000'000'000'000;
  return r;
}

TEST(FlowOutput, ASlowSinkCostsRecordsCountedExactlyNeverTheProducersTime) {
  auto sink = std::make_unique<SlowSink>(std::chrono::microseconds(2000));
  SlowSink* s = sink.get();
  std::vector<std::unique_ptr<FlowRecordSink>> v;
  v.push_back(std::move(sink));
  FlowOutputConfig cfg;
  cfg.queue_records = 256;
  auto out = FlowOutput::start(std::move(v), cfg);
  ASSERT_TRUE(out) << out.error().message;
  constexpr std::uint64_t kProducers = 3, kBatches = 400, kBatch = 64;
  std::vector<FlowOutput::Producer*> ps;
  for (std::uint64_t p = 0; p < kProducers; ++p) ps.push_back((*out)->add_producer());
  std::atomic<std::int64_t> worst_ns{0};
  std::vector<std::thread> ts;
  for (std::uint64_t p = 0; p < kProducers; ++p)
    ts.emplace_back([&, p] {
      std::vector<FlowRecord> batch(kBatch);
      std::uint64_t seq = 1;
      for (std::uint64_t b = 0; b < kBatches; ++b) {
        for (auto& r : batch) r = rec(p, seq++);
        const auto t0 = Clock::now();
        ps[p]->push(batch.data(), batch.size(), false);
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
        std::int64_t w = worst_ns.load();
        while (ns > w && !worst_ns.compare_exchange_weak(w, ns)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));  // a capture thread's batch cadence
      }
    });
  for (auto& t : ts) t.join();
  (*out)->close();
  const std::uint64_t offered = kProducers * kBatches * kBatch;
  EXPECT_TRUE(s->closed_.load());
  EXPECT_GT((*out)->queue_full(), 0u) << "the sink kept up: the test proves nothing";
  EXPECT_EQ((*out)->pushed() + (*out)->queue_full(), offered);
  EXPECT_EQ(s->n_.load(), (*out)->pushed()) << "a queued record did not reach the sink at close";
  EXPECT_EQ((*out)->queued_now(), 0u);
  EXPECT_EQ(s->out_of_order_.load(), 0u);
  // A push copies at most 64 records and returns; the sink sleeps 2 ms per call. Generous for
  // a loaded machine, but far below what waiting on the sink would cost.
  EXPECT_LT(worst_ns.load(), 50'000'000) << "a push waited for the sink";
}

TEST(FlowOutput, WaitingProducersLoseNothing) {
  auto sink = std::make_unique<SlowSink>(std::chrono::microseconds(300));
  SlowSink* s = sink.get();
  std::vector<std::unique_ptr<FlowRecordSink>> v;
  v.push_back(std::move(sink));
  FlowOutputConfig cfg;
  cfg.queue_records = 128;
  auto out = FlowOutput::start(std::move(v), cfg);
  ASSERT_TRUE(out);
  auto* p = (*out)->add_producer();
  std::vector<FlowRecord> batch(100);
  std::uint64_t seq = 1;
  for (int b = 0; b < 200; ++b) {
    for (auto& r : batch) r = rec(0, seq++);
    EXPECT_EQ(p->push(batch.data(), batch.size(), true), batch.size());
  }
  (*out)->close();
  EXPECT_EQ((*out)->queue_full(), 0u);
  EXPECT_EQ(s->n_.load(), 20000u);
  EXPECT_EQ(s->out_of_order_.load(), 0u);
}

TEST(FlowOutput, SinksAreTickedWhileIdle) {
  auto sink = std::make_unique<SlowSink>(std::chrono::microseconds(0));
  SlowSink* s = sink.get();
  std::vector<std::unique_ptr<FlowRecordSink>> v;
  v.push_back(std::move(sink));
  auto out = FlowOutput::start(std::move(v), {});
  ASSERT_TRUE(out);
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  (*out)->close();
  EXPECT_GE(s->ticks_.load(), 2u);
  EXPECT_TRUE(FlowOutput::start({}, {}).error().message.find("no sink") != std::string::npos);
}

// The EVE JSON file on a FIFO whose reader takes 4 KiB every 5 ms: the output thread blocks in
// write(), the queue fills, records are dropped and counted; the reader then gets exactly the
// records the sink says it wrote, each a whole line.
TEST(FlowOutput, AFifoReadSlowlyDropsCountedRecordsAndKeepsLinesWhole) {
  std::string dir = (std::filesystem::temp_directory_path() / "riptide-fifo-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/flows.fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int rfd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // so that the writer's open returns
  ASSERT_GE(rfd, 0);
  ::fcntl(rfd, F_SETFL, 0);
  auto eve = EveJsonSink::open(path);
  ASSERT_TRUE(eve) << eve.error().message;
  EveJsonSink* sink = eve->get();
  std::atomic<bool> fast{false};
  std::string got;
  std::thread reader([&] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(rfd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
      if (!fast.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::vector<std::unique_ptr<FlowRecordSink>> v;
  v.push_back(std::move(*eve));
  FlowOutputConfig cfg;
  cfg.queue_records = 512;
  auto out = FlowOutput::start(std::move(v), cfg);
  ASSERT_TRUE(out);
  auto* p = (*out)->add_producer();
  std::vector<FlowRecord> batch(128);
  std::uint64_t seq = 1;
  const auto t0 = Clock::now();
  for (int b = 0; b < 300; ++b) {  // 38,400 records, ~9 MB of JSON
    for (auto& r : batch) r = rec(0, seq++);
    p->push(batch.data(), batch.size(), false);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  const auto produce_time = Clock::now() - t0;
  fast.store(true);
  (*out)->close();
  reader.join();
  ::close(rfd);
  std::filesystem::remove_all(dir);
  const SinkStatus st = sink->status();
  const std::uint64_t offered = 300 * 128;
  EXPECT_GT((*out)->queue_full(), 0u);
  EXPECT_EQ((*out)->pushed() + (*out)->queue_full(), offered);
  EXPECT_EQ(st.written + st.dropped, (*out)->pushed());
  EXPECT_EQ(st.dropped, 0u) << st.error;
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), '\n');
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(got.begin(), got.end(), '\n')), st.written);
  EXPECT_LT(produce_time, std::chrono::seconds(10)) << "the producer was held up by the FIFO";
}

}  // namespace
}  // namespace riptide
