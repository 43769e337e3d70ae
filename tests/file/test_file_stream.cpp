// Classic pcap is read as a stream through a window: records cross the window's edges, faults
// keep their file offsets, and a pipe's records come out as they arrive.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "file/capture_builder.hpp"
#include "file/file_test_util.hpp"

namespace riptide::test {
namespace {

// A ~4 MB pcap whose record sizes vary from 1 byte to the 262,144-byte limit, so that records
// straddle every refill of the reader's 512 KiB window. Returns the file's bytes; `starts`
// gets each record's offset.
std::vector<std::uint8_t> varied_pcap(std::vector<std::size_t>* starts) {
  Bytes b = pcap_header(false, true, 262144, 1);
  std::uint32_t x = 99;
  for (std::uint32_t i = 0; b.size() < 4'000'000; ++i) {
    x = x * 1103515245u + 12345u;
    std::size_t n = 1 + (x >> 8) % 1600;
    if (i % 97 == 0) n = 60000 + (x >> 4) % 140000;
    if (i == 500) n = 262144;
    starts->push_back(b.size());
    pcap_record(b, 1700000000 + i, i * 7, payload(n, static_cast<std::uint8_t>(i)), static_cast<std::uint32_t>(n + i % 3),
                static_cast<std::uint32_t>(n));
  }
  return b.vec();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
}

TEST(FileStream, StreamedFileEqualsTheBytesInMemory) {
  std::vector<std::size_t> starts;
  const auto bytes = varied_pcap(&starts);
  const std::string path = temp_path("riptide-stream.pcap");
  write_bytes(path, bytes);
  auto from_file = open_capture_file(path);
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  const Drained f = drain(**from_file);
  const std::uint64_t consumed = (*from_file)->file_stats().bytes_read;
  std::filesystem::remove(path);
  auto in_memory = open_capture_buffer("mem", bytes);
  ASSERT_TRUE(in_memory.ok());
  const Drained m = drain(**in_memory);

  EXPECT_FALSE(f.error.has_value()) << f.error->message;
  ASSERT_EQ(f.records.size(), starts.size());
  ASSERT_EQ(m.records.size(), starts.size());
  EXPECT_EQ(consumed, bytes.size());
  for (std::size_t i = 0; i < starts.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(f.records[i].caplen, m.records[i].caplen);
    ASSERT_EQ(f.records[i].wirelen, m.records[i].wirelen);
    ASSERT_EQ(f.records[i].ts_ns, m.records[i].ts_ns);
    ASSERT_EQ(f.records[i].bytes, m.records[i].bytes);
    // And both equal what was written.
    ASSERT_EQ(f.records[i].bytes.size(), f.records[i].caplen);
    ASSERT_TRUE(std::equal(f.records[i].bytes.begin(), f.records[i].bytes.end(), bytes.begin() + static_cast<std::ptrdiff_t>(starts[i] + 16)));
  }
}

TEST(FileStream, CutDeepInAFileKeepsItsOffsetAndEveryPacketBefore) {
  std::vector<std::size_t> starts;
  auto bytes = varied_pcap(&starts);
  // Cut in the middle of the data of a record well past the first window.
  std::size_t k = 0;
  while (starts[k] < 3'000'000) ++k;
  bytes.resize(starts[k] + 16 + 1);
  const std::uint32_t caplen = bytes[starts[k] + 8] | bytes[starts[k] + 9] << 8 | bytes[starts[k] + 10] << 16;
  const std::string path = temp_path("riptide-cut.pcap");
  write_bytes(path, bytes);
  auto r = open_capture_file(path);
  ASSERT_TRUE(r.ok());
  const Drained d = drain(**r);
  std::filesystem::remove(path);
  EXPECT_EQ(d.records.size(), k);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, Errc::format);
  EXPECT_EQ(d.error->message, path + ": record data cut (1 of " + std::to_string(caplen) + " bytes) at offset " +
                                  std::to_string(starts[k]));
}

// The writer keeps the pipe open: the reader must hand out what has arrived instead of waiting
// for the end (or for a full window), and end when the writer closes.
TEST(FileStream, PipeRecordsComeOutAsTheyArrive) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto write_all = [&](const std::vector<std::uint8_t>& v) {
    ASSERT_EQ(::write(fds[1], v.data(), v.size()), static_cast<ssize_t>(v.size()));
  };
  Bytes first = pcap_header(false, false, 65535, 1);
  for (int i = 0; i < 5; ++i) pcap_record(first, 10 + i, 0, payload(100), 100, 100);
  write_all(first.vec());

  auto opened = open_capture_file("/dev/fd/" + std::to_string(fds[0]));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  CaptureFile& f = **opened;
  PacketBatch b;
  auto next_within = [&](std::chrono::seconds limit) -> std::optional<Result<PollStatus>> {
    auto fut = std::async(std::launch::async, [&] { return f.next(b, std::chrono::milliseconds(0)); });
    if (fut.wait_for(limit) != std::future_status::ready) {
      ::close(fds[1]);  // unblock the reader so the test can end
      fds[1] = -1;
      fut.wait();
      return std::nullopt;
    }
    return fut.get();
  };

  auto r1 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r1.has_value()) << "the reader waited for more input with 5 records available";
  ASSERT_TRUE(r1->ok());
  EXPECT_EQ(b.size(), 5u);

  Bytes more(false);
  for (int i = 0; i < 3; ++i) pcap_record(more, 20 + i, 0, payload(60), 60, 60);
  std::vector<std::uint8_t> half(more.vec().begin(), more.vec().begin() + 100);  // a record and a half
  std::vector<std::uint8_t> rest(more.vec().begin() + 100, more.vec().end());
  write_all(half);
  auto r2 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r2.has_value()) << "the reader waited with a complete record available";
  EXPECT_EQ(b.size(), 1u);
  write_all(rest);
  auto r3 = next_within(std::chrono::seconds(5));
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].ts_ns, TimestampNs{22} * 1000000000);

  ::close(fds[1]);
  fds[1] = -1;
  auto r4 = f.next(b, std::chrono::milliseconds(0));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(*r4, PollStatus::end_of_input);
  ::close(fds[0]);
}

}  // namespace
}  // namespace riptide::test
