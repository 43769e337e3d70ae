#include "labbench/bench_net.hpp"

#include <net/if.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace riptide::labbench {
namespace {

// Names still to delete at exit. Fixed buffers: the atexit handler must not depend on
// objects whose destructors may already have run.
struct Pending {
  char ns[32] = {};
  char host[IFNAMSIZ] = {};
  bool armed = false;
};
Pending g_pending;

void remove_names(const char* ns, const char* host) {
  char cmd[128];
  std::snprintf(cmd, sizeof cmd, "ip link del %s >/dev/null 2>&1", host);
  (void)std::system(cmd);
  std::snprintf(cmd, sizeof cmd, "ip netns del %s >/dev/null 2>&1", ns);
  (void)std::system(cmd);
}

extern "C" void remove_pending_at_exit() {
  if (!g_pending.armed) return;
  g_pending.armed = false;
  remove_names(g_pending.ns, g_pending.host);
}

}  // namespace

int run_quiet(const std::string& cmd) {
  const int st = std::system((cmd + " >/dev/null 2>&1").c_str());
  if (st == -1) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool netns_exists(const std::string& ns) { return run_quiet("ip netns pids " + ns) == 0; }
bool link_exists(const std::string& ifname) { return if_nametoindex(ifname.c_str()) != 0; }

Result<std::unique_ptr<BenchNet>> BenchNet::create(const std::string& tag) {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit(remove_pending_at_exit); });
  std::unique_ptr<BenchNet> n(new BenchNet());
  n->ns_ = tag + "ns";
  n->host_ = tag + "h";
  n->peer_ = tag + "p";
  if (n->host_.size() >= IFNAMSIZ) return make_error(Errc::invalid_argument, "bench: tag '" + tag + "' too long");
  remove_names(n->ns_.c_str(), n->host_.c_str());  // a stale pair from a crashed run with this pid
  std::snprintf(g_pending.ns, sizeof g_pending.ns, "%s", n->ns_.c_str());
  std::snprintf(g_pending.host, sizeof g_pending.host, "%s", n->host_.c_str());
  g_pending.armed = true;
  n->removed_ = false;

  const std::string& h = n->host_;
  const std::string& p = n->peer_;
  const std::string& ns = n->ns_;
  const std::string steps[] = {
      "ip netns add " + ns,
      "ip link add " + h + " type veth peer name " + p,
      "ip link set " + p + " netns " + ns,
      // No IPv6 on the pair: router solicitations and DAD would be stray packets in the counts.
      "sysctl -qw net.ipv6.conf." + h + ".disable_ipv6=1",
      "ip netns exec " + ns + " sysctl -qw net.ipv6.conf." + p + ".disable_ipv6=1",
      "ip link set " + h + " up",
      "ip netns exec " + ns + " ip link set " + p + " up",
  };
  for (const auto& cmd : steps) {
    if (run_quiet(cmd) != 0) {
      n->remove();
      return make_error(Errc::permission, "bench: '" + cmd + "' failed (root or CAP_NET_ADMIN needed)");
    }
  }
  n->host_index_ = if_nametoindex(h.c_str());
  if (n->host_index_ == 0) {
    n->remove();
    return make_error(Errc::internal, "bench: veth '" + h + "' vanished after creation");
  }
  return n;
}

BenchNet::~BenchNet() { remove(); }

bool BenchNet::remove() noexcept {
  if (!removed_) {
    remove_names(ns_.c_str(), host_.c_str());
    removed_ = true;
    g_pending.armed = false;
  }
  return !netns_exists(ns_) && !link_exists(host_);
}

}  // namespace riptide::labbench
