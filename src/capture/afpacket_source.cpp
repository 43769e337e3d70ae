#include "riptide/capture/afpacket_source.hpp"

#include "riptide/capture/kernel_filter.hpp"
#include "riptide/core/fd.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace riptide {
namespace {

std::string errstr(int e) { return std::strerror(e); }

Error sys_error(const std::string& iface, const char* what, int e) {
  if (e == EPERM || e == EACCES) {
    return make_error(Errc::permission, "no permission to capture on '" + iface +
                                            "': run as root or grant CAP_NET_RAW,CAP_NET_ADMIN");
  }
  if (e == ENODEV || e == ENXIO) return make_error(Errc::not_found, "interface '" + iface + "' not found");
  return make_error(Errc::io, std::string(what) + " on '" + iface + "' failed: " + errstr(e));
}

Result<LinkType> link_of(int fd, const std::string& iface) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, iface.c_str(), iface.size() + 1);
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return sys_error(iface, "SIOCGIFHWADDR", errno);
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:  // loopback frames carry a (zeroed) Ethernet header
      return LinkType::ethernet;
    case ARPHRD_NONE:  // tun, wireguard: frames start at the IP header
    case ARPHRD_TUNNEL:
    case ARPHRD_TUNNEL6:
    case ARPHRD_SIT:
    case ARPHRD_IPGRE:
    case ARPHRD_PPP:
    case ARPHRD_RAWIP:
      return LinkType::raw;
    default:
      return make_error(Errc::unsupported, "interface '" + iface + "' has hardware type " +
                                               std::to_string(ifr.ifr_hwaddr.sa_family) +
                                               ", which riptide cannot decode");
  }
}

std::uint32_t fanout_arg(const FanoutConfig& f) {
  std::uint32_t type = 0;
  switch (f.mode) {
    case FanoutMode::hash: type = PACKET_FANOUT_HASH; break;
    case FanoutMode::cpu: type = PACKET_FANOUT_CPU; break;
    case FanoutMode::lb: type = PACKET_FANOUT_LB; break;
    case FanoutMode::qm: type = PACKET_FANOUT_QM; break;
    case FanoutMode::rollover: type = PACKET_FANOUT_ROLLOVER; break;
  }
  if (f.mode == FanoutMode::hash && f.defrag) type |= PACKET_FANOUT_FLAG_DEFRAG;
  if (f.rollover && f.mode != FanoutMode::rollover) type |= PACKET_FANOUT_FLAG_ROLLOVER;
  // Id 0: let the kernel pick one no group on the host uses (read back after joining).
  if (f.group_id == 0 && !f.group_id_fixed) type |= PACKET_FANOUT_FLAG_UNIQUEID;
  return f.group_id | (type << 16);
}

Direction direction_of(unsigned char pkttype) {
  return pkttype == PACKET_OUTGOING ? Direction::outbound : Direction::inbound;
}

// -i any: writes the LINUX_SLL2 header into the PACKET_RESERVE room before the network
// header. The sockaddr_ll it is built from may overlap that room: copied out first.
constexpr unsigned kSll2Bytes = 20;
void cook_sll2(PacketView& v, const sockaddr_ll& sll_in) noexcept {
  const sockaddr_ll sll = sll_in;
  auto* h = const_cast<std::uint8_t*>(v.data) - kSll2Bytes;
  std::memset(h, 0, kSll2Bytes);
  std::memcpy(h, &sll.sll_protocol, 2);  // already in network order
  const std::uint32_t ifx = htonl(static_cast<std::uint32_t>(sll.sll_ifindex));
  std::memcpy(h + 4, &ifx, 4);
  const std::uint16_t hatype = htons(sll.sll_hatype);
  std::memcpy(h + 8, &hatype, 2);
  h[10] = sll.sll_pkttype;
  h[11] = sll.sll_halen;
  std::memcpy(h + 12, sll.sll_addr, std::min<std::size_t>(sll.sll_halen, 8));
  v.data = h;
  v.caplen += kSll2Bytes;
  v.wirelen += kSll2Bytes;
}

}  // namespace

AfPacketSource::AfPacketSource(const AfPacketConfig& cfg, RingPlan plan) : cfg_(cfg), plan_(std::move(plan)) {
  if (cfg.bpf != nullptr && cfg.bpf->len > 0) filter_.assign(cfg.bpf->filter, cfg.bpf->filter + cfg.bpf->len);
  cfg_.bpf = nullptr;  // the caller's program may die after open(); filter_ is our copy
}

AfPacketSource::~AfPacketSource() {
  close_socket();
}

Result<std::unique_ptr<AfPacketSource>> AfPacketSource::open(const AfPacketConfig& cfg) {
  if (cfg.iface.empty() || cfg.iface.size() >= IFNAMSIZ) {
    return make_error(Errc::invalid_argument, "bad interface name '" + cfg.iface + "'");
  }
  if (cfg.snaplen == 0) return make_error(Errc::invalid_argument, "snaplen must be > 0 for '" + cfg.iface + "'");
  if (cfg.fanout && cfg.fanout->mode == FanoutMode::rollover && cfg.fanout->rollover) {
    return make_error(Errc::invalid_argument, "fanout rollover flag is implied by rollover mode");
  }
  std::unique_ptr<AfPacketSource> s(new AfPacketSource(cfg, plan_ring(cfg)));
  s->wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->wake_fd_) return sys_error(cfg.iface, "eventfd", errno);
  if (auto r = s->open_socket(); !r) return r.error();
  return s;
}

Result<void> AfPacketSource::open_socket() {
  const std::string& name = cfg_.iface;
  // "any": every interface (ifindex 0). Their link layers differ, so the socket is cooked
  // (SOCK_DGRAM, data from the network header) and each packet gets a LINUX_SLL2 header
  // built from its sockaddr_ll, in room the kernel reserves before the data (as libpcap).
  const bool any = name == "any";
  const unsigned idx = any ? 0 : ::if_nametoindex(name.c_str());
  if (idx == 0 && !any) return make_error(Errc::not_found, "interface '" + name + "' not found");

  // Protocol 0: the socket receives nothing until bind(), so the filter and ring are in
  // place before the first packet and no unfiltered packet slips in.
  // Owned until the end: every early return below closes it.
  UniqueFd fd{::socket(AF_PACKET, (any ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0)};
  if (!fd) return sys_error(name, "socket(AF_PACKET)", errno);

  auto link = any ? Result<LinkType>(LinkType::linux_sll2) : link_of(fd.get(), name);
  if (!link) return link.error();
  if (any) {
    unsigned reserve = kSll2Bytes;
    if (::setsockopt(fd.get(), SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve) < 0)
      return sys_error(name, "PACKET_RESERVE", errno);
  }

  int v = TPACKET_V3;
  if (::setsockopt(fd.get(), SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) {
    return make_error(Errc::unsupported, "TPACKET_V3 not supported by this kernel (" + name + "): " + errstr(errno));
  }

  KernelFilterSpec spec;
  spec.reject_tx_mark = cfg_.reject_own_tx;
  spec.direction = cfg_.direction;
  if (cfg_.direction == CaptureDirection::in) {
    // Outgoing packets are then never even cloned for this socket; BPF is the fallback.
    int one = 1;
    if (::setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) == 0) {
      spec.direction = CaptureDirection::inout;
    } else if (errno != ENOPROTOOPT && errno != EINVAL) {
      return sys_error(name, "PACKET_IGNORE_OUTGOING", errno);
    }
  }
  std::vector<sock_filter> prog = compose_kernel_filter(filter_, spec);
  if (quiescing_) prog.assign(1, reject_all_insn());  // reopened while draining: admit nothing
  if (!prog.empty()) {
    if (prog.size() > BPF_MAXINSNS) {
      return make_error(Errc::invalid_argument, "filter for '" + name + "' has " + std::to_string(prog.size()) +
                                                    " instructions, the kernel accepts " +
                                                    std::to_string(BPF_MAXINSNS));
    }
    sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0) {
      return make_error(Errc::invalid_argument, "kernel rejected the filter on '" + name + "': " + errstr(errno));
    }
  }

  tpacket_req3 req{};
  req.tp_block_size = plan_.block_bytes;
  req.tp_block_nr = plan_.block_count;
  req.tp_frame_size = plan_.frame_bytes;
  req.tp_frame_nr = plan_.block_bytes / plan_.frame_bytes * plan_.block_count;
  req.tp_retire_blk_tov = cfg_.block_timeout_ms;
  if (::setsockopt(fd.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    const int e = errno;
    if (e == ENOMEM) {
      return make_error(Errc::exhausted, "cannot allocate the " + std::to_string(plan_.total_bytes >> 20) +
                                             " MiB capture ring on '" + name + "': lower --ring-ms or the rate");
    }
    return make_error(Errc::invalid_argument, "kernel rejected the ring on '" + name + "' (" + plan_.explanation +
                                                  "): " + errstr(e));
  }
  const std::size_t len = static_cast<std::size_t>(plan_.total_bytes);
  void* map = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return sys_error(name, "mmap of the capture ring", errno);

  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(idx);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    const int e = errno;
    ::munmap(map, len);
    return sys_error(name, "bind", e);
  }
  // A down interface binds fine and reports ENETDOWN here; capture starts when it comes up.
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soerr, &sl);

  auto fail = [&](const char* what) {
    const int e = errno;
    ::munmap(map, len);
    return sys_error(name, what, e);
  };
  if (cfg_.promisc && !any) {  // "any" has no device to make promiscuous (nor has tcpdump's)
    packet_mreq mr{};
    mr.mr_ifindex = static_cast<int>(idx);
    mr.mr_type = PACKET_MR_PROMISC;  // dropped by the kernel when the socket closes
    if (::setsockopt(fd.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) return fail("promiscuous mode");
  }
  if (cfg_.fanout) {
    std::uint32_t arg = fanout_arg(*cfg_.fanout);
    if (::setsockopt(fd.get(), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
      const int e = errno;
      ::munmap(map, len);
      return make_error(e == EPERM ? Errc::permission : Errc::invalid_argument,
                        "cannot join fanout group " + std::to_string(cfg_.fanout->group_id) + " on '" + name +
                            "' (in use with another mode or interface?): " + errstr(e));
    }
    if (cfg_.fanout->group_id == 0 && !cfg_.fanout->group_id_fixed) {
      // Remember the kernel's id: the other members and a reopen() join this group.
      std::uint32_t got = 0;
      socklen_t gl = sizeof got;
      if (::getsockopt(fd.get(), SOL_PACKET, PACKET_FANOUT, &got, &gl) < 0) return fail("reading the fanout group id");
      cfg_.fanout->group_id = static_cast<std::uint16_t>(got & 0xffff);
      cfg_.fanout->group_id_fixed = true;
    }
  }
  if (cfg_.busy_poll_us) {
    int us = static_cast<int>(*cfg_.busy_poll_us);
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_BUSY_POLL, &us, sizeof us) < 0) return fail("SO_BUSY_POLL");
  }

  std::lock_guard lk(mu_);
  fd_ = std::move(fd);
  ring_ = static_cast<std::uint8_t*>(map);
  ring_len_ = len;
  ifindex_ = idx;
  link_ = *link;
  cur_ = 0;
  left_ = 0;
  pkt_ = nullptr;
  in_block_ = false;
  held_ = 0;
  held_from_ = 0;
  lost_ = false;
  loss_pending_ = false;
  return {};
}

void AfPacketSource::harvest_kernel_stats_locked() const {
  if (!fd_.valid()) return;
  tpacket_stats_v3 st{};
  socklen_t len = sizeof st;
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    // The kernel already adds drops into tp_packets: it counts everything that passed the filter.
    k_packets_ += st.tp_packets;
    k_drops_ += st.tp_drops;
    k_freeze_ += st.tp_freeze_q_cnt;
  }
}

void AfPacketSource::close_socket() noexcept {
  std::lock_guard lk(mu_);
  harvest_kernel_stats_locked();
  if (ring_ != nullptr) ::munmap(ring_, ring_len_);
  fd_.reset();
  ring_ = nullptr;
  ring_len_ = 0;
}

Result<void> AfPacketSource::reopen() {
  close_socket();
  auto r = open_socket();
  if (r) c_.reopened.fetch_add(1, std::memory_order_relaxed);
  return r;
}

bool AfPacketSource::block_ready(std::uint32_t idx) const noexcept {
  auto* bd = reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<std::size_t>(idx) * plan_.block_bytes);
  // Acquire: the packet bytes the kernel wrote before flipping the status must be visible.
  return (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

void AfPacketSource::release_held_blocks() noexcept {
  for (std::uint32_t i = 0; i < held_; ++i) {
    const std::uint32_t idx = (held_from_ + i) % plan_.block_count;
    auto* bd = reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<std::size_t>(idx) * plan_.block_bytes);
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  }
  held_ = 0;
}

namespace {
constexpr std::size_t kRingPrefetchAhead = 2048;
}  // namespace

void AfPacketSource::fill(PacketBatch& out) noexcept {
  std::uint64_t bytes = 0, blocks = 0, losing = 0;
  const std::size_t before = out.size();
  while (!out.full()) {
    if (!in_block_) {
      // Every block is held for views already handed out: the next one in line still says
      // "user" because it is ours, not because the kernel filled it again.
      if (held_ == plan_.block_count) break;
      if (!block_ready(cur_)) break;
      auto* bd = reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<std::size_t>(cur_) * plan_.block_bytes);
      left_ = bd->hdr.bh1.num_pkts;
      pkt_ = reinterpret_cast<const std::uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
      if (bd->hdr.bh1.block_status & TP_STATUS_LOSING) ++losing;
      block_end_ = reinterpret_cast<const std::uint8_t*>(bd) + std::min<std::size_t>(bd->hdr.bh1.blk_len, plan_.block_bytes);
      prefetched_ = pkt_;
      in_block_ = true;
    }
    while (left_ > 0 && !out.full()) {
      // The kernel wrote these lines on another CPU: each packet's header would be a miss whose
      // address depends on the header before it. Requesting the block's lines a little ahead
      // of the walk overlaps those misses (and the decoder's, a few lines further on).
      for (const std::uint8_t* want = std::min(pkt_ + kRingPrefetchAhead, block_end_); prefetched_ < want; prefetched_ += 64)
        __builtin_prefetch(prefetched_);
      const auto* h = reinterpret_cast<const tpacket3_hdr*>(pkt_);
      const auto* sll = reinterpret_cast<const sockaddr_ll*>(pkt_ + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
      PacketView v;
      v.data = pkt_ + h->tp_mac;
      v.caplen = h->tp_snaplen;
      v.wirelen = h->tp_len;
      v.ts_ns = static_cast<TimestampNs>(h->tp_sec) * 1'000'000'000 + h->tp_nsec;
      v.ifindex = static_cast<std::uint32_t>(sll->sll_ifindex);
      if (h->tp_status & TP_STATUS_VLAN_VALID) {
        v.vlan_tci = static_cast<std::uint16_t>(h->hv1.tp_vlan_tci);
        v.vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
      }
      v.link = link_;
      v.dir = direction_of(sll->sll_pkttype);
      if (link_ == LinkType::linux_sll2) cook_sll2(v, *sll);
      out.push(v);
      bytes += h->tp_len;
      pkt_ += h->tp_next_offset;
      --left_;
    }
    if (left_ == 0) {
      // Done with this block, but the views just pushed still point into it: hold it
      // until the caller comes back.
      in_block_ = false;
      if (held_ == 0) held_from_ = cur_;
      ++held_;
      ++blocks;
      cur_ = (cur_ + 1) % plan_.block_count;
    }
  }
  const std::uint64_t n = out.size() - before;
  if (n) {
    c_.packets.fetch_add(n, std::memory_order_relaxed);
    c_.bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
  if (blocks) c_.blocks.fetch_add(blocks, std::memory_order_relaxed);
  if (losing) c_.losing.fetch_add(losing, std::memory_order_relaxed);
}

std::chrono::steady_clock::time_point AfPacketSource::drain_deadline() const {
  // The kernel retires a part-filled block after block_timeout_ms; its timer may have just
  // been re-armed, so allow two periods plus scheduling slack.
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(2 * cfg_.block_timeout_ms + 10);
}

Result<PollStatus> AfPacketSource::finish_drain() {
  // Whatever the kernel still holds in its active block will never reach us: count it.
  if (fd_.valid() && !block_ready(cur_)) {
    auto* bd = reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<std::size_t>(cur_) * plan_.block_bytes);
    const std::uint32_t n = __atomic_load_n(&bd->hdr.bh1.num_pkts, __ATOMIC_ACQUIRE);
    if (n) c_.abandoned.fetch_add(n, std::memory_order_relaxed);
  }
  if (quiescing_) {
    drained_.store(true, std::memory_order_release);
    return PollStatus::end_of_input;
  }
  loss_pending_ = false;
  lost_ = true;
  return make_error(Errc::interface_down, loss_msg_);
}

Result<PollStatus> AfPacketSource::next(PacketBatch& out, std::chrono::milliseconds timeout) {
  out.clear();
  if (stop_.load(std::memory_order_relaxed) || drained_.load(std::memory_order_relaxed)) return PollStatus::end_of_input;
  if (!fd_.valid()) return make_error(Errc::interface_down, "capture on '" + cfg_.iface + "' is closed: reopen() it");
  if (lost_) return make_error(Errc::interface_down, loss_msg_);
  release_held_blocks();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (draining()) deadline = std::min(deadline, drain_until_);
  for (;;) {
    fill(out);
    if (!out.empty()) return PollStatus::packets;
    if (stop_.load(std::memory_order_relaxed)) return PollStatus::end_of_input;
    if (draining() && std::chrono::steady_clock::now() >= drain_until_) return finish_drain();
    // Rounded up: a wait that ends before the caller's deadline makes it poll again at once.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd fds[2] = {{fd_.get(), POLLIN | POLLERR, 0}, {wake_fd_.get(), POLLIN, 0}};
    // While draining after a loss the socket may stay in error: wait on the wake-up only, in
    // short steps, and look at the ring between them.
    pollfd* first = loss_pending_ ? &fds[1] : &fds[0];
    const nfds_t nfds = loss_pending_ ? 1 : 2;
    const std::int64_t wait_ms = loss_pending_ ? std::min<std::int64_t>(left.count(), 2) : left.count();
    c_.polls.fetch_add(1, std::memory_order_relaxed);
    const int r = ::poll(first, nfds, static_cast<int>(std::max<std::int64_t>(wait_ms, 0)));
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error(cfg_.iface, "poll", errno);
    }
    if (fds[1].revents != 0) {
      if (stop_.load(std::memory_order_relaxed)) return PollStatus::end_of_input;
      // wake(): consume it, then hand the caller what is ready (or a timeout).
      std::uint64_t v = 0;
      [[maybe_unused]] const ssize_t n = ::read(wake_fd_.get(), &v, sizeof v);
      if (stop_.load(std::memory_order_relaxed)) return PollStatus::end_of_input;
      fill(out);
      return out.empty() ? PollStatus::timeout : PollStatus::packets;
    }
    if (!loss_pending_ && (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))) {
      int err = 0;
      socklen_t sl = sizeof err;
      ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &sl);  // also clears it: reported once
      if (err == ENETDOWN || err == ENXIO || err == ENODEV || (fds[0].revents & (POLLHUP | POLLNVAL))) {
        // The ring still holds what the kernel admitted before the loss: deliver it first
        // (the kernel's retire timer keeps handing blocks over), report the loss after.
        c_.lost.fetch_add(1, std::memory_order_relaxed);
        loss_msg_ = "interface '" + cfg_.iface + "' went down or was removed (" + errstr(err ? err : ENODEV) + ")";
        loss_pending_ = true;
        drain_until_ = quiescing_ ? std::min(drain_until_, drain_deadline()) : drain_deadline();
        deadline = std::min(deadline, drain_until_);
        continue;
      }
      if (err != 0) return sys_error(cfg_.iface, "capture socket", err);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      fill(out);  // a block may have been retired just as the wait ended
      if (!out.empty()) return PollStatus::packets;
      if (draining() && std::chrono::steady_clock::now() >= drain_until_) return finish_drain();
      c_.timeouts.fetch_add(1, std::memory_order_relaxed);
      return PollStatus::timeout;
    }
  }
}

Result<void> AfPacketSource::quiesce() {
  if (quiescing_) return {};
  if (fd_.valid()) {
    // The kernel counts only packets its filter accepts: from here on it counts nothing, so
    // once the ring is drained its totals are final.
    sock_filter reject = reject_all_insn();
    sock_fprog prog{1, &reject};
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
      return sys_error(cfg_.iface, "attaching the reject-all filter to stop capture", errno);
  }
  quiescing_ = true;
  drain_until_ = loss_pending_ ? std::min(drain_until_, drain_deadline()) : drain_deadline();
  if (!fd_.valid() || lost_) drained_.store(true, std::memory_order_release);  // nothing left to read
  return {};
}

bool AfPacketSource::exact_counts() const { return drained_.load(std::memory_order_acquire); }

void AfPacketSource::wake() noexcept {
  const std::uint64_t one = 1;
  if (wake_fd_.valid()) {
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  }
}

void AfPacketSource::stop() noexcept {
  stop_.store(true, std::memory_order_relaxed);
  const std::uint64_t one = 1;
  if (wake_fd_.valid()) {
    // Best effort: the flag alone stops the next call; the write only cuts a wait short.
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  }
}

}  // namespace riptide
