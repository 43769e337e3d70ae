// QueuedLineOutput: records written by the output's own thread, in the order handed over; an
// output that cannot keep up (a FIFO read slowly) costs records, counted, never a wait.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "riptide/flow/queued_line_output.hpp"

namespace riptide {
namespace {

struct Dir {
  std::string path;
  Dir() {
    std::string t = (std::filesystem::temp_directory_path() / "riptide-qlines-XXXXXX").string();
    if (mkdtemp(t.data())) path = t;
  }
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::vector<std::string> file_lines(const std::string& p) {
  std::ifstream in(p);
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

TEST(QueuedLineOutput, WritesEveryLineInOrderOffTheCallersThread) {
  Dir d;
  auto o = QueuedLineOutput::open(d.path + "/w.jsonl", "test", 1000);
  ASSERT_TRUE(o) << o.error().message;
  std::thread a([&] {
    for (int i = 0; i < 500; ++i) EXPECT_TRUE((*o)->push("{\"n\":" + std::to_string(i) + "}"));
  });
  a.join();
  (*o)->flush();
  EXPECT_EQ((*o)->written(), 500u);
  EXPECT_EQ(file_lines(d.path + "/w.jsonl").size(), 500u);  // flushed: on disk before close
  (*o)->close();
  EXPECT_FALSE((*o)->push("late"));  // after close: counted, not written
  const auto ls = file_lines(d.path + "/w.jsonl");
  ASSERT_EQ(ls.size(), 500u);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(ls[i], "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ((*o)->dropped(), 1u);
  EXPECT_EQ((*o)->target(), d.path + "/w.jsonl");
  EXPECT_FALSE((*o)->error());
  EXPECT_FALSE(QueuedLineOutput::open(d.path + "/no/such/dir", "test"));
}

TEST(QueuedLineOutput, ASlowReaderCostsCountedRecordsNeverAWait) {
  Dir d;
  const std::string fifo = d.path + "/slow.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Our end is open first so the output's open() does not wait for a reader.
  const int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(rd, 0);
  auto o = QueuedLineOutput::open(fifo, "test", 4);
  ASSERT_TRUE(o) << o.error().message;
  // 200 lines of 8 KiB: the pipe holds 64 KiB, the queue 4 lines; nobody reads yet.
  const std::string body(8191, 'x');
  constexpr int kLines = 200;
  int accepted = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kLines; ++i) accepted += (*o)->push(body) ? 1 : 0;
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::seconds(1)) << "push() waited for the disk";
  EXPECT_LT(accepted, kLines);
  EXPECT_EQ((*o)->queue_full(), static_cast<std::uint64_t>(kLines - accepted));

  // Now read it all: every accepted line comes out whole.
  std::atomic<bool> done{false};
  std::uint64_t got_lines = 0, got_bytes = 0;
  std::thread reader([&] {
    const int flags = ::fcntl(rd, F_GETFL);
    ::fcntl(rd, F_SETFL, flags & ~O_NONBLOCK);
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(rd, buf, sizeof buf);
      if (n <= 0) break;  // EOF: the output closed its end
      got_bytes += static_cast<std::uint64_t>(n);
      for (ssize_t i = 0; i < n; ++i) got_lines += buf[i] == '\n';
    }
    done = true;
  });
  (*o)->close();
  reader.join();
  ::close(rd);
  EXPECT_TRUE(done);
  EXPECT_EQ((*o)->written(), static_cast<std::uint64_t>(accepted));
  EXPECT_EQ((*o)->written() + (*o)->dropped(), static_cast<std::uint64_t>(kLines));
  EXPECT_EQ(got_lines, (*o)->written());
  EXPECT_EQ(got_bytes, got_lines * (body.size() + 1));
}

}  // namespace
}  // namespace riptide
