#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "riptide/core/fd.hpp"

namespace riptide {
namespace {

bool fd_open(int fd) { return ::access(("/proc/self/fd/" + std::to_string(fd)).c_str(), F_OK) == 0; }

TEST(UniqueFd, ClosesOnDestruction) {
  int raw = -1;
  {
    UniqueFd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    ASSERT_TRUE(fd);
    raw = fd.get();
    EXPECT_TRUE(fd_open(raw));
  }
  EXPECT_FALSE(fd_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnershipAndReleaseGivesItUp) {
  UniqueFd a{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int raw = a.get();
  UniqueFd b = std::move(a);
  EXPECT_FALSE(a.valid());  // NOLINT: moved-from state is specified
  EXPECT_EQ(b.get(), raw);
  UniqueFd c{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int other = c.get();
  c = std::move(b);  // closes what c held
  EXPECT_FALSE(fd_open(other));
  EXPECT_EQ(c.get(), raw);
  const int released = c.release();
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(fd_open(released));  // c's destructor will not close it
  ::close(released);
}

TEST(UniqueFd, ResetAndCloseReportErrors) {
  UniqueFd a{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const int raw = a.get();
  a.reset();
  EXPECT_FALSE(fd_open(raw));
  EXPECT_TRUE(a.close().ok());  // nothing held: nothing to report
  UniqueFd bogus{1 << 20};      // never opened: close fails with EBADF
  const auto r = bogus.close();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_FALSE(bogus.valid());
}

std::atomic<int> g_signals{0};
void count_signal(int) { g_signals.fetch_add(1, std::memory_order_relaxed); }

// A writer into a small pipe, interrupted over and over by a signal installed without
// SA_RESTART: write(2) returns short counts and EINTR, and write_all must still deliver
// every byte in order.
TEST(Fd, WriteAllAndReadAllSurviveShortTransfersAndSignals) {
  struct sigaction sa {}, old {};
  sa.sa_handler = count_signal;  // no SA_RESTART
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old), 0);

  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd rd{p[0]}, wr{p[1]};
  ::fcntl(wr.get(), F_SETPIPE_SZ, 4096);

  std::vector<std::uint8_t> data(4 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  std::vector<std::uint8_t> got(data.size() + 100);
  Result<std::size_t> n = std::size_t{0};
  std::thread reader([&] {
    sigset_t block;  // signals go to the writer only
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    n = read_all(rd.get(), got);
  });

  std::atomic<bool> writing{true};
  const pthread_t writer = pthread_self();
  std::thread interrupter([&] {
    while (writing.load()) {
      pthread_kill(writer, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  g_signals = 0;
  std::size_t written = 0;
  const auto w = write_all(wr.get(), data, &written);
  writing = false;
  interrupter.join();
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(written, data.size());
  wr.reset();  // end of file for the reader
  reader.join();
  ::sigaction(SIGUSR1, &old, nullptr);

  EXPECT_GT(g_signals.load(), 0);
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(*n, data.size());  // short: the reader met end of file
  got.resize(*n);
  EXPECT_EQ(got, data);
}

TEST(Fd, WriteAllReportsTheErrorAndHowFarItGot) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd rd{p[0]}, wr{p[1]};
  rd.reset();  // no reader: EPIPE (SIGPIPE ignored for the test)
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);
  const std::uint8_t bytes[3] = {1, 2, 3};
  std::size_t written = 99;
  const auto r = write_all(wr.get(), bytes, &written);
  ::sigaction(SIGPIPE, &old, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_EQ(r.error().message, std::strerror(EPIPE));
  EXPECT_EQ(written, 0u);
}

TEST(Fd, RetryEintrReturnsTheFirstNonEintrResult) {
  int calls = 0;
  const int r = retry_eintr([&] {
    if (++calls < 3) {
      errno = EINTR;
      return -1;
    }
    errno = EAGAIN;
    return -1;
  });
  EXPECT_EQ(r, -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(retry_eintr([] { return 5; }), 5);
}

}  // namespace
}  // namespace riptide
