#include "riptide/dispatch/dispatcher.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

namespace riptide {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kTestPort = 80;

// A TCP/IPv4 PacketMeta for flow `flow`, in one direction or the other.
PacketMeta flow_meta(std::uint32_t flow, bool reverse) {
  PacketMeta m;
  m.flags = kMetaHasL3 | kMetaHasL4;
  m.ethertype = 0x0800;
  m.ip_version = 4;
  m.ip_proto = 6;
  const std::uint8_t client[4] = {10, static_cast<std::uint8_t>(flow >> 16), static_cast<std::uint8_t>(flow >> 8),
                                  static_cast<std::uint8_t>(flow)};
  const std::uint8_t server[4] = {192, 0, 2, static_cast<std::uint8_t>(flow % 7)};
  const std::uint16_t cport = static_cast<std::uint16_t>(1024 + flow % 60000);
  m.src = IpAddr::from_v4(reverse ? server : client);
  m.dst = IpAddr::from_v4(reverse ? client : server);
  m.sport = reverse ? kTestPort : cport;
  m.dport = reverse ? cport : kTestPort;
  return m;
}

// Packet bytes carry (flow, seq, direction) so the receiver can check what it got.
struct Tag {
  std::uint32_t flow;
  std::uint32_t seq;
  std::uint8_t reverse;
};

// Builds batches whose packets point into its own storage; dispatch copies them, so the
// storage is overwritten between batches on purpose.
class BatchBuilder {
 public:
  explicit BatchBuilder(std::size_t pkt_len = 200) : len_(pkt_len), storage_(PacketBatch::kCapacity * pkt_len) {}

  void clear() {
    batch_.clear();
    metas_.clear();
  }
  bool full() const { return batch_.full(); }
  void add(const Tag& t, std::uint32_t caplen = 0, std::uint32_t wirelen = 0) {
    const std::size_t i = batch_.size();
    std::uint8_t* p = storage_.data() + i * len_;
    std::memset(p, 0xab, len_);
    std::memcpy(p, &t, sizeof(t));
    PacketView v;
    v.data = p;
    v.caplen = caplen != 0 ? caplen : static_cast<std::uint32_t>(len_);
    v.wirelen = wirelen != 0 ? wirelen : v.caplen;
    v.ts_ns = 1'700'000'000'000'000'000 + t.seq;
    v.ifindex = 3;
    v.vlan_tci = 0x0064;
    v.vlan_tpid = 0x8100;
    v.dir = Direction::inbound;
    batch_.push(v);
    PacketMeta m = flow_meta(t.flow, t.reverse != 0);
    m.caplen = v.caplen;
    m.wirelen = v.wirelen;
    metas_.push_back(m);
  }
  const PacketBatch& batch() const { return batch_; }
  std::span<const PacketMeta> metas() const { return metas_; }
  std::size_t size() const { return batch_.size(); }

 private:
  std::size_t len_;
  std::vector<std::uint8_t> storage_;
  PacketBatch batch_;
  std::vector<PacketMeta> metas_;
};

struct Seen {
  Tag tag;
  std::uint32_t caplen;
  std::uint32_t wirelen;
  std::uint16_t meta_flags;
  std::uint32_t meta_caplen;
  bool body_ok;
  bool meta_ok;  // the meta beside the packet is the one dispatched with it
};

// Records what each worker received. Each worker writes only its own vectors; the test reads
// them after stop() joined the threads.
class Recorder : public WorkerHandler {
 public:
  explicit Recorder(std::size_t workers)
      : seen(workers), batch_sizes(workers), stops(workers, 0), ticks(new std::atomic<int>[workers]) {
    for (std::size_t i = 0; i < workers; ++i) ticks[i] = 0;
  }

  void on_packets(std::size_t w, std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override {
    if (gate != nullptr && !entered.exchange(true)) gate->wait();
    if (stops[w] != 0) ++items_after_stop;
    if (metas.size() != pkts.size() || metas.empty()) ++bad_spans;
    batch_sizes[w].push_back(pkts.size());
    for (std::size_t i = 0; i < pkts.size(); ++i) {
      const PacketView& pkt = pkts[i];
      const PacketMeta& meta = metas[i];
      Seen s{};
      std::memcpy(&s.tag, pkt.data, sizeof(Tag));
      s.caplen = pkt.caplen;
      s.wirelen = pkt.wirelen;
      s.meta_flags = meta.flags;
      s.meta_caplen = meta.caplen;
      s.body_ok = pkt.ifindex == 3 && pkt.vlan_tci == 0x0064 && pkt.vlan_tpid == 0x8100 &&
                  pkt.dir == Direction::inbound && pkt.ts_ns == 1'700'000'000'000'000'000 + s.tag.seq;
      for (std::size_t k = sizeof(Tag); k < pkt.caplen; ++k) s.body_ok = s.body_ok && pkt.data[k] == 0xab;
      const PacketMeta want = flow_meta(s.tag.flow, s.tag.reverse != 0);
      s.meta_ok = meta.src == want.src && meta.dst == want.dst && meta.sport == want.sport &&
                  meta.dport == want.dport && meta.ip_proto == want.ip_proto && meta.caplen == pkt.caplen &&
                  meta.wirelen == pkt.wirelen;
      seen[w].push_back(s);
    }
    received.fetch_add(pkts.size(), std::memory_order_relaxed);
  }
  void on_tick(std::size_t w, TimestampNs now) override {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    const TimestampNs real = static_cast<TimestampNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    if (now > real || real - now > 1'000'000'000) ++bad_tick_time;
    ticks[w].fetch_add(1, std::memory_order_relaxed);
  }
  void on_stop(std::size_t w) override { ++stops[w]; }

  std::vector<std::vector<Seen>> seen;
  std::vector<std::vector<std::size_t>> batch_sizes;  // per worker, one entry per on_packets call
  std::vector<int> stops;
  std::unique_ptr<std::atomic<int>[]> ticks;
  std::atomic<int> bad_tick_time{0};
  std::atomic<std::uint64_t> received{0};
  std::atomic<int> items_after_stop{0};
  std::atomic<int> bad_spans{0};  // calls whose two spans differ in size, or are empty
  std::latch* gate = nullptr;  // when set, the first on_packets call blocks on it
  std::atomic<bool> entered{false};
};

std::unique_ptr<Dispatcher> make(const DispatcherConfig& cfg) {
  auto d = Dispatcher::create(cfg);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? std::move(d.value()) : nullptr;
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

TEST(Dispatcher, CreateRejectsBadConfig) {
  DispatcherConfig c;
  c.workers = 0;
  auto d = Dispatcher::create(c);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::invalid_argument);
  EXPECT_NE(d.error().message.find("workers"), std::string::npos);
  c = DispatcherConfig{};
  c.slot_bytes = 10;
  EXPECT_FALSE(Dispatcher::create(c).ok());
  c = DispatcherConfig{};
  c.worker_cpus = {-1};
  EXPECT_FALSE(Dispatcher::create(c).ok());
}

TEST(Dispatcher, StartTwiceFails) {
  auto d = make(DispatcherConfig{});
  ASSERT_TRUE(d);
  Recorder rec(1);
  ASSERT_TRUE(d->start(rec).ok());
  EXPECT_FALSE(d->start(rec).ok());
  d->stop();
  EXPECT_EQ(rec.stops[0], 1);
}

TEST(Dispatcher, WorkerChoiceIsSymmetric) {
  for (std::uint32_t f = 0; f < 10'000; ++f) {
    ASSERT_EQ(Dispatcher::worker_for(flow_meta(f, false), 4), Dispatcher::worker_for(flow_meta(f, true), 4)) << f;
  }
}

// Both directions of each of 10k flows reach one worker, and the flows spread over all.
TEST(Dispatcher, FlowAffinity) {
  constexpr std::uint32_t kFlows = 10'000;
  constexpr std::size_t kWorkers = 4;
  DispatcherConfig cfg;
  cfg.workers = kWorkers;
  cfg.ring_slots = 1024;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(kWorkers);
  ASSERT_TRUE(d->start(rec).ok());
  BatchBuilder bb(64);
  std::uint32_t seq = 0;
  for (int rep = 0; rep < 2; ++rep) {
    for (std::uint32_t f = 0; f < kFlows; ++f) {
      for (std::uint8_t rev = 0; rev < 2; ++rev) {
        bb.add(Tag{f, seq++, rev});
        if (bb.full()) {
          EXPECT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::wait), bb.size());
          bb.clear();
        }
      }
    }
  }
  EXPECT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::wait), bb.size());
  d->stop();

  std::vector<int> owner(kFlows, -1);
  std::vector<int> count(kFlows, 0);
  std::size_t total = 0;
  for (std::size_t w = 0; w < kWorkers; ++w) {
    EXPECT_GT(rec.seen[w].size(), kFlows * 4 / kWorkers / 2) << "worker " << w << " got too few flows";
    for (const Seen& s : rec.seen[w]) {
      ASSERT_LT(s.tag.flow, kFlows);
      if (owner[s.tag.flow] == -1) owner[s.tag.flow] = static_cast<int>(w);
      EXPECT_EQ(owner[s.tag.flow], static_cast<int>(w)) << "flow " << s.tag.flow << " split between workers";
      ++count[s.tag.flow];
      ++total;
    }
  }
  EXPECT_EQ(total, std::size_t{kFlows} * 4);
  for (std::uint32_t f = 0; f < kFlows; ++f) ASSERT_EQ(count[f], 4) << f;
  EXPECT_EQ(d->total_stats().enqueued, std::uint64_t{kFlows} * 4);
  EXPECT_EQ(d->total_stats().dequeued, std::uint64_t{kFlows} * 4);
  EXPECT_EQ(d->total_stats().queue_full_drops, 0u);
}

// With the worker stuck in its handler, drop mode enqueues exactly the free slots and counts
// every other packet as a queue-full drop.
TEST(Dispatcher, DropModeCountsExactlyTheOverflow) {
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.ring_slots = 64;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(1);
  std::latch gate(1);
  rec.gate = &gate;
  ASSERT_TRUE(d->start(rec).ok());

  BatchBuilder bb;
  bb.add(Tag{1, 0, 0});
  ASSERT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::drop), 1u);
  ASSERT_TRUE(wait_until([&] { return rec.entered.load(); }, 5000ms));
  // The worker holds slot 0 inside on_packets: 63 slots are free.
  bb.clear();
  for (std::uint32_t i = 1; i <= 200; ++i) bb.add(Tag{1, i, 0});
  EXPECT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::drop), 63u);
  EXPECT_EQ(d->stats(0).queue_full_drops, 137u);
  EXPECT_EQ(d->stats(0).enqueued, 64u);
  EXPECT_EQ(d->stats(0).max_depth, 64u);
  bb.clear();
  bb.add(Tag{1, 201, 0});
  EXPECT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::drop), 0u);
  EXPECT_EQ(d->stats(0).queue_full_drops, 138u);

  gate.count_down();
  d->stop();
  const WorkerStats s = d->stats(0);
  EXPECT_EQ(s.dequeued, 64u);
  EXPECT_EQ(s.queue_full_drops, 138u);
  ASSERT_EQ(rec.seen[0].size(), 64u);
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(rec.seen[0][i].tag.seq, i) << "the first 63 of the batch, in order";
}

// Wait mode with tiny queues and many flows: nothing lost, per-flow order kept.
TEST(Dispatcher, WaitModeLosesNothing) {
  constexpr std::uint32_t kFlows = 1000;
  constexpr std::uint32_t kPackets = 200'000;
  DispatcherConfig cfg;
  cfg.workers = 2;
  cfg.ring_slots = 16;
  cfg.worker_batch = 5;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(2);
  ASSERT_TRUE(d->start(rec).ok());
  BatchBuilder bb(40);
  std::size_t enq = 0;
  for (std::uint32_t i = 0; i < kPackets; ++i) {
    bb.add(Tag{(i * 7919u) % kFlows, i, static_cast<std::uint8_t>(i & 1)});
    if (bb.full() || i + 1 == kPackets) {
      enq += d->dispatch(bb.batch(), bb.metas(), Backpressure::wait);
      bb.clear();
    }
  }
  d->stop();
  EXPECT_EQ(enq, kPackets);
  const WorkerStats t = d->total_stats();
  EXPECT_EQ(t.enqueued, kPackets);
  EXPECT_EQ(t.dequeued, kPackets);
  EXPECT_EQ(t.queue_full_drops, 0u);
  EXPECT_LE(t.max_depth, 16u);
  std::vector<std::int64_t> last(kFlows, -1);
  std::size_t total = 0;
  for (const auto& v : rec.seen) {
    for (const Seen& s : v) {
      EXPECT_GT(static_cast<std::int64_t>(s.tag.seq), last[s.tag.flow]) << "flow " << s.tag.flow << " reordered";
      last[s.tag.flow] = s.tag.seq;
      EXPECT_TRUE(s.body_ok);
      EXPECT_TRUE(s.meta_ok) << "seq " << s.tag.seq;
      ++total;
    }
  }
  EXPECT_EQ(total, kPackets);
}

// A worker that went to sleep is woken by the producer, not by its tick timeout.
TEST(Dispatcher, SleepingWorkerWakesUp) {
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.idle_spin = 1us;
  cfg.tick_interval = 60s;  // a missed wake-up would stall the test for a minute
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(1);
  ASSERT_TRUE(d->start(rec).ok());
  BatchBuilder bb;
  for (std::uint32_t r = 0; r < 5; ++r) {
    std::this_thread::sleep_for(20ms);  // far longer than idle_spin: the worker is asleep
    bb.clear();
    bb.add(Tag{2, r, 0});
    ASSERT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::drop), 1u);
    ASSERT_TRUE(wait_until([&] { return rec.received.load() == r + 1; }, 5000ms)) << "round " << r;
  }
  EXPECT_GE(d->stats(0).wakeups, 1u);
  EXPECT_LE(d->stats(0).wakeups, 5u);
  d->stop();
}

// A worker receives what one dispatch() published as one call (two parallel spans), split
// only at worker_batch and at the end of the ring's storage, in order, each packet with its
// own meta.
TEST(Dispatcher, WorkerReceivesBatchesInOrder) {
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.ring_slots = 64;
  cfg.worker_batch = 30;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(1);
  std::latch gate(1);
  rec.gate = &gate;
  ASSERT_TRUE(d->start(rec).ok());

  // Packets of several flows in both directions, so a meta put beside the wrong view shows.
  BatchBuilder bb;
  std::uint32_t seq = 0;
  auto add = [&](std::size_t n) {
    bb.clear();
    for (std::size_t i = 0; i < n; ++i, ++seq) bb.add(Tag{seq % 5, seq, static_cast<std::uint8_t>((seq / 5) & 1)});
    ASSERT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::wait), n);
  };
  add(1);  // slot 0; the worker blocks inside its call on it
  ASSERT_TRUE(wait_until([&] { return rec.entered.load(); }, 5000ms));
  add(45);  // slots 1..45, published at once while the worker is held
  gate.count_down();
  // dequeued counts after the release, so all 64 slots are free for the next dispatch.
  ASSERT_TRUE(wait_until([&] { return d->stats(0).dequeued == 46; }, 5000ms));
  add(50);  // slots 46..63, then 0..31: wraps the storage
  d->stop();

  EXPECT_EQ(rec.bad_spans.load(), 0);
  EXPECT_EQ(rec.batch_sizes[0], (std::vector<std::size_t>{1, 30, 15, 18, 30, 2}));
  ASSERT_EQ(rec.seen[0].size(), 96u);
  for (std::uint32_t i = 0; i < 96; ++i) {
    EXPECT_EQ(rec.seen[0][i].tag.seq, i);
    EXPECT_TRUE(rec.seen[0][i].meta_ok) << i;
    EXPECT_TRUE(rec.seen[0][i].body_ok) << i;
  }
  EXPECT_EQ(d->stats(0).dequeued, 96u);
}

TEST(Dispatcher, StopDrainsQueuedPackets) {
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.ring_slots = 2048;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(1);
  std::latch gate(1);
  rec.gate = &gate;
  ASSERT_TRUE(d->start(rec).ok());
  BatchBuilder bb;
  std::uint32_t seq = 0;
  for (int b = 0; b < 6; ++b) {
    bb.clear();
    while (!bb.full()) bb.add(Tag{9, seq++, 0});
    ASSERT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::drop), bb.size());
  }
  // Open the gate only once stop() is already waiting.
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.count_down();
  });
  d->stop();
  opener.join();
  EXPECT_EQ(rec.stops[0], 1);
  EXPECT_EQ(rec.items_after_stop.load(), 0);
  ASSERT_EQ(rec.seen[0].size(), seq);
  for (std::uint32_t i = 0; i < seq; ++i) ASSERT_EQ(rec.seen[0][i].tag.seq, i);
  EXPECT_EQ(d->stats(0).dequeued, seq);
  d->stop();  // idempotent
}

TEST(Dispatcher, LongPacketsAreTruncatedToTheSlot) {
  DispatcherConfig cfg;
  cfg.workers = 1;
  cfg.slot_bytes = 64;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(1);
  ASSERT_TRUE(d->start(rec).ok());
  BatchBuilder bb(100);
  bb.add(Tag{5, 0, 0}, 100, 1500);
  bb.add(Tag{5, 1, 0}, 64, 64);
  ASSERT_EQ(d->dispatch(bb.batch(), bb.metas(), Backpressure::wait), 2u);
  d->stop();
  ASSERT_EQ(rec.seen[0].size(), 2u);
  const Seen& a = rec.seen[0][0];
  EXPECT_EQ(a.caplen, 64u);
  EXPECT_EQ(a.wirelen, 1500u);
  EXPECT_EQ(a.meta_caplen, 64u);
  EXPECT_TRUE(a.meta_flags & kMetaTruncated);
  EXPECT_TRUE(a.body_ok);
  const Seen& b = rec.seen[0][1];
  EXPECT_EQ(b.caplen, 64u);
  EXPECT_FALSE(b.meta_flags & kMetaTruncated);
  EXPECT_EQ(d->stats(0).copy_truncated, 1u);
}

TEST(Dispatcher, TicksRunWithoutTraffic) {
  DispatcherConfig cfg;
  cfg.workers = 2;
  cfg.tick_interval = 5ms;
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(2);
  ASSERT_TRUE(d->start(rec).ok());
  EXPECT_TRUE(wait_until([&] { return rec.ticks[0].load() >= 5 && rec.ticks[1].load() >= 5; }, 5000ms));
  d->stop();
  EXPECT_EQ(rec.bad_tick_time.load(), 0);
}

TEST(Dispatcher, PinsWorkers) {
  DispatcherConfig cfg;
  cfg.workers = 2;
  cfg.worker_cpus = {0};
  auto d = make(cfg);
  ASSERT_TRUE(d);
  Recorder rec(2);
  ASSERT_TRUE(d->start(rec).ok());
  d->stop();
  cfg.worker_cpus = {CPU_SETSIZE - 1};  // valid number, but no such CPU here
  auto bad = make(cfg);
  ASSERT_TRUE(bad);
  Recorder rec2(2);
  auto r = bad->start(rec2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("pin"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace riptide
