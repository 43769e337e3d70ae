#pragma once
// Child processes for the bench: the capture tool under test and the generator.
//
// A child runs in its own process group (so a Ctrl-C on the terminal reaches only the bench,
// which then stops its children in order), optionally pinned to one CPU before exec, with
// stdout and stderr in files. Waiting polls, so the bench's stop flag is honoured within a
// few milliseconds. The destructor kills and reaps a child still running.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide::labbench {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] looked up in PATH
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  int cpu = -1;                   // pin before exec; -1: inherit
};

class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const SpawnOptions& opt);
  ChildProcess(ChildProcess&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }
  bool running();            // false once it exited (it stays a zombie until wait_exit)
  void signal(int sig) noexcept;
  // Waits up to `timeout` for the exit, or until *stop becomes true. The exit status
  // (128 + signal when killed) or nullopt on timeout/stop. Reaps the child.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout, const std::atomic<bool>* stop = nullptr);
  // SIGKILL and reap.
  void kill_now() noexcept;

 private:
  explicit ChildProcess(pid_t p) : pid_(p) {}
  pid_t pid_ = -1;
  int status_ = -1;
};

// CPU time of a process (user + system, all live threads) in nanoseconds: the per-thread
// schedstat run time, or utime + stime of /proc/PID/stat (10 ms ticks) when that is missing.
Result<std::uint64_t> process_cpu_ns(pid_t pid);

// True when `pid` holds an AF_PACKET socket bound to interface index `ifindex`
// (its /proc/PID/fd socket inodes matched against /proc/net/packet).
bool has_packet_socket_on(pid_t pid, unsigned ifindex);

// The whole text of a (small) file; "" when unreadable.
std::string read_text(const std::string& path);

}  // namespace riptide::labbench
