#pragma once
// Helpers shared by the live capture tests: run a sender in the background and drain a
// source until the sender is done and the source has been quiet for a while.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "riptide/core/source.hpp"
#include "support/sender.hpp"

namespace riptide::test {

class BackgroundSend {
 public:
  explicit BackgroundSend(std::function<SendResult()> fn)
      : t_([this, f = std::move(fn)] {
          res_ = f();
          done_.store(true);
        }) {}
  ~BackgroundSend() { join(); }
  void join() {
    if (t_.joinable()) t_.join();
  }
  bool done() const { return done_.load(); }
  const SendResult& result() {
    join();
    return res_;
  }

 private:
  SendResult res_;
  std::atomic<bool> done_{false};
  std::thread t_;
};

// Calls on_packet for every packet until `finished()` is true and nothing arrived for
// `quiet`, or `limit` passed. Returns false (with a test failure) on a source error.
inline bool drain(PacketSource& src, const std::function<void(const PacketView&)>& on_packet,
                  const std::function<bool()>& finished, std::chrono::milliseconds quiet = std::chrono::milliseconds(300),
                  std::chrono::seconds limit = std::chrono::seconds(30)) {
  PacketBatch b;
  const auto end = std::chrono::steady_clock::now() + limit;
  auto last = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < end) {
    auto r = src.next(b, std::chrono::milliseconds(20));
    if (!r) {
      ADD_FAILURE() << "next() failed: " << r.error().message;
      return false;
    }
    if (*r == PollStatus::packets) {
      for (const auto& v : b) on_packet(v);
      last = std::chrono::steady_clock::now();
    } else if (finished() && std::chrono::steady_clock::now() - last > quiet) {
      return true;
    }
  }
  ADD_FAILURE() << "drain did not finish in time";
  return false;
}

}  // namespace riptide::test
