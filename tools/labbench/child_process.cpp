#include "labbench/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "riptide/core/fd.hpp"

namespace riptide::labbench {
namespace {

int decode_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const SpawnOptions& opt) {
  if (opt.argv.empty()) return make_error(Errc::invalid_argument, "spawn: empty command");
  std::vector<char*> args;
  for (const auto& a : opt.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Opened before fork so a bad path is an error here, not a silent child failure. The
  // parent's copies close on return; the child's close at exec (O_CLOEXEC).
  auto open_out = [](const std::string& path) {
    return UniqueFd{retry_eintr([&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); })};
  };
  const UniqueFd out = open_out(opt.stdout_path);
  if (!out) return make_error(Errc::io, "cannot open '" + opt.stdout_path + "': " + std::strerror(errno));
  const UniqueFd err = open_out(opt.stderr_path);
  if (!err) return make_error(Errc::io, "cannot open '" + opt.stderr_path + "': " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(Errc::internal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(out.get(), 1);
    ::dup2(err.get(), 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (opt.cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(opt.cpu, &set);
      if (::sched_setaffinity(0, sizeof set, &set) != 0) {
        dprintf(2, "cannot pin to CPU %d: %s\n", opt.cpu, std::strerror(errno));
        ::_exit(126);
      }
    }
    // The bench ignores nothing, but be explicit: the tool gets default dispositions.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execvp(args[0], args.data());
    dprintf(2, "cannot run '%s': %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides set it: no race with an early signal
  return ChildProcess(pid);
}

ChildProcess::~ChildProcess() { kill_now(); }

bool ChildProcess::running() {
  if (pid_ < 0) return false;
  siginfo_t info{};
  if (::waitid(P_PID, id_t(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == 0;
}

void ChildProcess::signal(int sig) noexcept {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
  if (pid_ < 0) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = retry_eintr([&] { return ::waitpid(pid_, &st, WNOHANG); });
    if (r == pid_) {
      pid_ = -1;
      status_ = decode_status(st);
      return status_;
    }
    if (r < 0) {
      pid_ = -1;
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    if (stop && stop->load()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ChildProcess::kill_now() noexcept {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  retry_eintr([&] { return ::waitpid(pid_, &st, 0); });
  pid_ = -1;
  status_ = decode_status(st);
}

namespace {

// utime + stime from /proc/PID/stat: clock ticks (10 ms), too coarse for short trials alone.
Result<std::uint64_t> stat_cpu_ns(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const std::string text = read_text(path);
  // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return make_error(Errc::not_found, "cannot read " + path);
  std::istringstream in(text.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // utime is field 14, stime 15
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  return (utime + stime) * (1'000'000'000ull / std::uint64_t(hz > 0 ? hz : 100));
}

}  // namespace

Result<std::uint64_t> process_cpu_ns(pid_t pid) {
  // Nanosecond run time of every live thread (first field of /proc/PID/task/TID/schedstat:
  // user + system); the tools' threads live as long as the capture.
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return make_error(Errc::not_found, "cannot read " + dir);
  std::uint64_t total = 0;
  bool any = false;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::istringstream in(read_text(dir + "/" + e->d_name + "/schedstat"));
    std::uint64_t ns = 0;
    if (in >> ns) {
      total += ns;
      any = true;
    }
  }
  ::closedir(d);
  if (!any) return stat_cpu_ns(pid);
  return total;
}

bool has_packet_socket_on(pid_t pid, unsigned ifindex) {
  std::unordered_set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(fd_dir.c_str());
  if (!d) return false;
  while (const dirent* e = ::readdir(d)) {
    char buf[64];
    const std::string p = fd_dir + "/" + e->d_name;
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n <= 0) continue;
    buf[n] = 0;
    if (std::strncmp(buf, "socket:[", 8) == 0) inodes.insert(std::string(buf + 8, std::strlen(buf + 8) - 1));
  }
  ::closedir(d);
  if (inodes.empty()) return false;
  // /proc/net/packet: sk RefCnt Type Proto Iface R Rmem User Inode
  std::istringstream in(read_text("/proc/net/packet"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string sk, ref, type, proto, iface, r, rmem, user, inode;
    if (!(f >> sk >> ref >> type >> proto >> iface >> r >> rmem >> user >> inode)) continue;
    if (inodes.count(inode) && iface == std::to_string(ifindex)) return true;
  }
  return false;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace riptide::labbench
