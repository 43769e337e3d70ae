#include "riptide/core/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace {

std::string own_comm() {
  std::ifstream f("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = own_comm();
  std::string inside;
  std::thread t([&] {
    riptide::name_this_thread("rt-test");
    inside = own_comm();
  });
  t.join();
  EXPECT_EQ(inside, "rt-test");
  EXPECT_EQ(own_comm(), before);
}

TEST(ThreadName, LongNamesAreCutToTheKernelsFifteenCharacters) {
  std::string inside;
  std::thread t([&] {
    riptide::name_this_thread("rt-a-name-longer-than-fifteen");
    inside = own_comm();
  });
  t.join();
  EXPECT_EQ(inside, "rt-a-name-longe");
}

}  // namespace
