#pragma once
// One live capture run of the riptide binary against a VethPair: start it, wait until its
// socket is open (the banner is printed after the engine opened everything), let the test
// send traffic, then stop it with SIGINT and collect what it wrote.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "capture_e2e/e2e_util.hpp"
#include "support/netns.hpp"

namespace riptide::e2e {

using namespace std::chrono_literals;

class CaptureSession {
 public:
  CaptureSession(const test::VethPair& vp, const std::vector<std::string>& extra) : vp_(vp) {
    child_ = std::make_unique<Child>(capture_argv(vp.host_if(), dir_, extra), dir_.path("rt.out"), dir_.path("rt.err"));
  }
  // True when riptide printed its banner (sockets open) within a few seconds.
  bool ready() { return child_->started() && child_->wait_for_err("riptide: input", 15s); }

  // SIGINT, then the exit status (nullopt if it did not end within `timeout`).
  std::optional<int> stop(std::chrono::milliseconds timeout = 30s) {
    child_->signal(SIGINT);
    return wait(timeout);
  }
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    rc_ = child_->wait(timeout);
    return rc_;
  }

  Child& child() { return *child_; }
  const TempDir& dir() const { return dir_; }
  std::string err() const { return child_->err(); }
  nlohmann::json stats() const {
    auto s = final_stats(dir_.path("stats.json"));
    return s ? *s : nlohmann::json::object();
  }
  FlowSummary flows() const { return read_flows(dir_.path("flows.json")); }

  std::optional<std::uint64_t> gen(const std::vector<std::string>& args) {
    std::string why;
    auto sent = run_gen(vp_.netns(), vp_.peer_if(), args, &why);
    EXPECT_TRUE(sent.has_value()) << why;
    return sent;
  }

 private:
  const test::VethPair& vp_;
  TempDir dir_;
  std::unique_ptr<Child> child_;
  std::optional<int> rc_;
};

// Tests here need namespaces, veths and raw sockets.
#define RIPTIDE_E2E_NEEDS_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "end-to-end capture tests run as root"

inline std::uint64_t u64(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<std::uint64_t>() : ~0ull;
}

}  // namespace riptide::e2e
