// pcapng is read as a stream through the same window as classic pcap: from a pipe its blocks
// come out as they arrive and memory stays bounded whatever the input's size, blocks larger
// than the window still read, and every corpus pcapng reads the same from a file, a pipe
// and memory.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>

#include "file/capture_builder.hpp"
#include "file/file_test_util.hpp"

namespace riptide::test {
namespace {

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
bool write_all(int fd, const std::vector<std::uint8_t>& v) { return write_all(fd, v.data(), v.size()); }

// Peak resident memory of this process since the last reset_peak_rss(), in KiB.
long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

constexpr std::size_t kPackets = 33'000;  // of 1,500 bytes: ~50 MB
constexpr std::uint32_t kBigData = 262144;   // the record limit
constexpr std::size_t kBigOptions = 16;      // 64 KiB comments: the block is larger than the window
constexpr std::size_t kSkipped = 20u << 20;  // a custom block past the 16 MiB cap for blocks read whole

// An EPB on interface 0 whose data is `n` bytes of `seed + i`, with `comments` options of
// 65,532 bytes each.
Bytes epb(std::uint64_t ts, std::size_t n, std::uint8_t seed, std::size_t comments = 0) {
  Bytes body(false);
  body.u32(0).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
  body.u32(static_cast<std::uint32_t>(n)).u32(static_cast<std::uint32_t>(n)).raw(payload(n, seed)).pad4();
  for (std::size_t c = 0; c < comments; ++c) body.u16(1).u16(65532).raw(std::vector<std::uint8_t>(65532, 'c'));
  if (comments != 0) body.u16(0).u16(0);
  Bytes b(false);
  ng_block(b, 6, body.vec());
  return b;
}

// Writes the ~50 MB capture into `fd` block by block (never whole in this process's memory):
// a section, an Ethernet interface, kPackets packets, with one EPB larger than the window and
// one 20 MiB custom block in the middle.
void write_big_pcapng(int fd) {
  Bytes head(false);
  ng_section(head);
  ng_interface(head, 1, 0, 9);
  if (!write_all(fd, head.vec())) return;
  for (std::size_t i = 0; i < kPackets; ++i) {
    if (!write_all(fd, epb(i, 1500, static_cast<std::uint8_t>(i)).vec())) return;
    if (i == kPackets / 2) {
      if (!write_all(fd, epb(i, kBigData, 7, kBigOptions).vec())) return;
      Bytes h(false);
      const auto len = static_cast<std::uint32_t>(kSkipped + 12);
      h.u32(0x00000bad).u32(len);
      if (!write_all(fd, h.vec())) return;
      const std::vector<std::uint8_t> zeros(1 << 20, 0);
      for (std::size_t k = 0; k < kSkipped / zeros.size(); ++k)
        if (!write_all(fd, zeros)) return;
      Bytes t(false);
      t.u32(len);
      if (!write_all(fd, t.vec())) return;
    }
  }
}

TEST(PcapngStream, APipeOf50MegabytesIsReadInBoundedMemory) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_TRUE(reset_peak_rss());
  const long before = peak_rss_kib();
  ASSERT_GT(before, 0);
  std::thread writer([&] {
    write_big_pcapng(fds[1]);
    ::close(fds[1]);
  });
  std::size_t records = 0, bad = 0, big = 0;
  std::optional<Error> error;
  {
    auto f = open_capture_file("/dev/fd/" + std::to_string(fds[0]));
    if (!f) {
      error = f.error();
    } else {
      PacketBatch b;
      for (;;) {
        auto r = (*f)->next(b, std::chrono::milliseconds(0));
        if (!r) {
          error = r.error();
          break;
        }
        if (*r == PollStatus::end_of_input) break;
        for (const PacketView& p : b) {
          if (p.caplen == kBigData) {
            ++big;
            if (p.data[0] != 7 || p.data[p.caplen - 1] != static_cast<std::uint8_t>(7 + kBigData - 1)) ++bad;
            continue;
          }
          // Packet i starts with byte i and its timestamp (nanosecond resolution) is i.
          const auto i = static_cast<std::uint8_t>(p.ts_ns);
          if (p.caplen != 1500 || p.data[0] != i || p.data[1499] != static_cast<std::uint8_t>(i + 1499)) ++bad;
          ++records;
        }
      }
      EXPECT_EQ((*f)->file_stats().skipped_blocks, 1u);
    }
  }
  if (error) {
    // Unblock the writer before failing.
    char sink[65536];
    while (::read(fds[0], sink, sizeof sink) > 0) {
    }
  }
  writer.join();
  ::close(fds[0]);
  const long grown = peak_rss_kib() - before;
  ASSERT_FALSE(error.has_value()) << error->message;
  EXPECT_EQ(records, kPackets);
  EXPECT_EQ(big, 1u);
  EXPECT_EQ(bad, 0u);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (the writer thread's block buffers
  // here), so peak RSS measures the sanitizer, not the reader: the bound is asserted by the
  // uninstrumented pass; this one checks every packet read back above.
  (void)grown;
#else
  EXPECT_LT(grown, 32 * 1024) << "peak RSS grew by " << grown << " KiB reading a ~70 MB pipe";
#endif
}

// The writer keeps the pipe open: the reader opens after the section and interface blocks,
// hands out what has arrived instead of waiting for the end, and ends when the writer closes.
TEST(PcapngStream, PipeBlocksComeOutAsTheyArrive) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Bytes first(false);
  ng_section(first);
  ng_interface(first, 1, 0);
  for (int i = 0; i < 5; ++i) ng_epb(first, 0, 10 + i, payload(100), 100);
  ASSERT_TRUE(write_all(fds[1], first.vec()));

  auto unblock = [&] {
    if (fds[1] >= 0) ::close(fds[1]);  // lets a reader stuck on the pipe end, so the test can
    fds[1] = -1;
  };
  auto opening = std::async(std::launch::async, [&] { return open_capture_file("/dev/fd/" + std::to_string(fds[0])); });
  if (opening.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    unblock();
    opening.wait();
    ::close(fds[0]);
    FAIL() << "opening waited for the end of the pipe";
  }
  auto opened = opening.get();
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  CaptureFile& f = **opened;
  EXPECT_EQ(f.link_type(), LinkType::ethernet);
  PacketBatch b;
  auto next_within = [&](std::chrono::seconds limit) -> std::optional<Result<PollStatus>> {
    auto fut = std::async(std::launch::async, [&] { return f.next(b, std::chrono::milliseconds(0)); });
    if (fut.wait_for(limit) != std::future_status::ready) {
      unblock();
      fut.wait();
      return std::nullopt;
    }
    return fut.get();
  };

  auto r1 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r1.has_value()) << "the reader waited for more input with 5 packets available";
  ASSERT_TRUE(r1->ok());
  EXPECT_EQ(b.size(), 5u);

  Bytes more(false);
  for (int i = 0; i < 3; ++i) ng_epb(more, 0, 20 + i, payload(60), 60);  // 92 bytes each
  std::vector<std::uint8_t> half(more.vec().begin(), more.vec().begin() + 140);  // a block and a half
  std::vector<std::uint8_t> rest(more.vec().begin() + 140, more.vec().end());
  ASSERT_TRUE(write_all(fds[1], half));
  auto r2 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r2.has_value()) << "the reader waited with a complete block available";
  EXPECT_EQ(b.size(), 1u);
  ASSERT_TRUE(write_all(fds[1], rest));
  auto r3 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r3.has_value());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].ts_ns, TimestampNs{22} * 1000);

  unblock();
  auto r4 = f.next(b, std::chrono::milliseconds(0));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(*r4, PollStatus::end_of_input);
  ::close(fds[0]);
}

// A block riptide reads whole may be larger than the window (big options), up to 16 MiB; past
// that it is a fault with its offset, found after every packet before it is out.
TEST(PcapngStream, BlocksLargerThanTheWindowAndTheLimit) {
  Bytes f(false);
  ng_section(f);
  ng_interface(f, 1, 0);
  const std::vector<std::uint8_t> big = epb(1, kBigData, 3, 40).vec();  // ~2.9 MB
  f.raw(big);
  const std::size_t bad = f.size();
  f.raw(epb(2, 100, 4, 260).vec());  // ~17 MB
  const std::string path = (std::filesystem::temp_directory_path() / ("riptide-big-" + std::to_string(::getpid()) + ".pcapng")).string();
  write_bytes(path, f.vec());
  auto r = open_capture_file(path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Drained d = drain(**r);
  std::filesystem::remove(path);
  ASSERT_EQ(d.records.size(), 1u);
  EXPECT_EQ(d.records[0].bytes, payload(kBigData, 3));
  ASSERT_TRUE(d.error.has_value());
  const std::uint32_t len = static_cast<std::uint32_t>(f.size() - bad);
  EXPECT_EQ(d.error->message, path + ": block length " + std::to_string(len) +
                                  " exceeds the limit of 16777216 for block type 6 at offset " + std::to_string(bad));
}

// Every pcapng of the corpus: the same packets (and the same fault, if any) from a file, from
// a pipe and from memory.
TEST(PcapngStream, CorpusReadsTheSameFromAFileAPipeAndMemory) {
  std::size_t files = 0;
  for (const std::string& path : corpus_files()) {
    const std::vector<std::uint8_t> bytes = read_bytes(path);
    if (bytes.size() < 4 || bytes[0] != 0x0a || bytes[1] != 0x0d || bytes[2] != 0x0d || bytes[3] != 0x0a) continue;
    SCOPED_TRACE(path);
    ++files;
    auto from_file = open_capture_file(path);
    ASSERT_TRUE(from_file.ok()) << from_file.error().message;
    const Drained a = drain(**from_file);

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&] {
      write_all(fds[1], bytes);
      ::close(fds[1]);
    });
    auto from_pipe = open_capture_file("/dev/fd/" + std::to_string(fds[0]));
    std::optional<Drained> b;
    if (from_pipe) b = drain(**from_pipe);
    char sink[65536];
    while (::read(fds[0], sink, sizeof sink) > 0) {
    }
    writer.join();
    ::close(fds[0]);
    ASSERT_TRUE(from_pipe.ok()) << from_pipe.error().message;

    auto in_memory = open_capture_buffer(path, bytes);
    ASSERT_TRUE(in_memory.ok());
    const Drained c = drain(**in_memory);

    for (const Drained* other : {static_cast<const Drained*>(&*b), &c}) {
      ASSERT_EQ(a.records.size(), other->records.size());
      for (std::size_t i = 0; i < a.records.size(); ++i) {
        ASSERT_EQ(a.records[i].bytes, other->records[i].bytes) << i;
        ASSERT_EQ(a.records[i].wirelen, other->records[i].wirelen) << i;
        ASSERT_EQ(a.records[i].ts_ns, other->records[i].ts_ns) << i;
        ASSERT_EQ(a.records[i].ifindex, other->records[i].ifindex) << i;
        ASSERT_EQ(a.records[i].link, other->records[i].link) << i;
      }
      ASSERT_EQ(a.error.has_value(), other->error.has_value());
    }
    if (a.error) {
      EXPECT_EQ(a.error->message, c.error->message);
    }
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace riptide::test
