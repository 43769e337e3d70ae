#include "support/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace riptide::test {

int sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  if (rc == -1) return -1;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool have_net_admin() {
  if (geteuid() == 0) return true;
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> 12) & 1ull;  // CAP_NET_ADMIN
    }
  }
  return false;
}

namespace {
// RIPTIDE_NET_TAG (at most two characters) goes into every name, so that two checkouts can
// run their namespace tests at the same time without deleting each other's links.
std::string net_tag() {
  const char* t = std::getenv("RIPTIDE_NET_TAG");
  return t ? std::string(t).substr(0, 2) : std::string();
}
}  // namespace

VethPair::VethPair(const std::string& prefix)
    : host_("rt" + net_tag() + prefix + "h"), peer_("rt" + net_tag() + prefix + "p"), ns_("rt" + net_tag() + prefix + "ns") {
  ok_ = create();
}

VethPair::~VethPair() { destroy(); }

void VethPair::destroy() noexcept {
  sh("ip link del " + host_ + " >/dev/null 2>&1");
  sh("ip netns del " + ns_ + " >/dev/null 2>&1");
}

bool VethPair::create() {
  destroy();
  // IPv6 DAD and router solicitations would add unsolicited packets to exact-count tests.
  const std::string cmds =
      "set -e; ip netns add " + ns_ + "; ip link add " + host_ + " type veth peer name " + peer_ +
      "; ip link set " + peer_ + " netns " + ns_ +
      "; sysctl -qw net.ipv6.conf." + host_ + ".disable_ipv6=1"
      "; ip netns exec " + ns_ + " sysctl -qw net.ipv6.conf." + peer_ + ".disable_ipv6=1"
      "; ip link set " + host_ + " up; ip netns exec " + ns_ + " ip link set " + peer_ + " up" +
      "; ip netns exec " + ns_ + " ip link set lo up";
  if (sh("( " + cmds + " ) >/dev/null 2>&1") != 0) {
    destroy();
    return false;
  }
  return true;
}

bool VethPair::recreate() {
  sh("ip link del " + host_ + " >/dev/null 2>&1");
  const std::string cmds =
      "set -e; ip link add " + host_ + " type veth peer name " + peer_ + "; ip link set " + peer_ +
      " netns " + ns_ + "; sysctl -qw net.ipv6.conf." + host_ + ".disable_ipv6=1" +
      "; ip netns exec " + ns_ + " sysctl -qw net.ipv6.conf." + peer_ + ".disable_ipv6=1" +
      "; ip link set " + host_ + " up; ip netns exec " + ns_ + " ip link set " + peer_ + " up";
  ok_ = sh("( " + cmds + " ) >/dev/null 2>&1") == 0;
  return ok_;
}

bool VethPair::set_host_up(bool up) const {
  return sh("ip link set " + host_ + (up ? " up" : " down") + " >/dev/null 2>&1") == 0;
}

int VethPair::exec_in_ns(const std::string& cmd) const {
  return sh("ip netns exec " + ns_ + " " + cmd);
}

int packet_socket_in_netns(const std::string& netns, const std::string& iface, std::uint16_t ethertype) {
  int fd = -1;
  std::thread t([&] {
    const int nsfd = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
      if (nsfd >= 0) ::close(nsfd);
      return;
    }
    ::close(nsfd);
    const int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
    if (s < 0) return;
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (sll.sll_ifindex != 0 && ::bind(s, reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0) {
      fd = s;
    } else {
      ::close(s);
    }
  });
  t.join();
  return fd;
}

}  // namespace riptide::test
