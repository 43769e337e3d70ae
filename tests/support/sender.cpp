#include "support/sender.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace riptide::test {
namespace {

constexpr std::uint8_t kMagic[4] = {'R', 'T', 'S', 'Q'};
constexpr unsigned kMaxBatch = 64;

// What the child reports through the pipe: plain bytes, no allocation on its side.
struct ChildReport {
  std::uint64_t sent;
  std::uint64_t errors;
  char error[160];
};

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

std::uint16_t ip_checksum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void timespec_add_ns(timespec& t, std::uint64_t ns) {
  const std::uint64_t total = static_cast<std::uint64_t>(t.tv_nsec) + ns;
  t.tv_sec += static_cast<time_t>(total / 1'000'000'000);
  t.tv_nsec = static_cast<long>(total % 1'000'000'000);
}

// Everything the child needs, allocated by the parent before fork(): a multithreaded
// parent may hold the allocator lock at fork time, so the child must not allocate.
struct Plan {
  const std::vector<std::vector<std::uint8_t>>* frames;
  std::uint64_t count;
  double pps;
  long seq_at;  // -1: frames go out as given
  std::uint32_t first_seq;
  std::vector<std::uint8_t> scratch;  // kMaxBatch copies when stamping sequence numbers
  std::size_t slot;
  mmsghdr msgs[kMaxBatch];
  iovec iov[kMaxBatch];
  char nspath[256];
  char ifname[IFNAMSIZ];
};

[[noreturn]] void child_main(Plan& pl, int wfd) {
  ChildReport rep{};
  auto fail = [&](const char* what) {
    std::snprintf(rep.error, sizeof rep.error, "%s: %s", what, std::strerror(errno));
    [[maybe_unused]] ssize_t w = ::write(wfd, &rep, sizeof rep);
    ::_exit(1);
  };
  const int nsfd = ::open(pl.nspath, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) fail("open netns");
  if (::setns(nsfd, CLONE_NEWNET) < 0) fail("setns");
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, pl.ifname, sizeof ifr.ifr_name);
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) fail("SIOCGIFINDEX");
  // Protocol 0: this socket only sends, it never receives a copy of anything.
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifr.ifr_ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) fail("bind");
  int one = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0) fail("PACKET_QDISC_BYPASS");
  int sndbuf = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  const auto& frames = *pl.frames;
  const unsigned batch = pl.pps <= 0 ? kMaxBatch
                                     : static_cast<unsigned>(std::clamp(pl.pps / 10000.0, 1.0, double(kMaxBatch)));
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  std::uint64_t done = 0;  // frames attempted (sent or refused)
  std::size_t next_frame = 0;
  while (done < pl.count) {
    if (pl.pps > 0) {
      timespec due = start;
      timespec_add_ns(due, static_cast<std::uint64_t>(static_cast<double>(done) * 1e9 / pl.pps));
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, nullptr) == EINTR) {
      }
    }
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(batch, pl.count - done));
    for (unsigned i = 0; i < n; ++i) {
      const auto& f = frames[(next_frame + i) % frames.size()];
      std::uint8_t* base = const_cast<std::uint8_t*>(f.data());
      if (pl.seq_at >= 0) {
        base = pl.scratch.data() + i * pl.slot;
        std::memcpy(base, f.data(), f.size());
        put32(base + pl.seq_at, pl.first_seq + static_cast<std::uint32_t>(done + i));
      }
      pl.iov[i] = {base, f.size()};
      pl.msgs[i] = {};
      pl.msgs[i].msg_hdr.msg_iov = &pl.iov[i];
      pl.msgs[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned off = 0;
    while (off < n) {
      const int r = ::sendmmsg(fd, pl.msgs + off, n - off, 0);
      if (r > 0) {
        rep.sent += static_cast<unsigned>(r);
        off += static_cast<unsigned>(r);
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        ++rep.errors;  // the first frame of the rest was refused: count it, go on
        ++off;
      }
    }
    done += n;
    next_frame = (next_frame + n) % frames.size();
  }
  [[maybe_unused]] ssize_t w = ::write(wfd, &rep, sizeof rep);
  ::_exit(0);
}

SendResult run(Plan& pl, const std::string& ns, const std::string& iface) {
  SendResult res;
  if (pl.frames->empty()) {
    res.error = "no frames to send";
    return res;
  }
  if (iface.size() >= IFNAMSIZ || ns.size() > 200) {
    res.error = "bad interface or namespace name";
    return res;
  }
  std::snprintf(pl.nspath, sizeof pl.nspath, "/var/run/netns/%s", ns.c_str());
  std::memset(pl.ifname, 0, sizeof pl.ifname);
  std::memcpy(pl.ifname, iface.c_str(), iface.size());
  int pfd[2];
  if (::pipe2(pfd, O_CLOEXEC) != 0) {
    res.error = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    res.error = std::string("fork: ") + std::strerror(errno);
    ::close(pfd[0]);
    ::close(pfd[1]);
    return res;
  }
  if (pid == 0) {
    ::close(pfd[0]);
    child_main(pl, pfd[1]);
  }
  ::close(pfd[1]);
  ChildReport rep{};
  std::size_t got = 0;
  while (got < sizeof rep) {
    const ssize_t r = ::read(pfd[0], reinterpret_cast<char*>(&rep) + got, sizeof rep - got);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  ::close(pfd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof rep) {
    res.error = "sender child died without a report";
    return res;
  }
  res.sent = rep.sent;
  res.errors = rep.errors;
  res.error = rep.error;
  return res;
}

}  // namespace

SendResult send_in_netns(const std::string& ns, const std::string& iface,
                         const std::vector<std::vector<std::uint8_t>>& frames, std::uint64_t count, double pps) {
  auto pl = std::make_unique<Plan>();
  pl->frames = &frames;
  pl->count = count;
  pl->pps = pps;
  pl->seq_at = -1;
  pl->first_seq = 0;
  pl->slot = 0;
  return run(*pl, ns, iface);
}

SendResult send_in_netns_seq(const std::string& ns, const std::string& iface,
                             const std::vector<std::vector<std::uint8_t>>& frames, std::uint64_t count, double pps,
                             std::size_t seq_at, std::uint32_t first_seq) {
  auto pl = std::make_unique<Plan>();
  pl->frames = &frames;
  pl->count = count;
  pl->pps = pps;
  pl->seq_at = static_cast<long>(seq_at);
  pl->first_seq = first_seq;
  std::size_t longest = 0;
  for (const auto& f : frames) longest = std::max(longest, f.size());
  for (const auto& f : frames) {
    if (f.size() < seq_at + 4) {
      SendResult r;
      r.error = "frame too short for a sequence number at offset " + std::to_string(seq_at);
      return r;
    }
  }
  pl->slot = (longest + 63) / 64 * 64;
  pl->scratch.assign(pl->slot * kMaxBatch, 0);
  return run(*pl, ns, iface);
}

std::size_t seq_offset(const UdpFrameSpec& s) {
  return 14 + (s.vlan_id >= 0 ? 4 : 0) + 20 + 8 + sizeof kMagic;
}

std::vector<std::uint8_t> build_udp_frame(const UdpFrameSpec& s) {
  const std::size_t l2 = 14 + (s.vlan_id >= 0 ? 4 : 0);
  const std::size_t min_len = seq_offset(s) + 4;
  std::vector<std::uint8_t> f(std::max(s.frame_bytes, min_len), 0);
  std::memcpy(f.data(), s.dst_mac, 6);
  std::memcpy(f.data() + 6, s.src_mac, 6);
  std::size_t o = 12;
  if (s.vlan_id >= 0) {
    put16(&f[o], ETH_P_8021Q);
    put16(&f[o + 2], static_cast<std::uint16_t>(s.vlan_id & 0x0fff));
    o += 4;
  }
  put16(&f[o], ETH_P_IP);
  std::uint8_t* ip = &f[l2];
  const std::size_t ip_len = f.size() - l2;
  ip[0] = 0x45;
  put16(ip + 2, static_cast<std::uint16_t>(ip_len));
  ip[6] = 0x40;  // DF: never a fragment
  ip[8] = 64;
  ip[9] = 17;
  put32(ip + 12, s.src_ip);
  put32(ip + 16, s.dst_ip);
  put16(ip + 10, ip_checksum(ip, 20));
  std::uint8_t* udp = ip + 20;
  put16(udp, s.src_port);
  put16(udp + 2, s.dst_port);
  put16(udp + 4, static_cast<std::uint16_t>(ip_len - 20));
  // UDP checksum 0 (none, legal in IPv4) so the sender can rewrite the sequence number.
  std::memcpy(udp + 8, kMagic, sizeof kMagic);
  put32(udp + 12, s.seq);
  return f;
}

std::int64_t frame_seq(const std::uint8_t* d, std::size_t len) {
  std::size_t o = 12;
  if (len < o + 2) return -1;
  std::uint16_t type = get16(d + o);
  if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
    o += 4;
    if (len < o + 2) return -1;
    type = get16(d + o);
  }
  o += 2;
  if (type != ETH_P_IP || len < o + 20) return -1;
  const std::size_t ihl = (d[o] & 0x0f) * 4u;
  if (d[o + 9] != 17 || len < o + ihl + 16) return -1;
  const std::uint8_t* pl = d + o + ihl + 8;
  if (std::memcmp(pl, kMagic, sizeof kMagic) != 0) return -1;
  return static_cast<std::int64_t>(static_cast<std::uint32_t>(pl[4]) << 24 | pl[5] << 16 | pl[6] << 8 | pl[7]);
}

}  // namespace riptide::test
