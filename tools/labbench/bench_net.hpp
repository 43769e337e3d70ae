#pragma once
// The bench's own network: a namespace holding the sender's end of a veth pair, the other
// end in the bench's namespace where the capture tools listen. Traffic never leaves the pair.
//
// Names carry the bench's pid ("rtb<pid>ns", "rtb<pid>h", "rtb<pid>p") so two benches do not
// collide and a stale pair of a crashed run with the same pid is replaced. Removal happens in
// the destructor and, as a safety net for exit() paths, in an atexit handler; the bench's
// SIGINT/SIGTERM handlers only set a flag so that the normal path (destructor) runs.
#include <memory>
#include <string>

#include "riptide/core/result.hpp"

namespace riptide::labbench {

class BenchNet {
 public:
  static Result<std::unique_ptr<BenchNet>> create(const std::string& tag);
  ~BenchNet();
  BenchNet(const BenchNet&) = delete;
  BenchNet& operator=(const BenchNet&) = delete;

  const std::string& ns() const noexcept { return ns_; }
  const std::string& host_if() const noexcept { return host_; }
  const std::string& peer_if() const noexcept { return peer_; }
  unsigned host_ifindex() const noexcept { return host_index_; }
  // Deletes the link and the namespace (idempotent). True when neither is left behind.
  bool remove() noexcept;

 private:
  BenchNet() = default;
  std::string ns_, host_, peer_;
  unsigned host_index_ = 0;
  bool removed_ = true;
};

// Whether the namespace / link exists now (for leftover checks).
bool netns_exists(const std::string& ns);
bool link_exists(const std::string& ifname);

// Runs a command line through /bin/sh, output discarded; returns its exit status.
int run_quiet(const std::string& cmd);

}  // namespace riptide::labbench
