// PacketOutput: the -w thread. Queues that never block capture (a full one counts its drops
// exactly), a merge that puts several capture threads' packets in time order, flushing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <thread>

#include "file/file_test_util.hpp"
#include "riptide/file/packet_output.hpp"

namespace riptide::test {
namespace {

using Clock = std::chrono::steady_clock;

// Packets numbered in their first 4 bytes, so a file tells which ones it holds.
struct Numbered {
  std::vector<std::vector<std::uint8_t>> bytes;
  std::vector<PacketView> views;
  Numbered(std::uint32_t n, std::uint32_t size, TimestampNs t0, TimestampNs step, std::uint32_t first = 0) {
    bytes.resize(n);
    views.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      bytes[i].assign(size, 0x5a);
      const std::uint32_t id = first + i;
      std::memcpy(bytes[i].data(), &id, 4);
      views[i].data = bytes[i].data();
      views[i].caplen = views[i].wirelen = size;
      views[i].ts_ns = t0 + static_cast<TimestampNs>(i) * step;
    }
  }
};

std::uint32_t id_of(const Record& r) {
  std::uint32_t id = 0;
  std::memcpy(&id, r.bytes.data(), 4);
  return id;
}

Drained read_back(const std::string& p) {
  auto r = open_capture_file(p);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  return drain(**r);
}

// Packets in a file still being written (0 while it has no complete header yet).
std::size_t count_so_far(const std::string& p) {
  auto r = open_capture_file(p);
  return r ? drain(**r).records.size() : 0;
}

// An output that cannot keep up: a FIFO whose reader takes 8 KiB every 2 ms (4 MB/s). The
// capture side pushes 40,000 packets of 300 B (12 MB) at once: pushing never waits, what did
// not fit is counted exactly, and the FIFO holds exactly the packets counted as written.
TEST(PacketOutput, SlowFifoReaderCostsCountedDropsNeverAStall) {
  TempDir dir;
  const std::string fifo = dir.file("slow.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<std::uint8_t> got;
  std::atomic<bool> reader_ready{false};
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    reader_ready = true;
    std::vector<std::uint8_t> buf(8192);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + n);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::close(fd);
  });
  PacketOutputConfig cfg;
  cfg.path = fifo;  // open() blocks until the reader opens its end
  cfg.writer.nanosecond = true;
  cfg.queue_bytes = 256 << 10;
  auto out = PacketOutput::open(cfg);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE((*out)->start().ok());

  constexpr std::uint32_t kPackets = 40000;
  const Numbered pk(kPackets, 300, 1'000'000'000'000, 1000);
  std::uint64_t queued = 0;
  auto longest = Clock::duration::zero();
  for (std::size_t i = 0; i < kPackets; i += 256) {
    const std::size_t n = std::min<std::size_t>(256, kPackets - i);
    const auto t = Clock::now();
    queued += (*out)->push(0, std::span<const PacketView>(pk.views.data() + i, n));
    longest = std::max(longest, Clock::now() - t);
  }
  (*out)->producer_done(0);
  // 12 MB at 4 MB/s would take 3 s: pushing did not wait for the reader.
  EXPECT_LT(longest, std::chrono::milliseconds(200));
  ASSERT_TRUE((*out)->finish(std::chrono::seconds(60)));
  reader.join();
  const auto st = (*out)->stats();
  EXPECT_EQ(st.offered, kPackets);
  EXPECT_GT(st.queue_drops, 0u) << "the reader kept up: the test proves nothing";
  EXPECT_EQ(st.queue_drops, kPackets - queued);
  EXPECT_EQ(st.written + st.queue_drops, kPackets);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_EQ((*out)->error(), "");

  const std::string copy = dir.file("got.pcap");
  write_bytes(copy, got);
  const Drained d = read_back(copy);
  ASSERT_FALSE(d.error.has_value()) << d.error->message;
  ASSERT_EQ(d.records.size(), st.written);
  std::uint32_t prev = 0;
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    const std::uint32_t id = id_of(d.records[i]);
    if (i > 0) {
      ASSERT_GT(id, prev) << "packets reordered or repeated";
    }
    prev = id;
    ASSERT_EQ(d.records[i].ts_ns, pk.views[id].ts_ns);
  }
}

// A file read waits for room instead of dropping: everything is written.
TEST(PacketOutput, WaitingQueueLosesNothing) {
  TempDir dir;
  PacketOutputConfig cfg;
  cfg.path = dir.file("all.pcapng");
  cfg.writer.format = CaptureFormat::pcapng;
  cfg.queue_bytes = 64 << 10;
  cfg.wait_when_full = true;
  auto out = PacketOutput::open(cfg);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE((*out)->start().ok());
  const Numbered pk(20000, 500, 5'000'000'000, 10);
  for (std::size_t i = 0; i < pk.views.size(); i += 256)
    EXPECT_EQ((*out)->push(0, std::span<const PacketView>(pk.views.data() + i, std::min<std::size_t>(256, pk.views.size() - i))),
              std::min<std::size_t>(256, pk.views.size() - i));
  (*out)->producer_done(0);
  ASSERT_TRUE((*out)->finish(std::chrono::seconds(60)));
  EXPECT_EQ((*out)->stats().written, 20000u);
  EXPECT_EQ((*out)->stats().queue_drops, 0u);
  const Drained d = read_back(cfg.path);
  ASSERT_EQ(d.records.size(), 20000u);
  for (std::size_t i = 0; i < d.records.size(); ++i) ASSERT_EQ(id_of(d.records[i]), i);
}

// Three capture threads whose packets interleave in time, pushed in uneven chunks at
// different moments: the file is in time order and holds every packet once.
TEST(PacketOutput, SeveralQueuesAreMergedInTimeOrder) {
  TempDir dir;
  PacketOutputConfig cfg;
  cfg.path = dir.file("merged.pcap");
  cfg.writer.nanosecond = true;
  cfg.producers = 3;
  cfg.max_hold = std::chrono::seconds(30);  // order must come from the marks, not from a timeout
  auto out = PacketOutput::open(cfg);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE((*out)->start().ok());
  constexpr std::uint32_t kEach = 3000;
  std::vector<Numbered> pk;
  for (std::uint32_t q = 0; q < 3; ++q) pk.emplace_back(kEach, 80, 1'000'000 + q, 3, q * kEach);
  std::vector<std::thread> threads;
  for (std::uint32_t q = 0; q < 3; ++q) {
    threads.emplace_back([&, q] {
      std::size_t i = 0;
      const std::size_t chunk = 37 + 50 * q;
      while (i < kEach) {
        const std::size_t n = std::min<std::size_t>(chunk, kEach - i);
        (*out)->push(q, std::span<const PacketView>(pk[q].views.data() + i, n));
        i += n;
        std::this_thread::sleep_for(std::chrono::microseconds(200 * (q + 1)));
      }
      (*out)->producer_done(q);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE((*out)->finish(std::chrono::seconds(60)));
  const auto st = (*out)->stats();
  EXPECT_EQ(st.written, 3 * kEach);
  EXPECT_EQ(st.out_of_order, 0u);
  const Drained d = read_back(cfg.path);
  ASSERT_EQ(d.records.size(), 3 * kEach);
  for (std::size_t i = 1; i < d.records.size(); ++i) ASSERT_LE(d.records[i - 1].ts_ns, d.records[i].ts_ns) << i;
  std::vector<bool> seen(3 * kEach);
  for (const auto& r : d.records) {
    ASSERT_LT(id_of(r), 3 * kEach);
    ASSERT_FALSE(seen[id_of(r)]);
    seen[id_of(r)] = true;
  }
}

// A queue that stays silent holds the others back only until its idle mark passes them.
TEST(PacketOutput, AnIdleQueueReleasesTheOthersByItsMark) {
  TempDir dir;
  PacketOutputConfig cfg;
  cfg.path = dir.file("idle.pcap");
  cfg.producers = 2;
  cfg.flush_every_batch = true;
  cfg.max_hold = std::chrono::seconds(30);
  auto out = PacketOutput::open(cfg);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->start().ok());
  const Numbered pk(10, 100, 1'000'000'000, 1000);
  (*out)->push(0, pk.views);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ((*out)->stats().written, 0u) << "queue 1 may still bring older packets";
  (*out)->idle(1, 2'000'000'000);
  (*out)->push(0, std::span<const PacketView>(pk.views.data(), 0));  // wakes the thread (-U)
  const auto until = Clock::now() + std::chrono::seconds(5);
  while ((*out)->stats().written < 10 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ((*out)->stats().written, 10u);
  // -U: in the file, not only in a buffer.
  const auto until2 = Clock::now() + std::chrono::seconds(5);
  while (count_so_far(cfg.path) < 10 && Clock::now() < until2)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(read_back(cfg.path).records.size(), 10u);
  (*out)->producer_done(0);
  (*out)->producer_done(1);
  ASSERT_TRUE((*out)->finish(std::chrono::seconds(10)));
}

// Without -U the file still gets its packets within about a second (tcpdump's -w buffered
// until 1 MiB: nothing for seconds at a low rate).
TEST(PacketOutput, WithoutPacketBufferingAFlushComesWithinASecond) {
  TempDir dir;
  PacketOutputConfig cfg;
  cfg.path = dir.file("slowrate.pcap");
  auto out = PacketOutput::open(cfg);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->start().ok());
  const Numbered pk(5, 100, 1'000'000'000, 1000);
  const auto t0 = Clock::now();
  (*out)->push(0, pk.views);
  while (count_so_far(cfg.path) < 5 && Clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(read_back(cfg.path).records.size(), 5u);
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(1800));
  (*out)->producer_done(0);
  ASSERT_TRUE((*out)->finish(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace riptide::test
