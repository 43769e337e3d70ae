#include "riptide/capture/pcap_live_source.hpp"

#include "riptide/capture/kernel_filter.hpp"

#include <linux/filter.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace riptide {
namespace {

// Copy buffer: enough for a full batch of ordinary frames; big packets make one
// pcap_dispatch() take fewer of them (see dispatch_some), never overflow it.
constexpr std::size_t kArenaBytes = 4u << 20;

Result<LinkType> link_of_dlt(int dlt, const std::string& iface) {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::ethernet;
    case DLT_RAW: return LinkType::raw;
    case DLT_NULL: return LinkType::null_bsd;
    case DLT_LINUX_SLL: return LinkType::linux_sll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::linux_sll2;
#endif
    default:
      return make_error(Errc::unsupported, "interface '" + iface + "' has libpcap link type " +
                                               std::to_string(dlt) + ", which riptide cannot decode");
  }
}

Error activate_error(pcap_t* p, int rc, const std::string& iface) {
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return make_error(Errc::not_found, "interface '" + iface + "' not found");
    case PCAP_ERROR_PERM_DENIED:
      return make_error(Errc::permission, "no permission to capture on '" + iface +
                                              "': run as root or grant CAP_NET_RAW,CAP_NET_ADMIN");
    case PCAP_ERROR_IFACE_NOT_UP:
      return make_error(Errc::interface_down, "interface '" + iface + "' is down");
    default:
      return make_error(Errc::io, "libpcap cannot capture on '" + iface + "': " + pcap_geterr(p));
  }
}

}  // namespace

PcapLiveSource::PcapLiveSource(const AfPacketConfig& cfg, RingPlan plan) : cfg_(cfg), plan_(std::move(plan)) {}

PcapLiveSource::~PcapLiveSource() {
  if (p_ != nullptr) pcap_close(p_);
}

Result<std::unique_ptr<PcapLiveSource>> PcapLiveSource::open(const AfPacketConfig& cfg, const std::string& filter_expr) {
  const std::string& name = cfg.iface;
  if (name.empty() || name.size() >= IFNAMSIZ) return make_error(Errc::invalid_argument, "bad interface name '" + name + "'");
  if (cfg.fanout) return make_error(Errc::unsupported, "the pcap backend has no fanout: use --backend afpacket");
  // libpcap reports a missing device only at activation, after a more generic message on
  // some versions: check first so the error is always the same one line.
  const unsigned idx = ::if_nametoindex(name.c_str());
  if (idx == 0) return make_error(Errc::not_found, "interface '" + name + "' not found");

  std::unique_ptr<PcapLiveSource> s(new PcapLiveSource(cfg, plan_ring(cfg)));
  s->ifindex_ = idx;
  s->wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->wake_fd_) return make_error(Errc::io, "eventfd for '" + name + "': " + std::strerror(errno));

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  s->p_ = pcap_create(name.c_str(), errbuf);
  if (s->p_ == nullptr) return make_error(Errc::io, "libpcap cannot open '" + name + "': " + errbuf);
  pcap_t* p = s->p_;
  pcap_set_snaplen(p, static_cast<int>(std::min<std::uint32_t>(cfg.snaplen, 262144)));
  pcap_set_promisc(p, cfg.promisc ? 1 : 0);
  // Immediate mode would switch libpcap to TPACKET_V2 with one snaplen-sized slot per
  // packet; off, it uses V3 blocks retired after this timeout.
  pcap_set_immediate_mode(p, 0);
  pcap_set_timeout(p, static_cast<int>(cfg.block_timeout_ms));
  pcap_set_buffer_size(p, static_cast<int>(std::min<std::uint64_t>(plan_ring(cfg).total_bytes, 1ull << 30)));
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  const int rc = pcap_activate(p);
  if (rc < 0) return activate_error(p, rc, name);  // rc > 0 are warnings (e.g. promisc unsupported)

  auto link = link_of_dlt(pcap_datalink(p), name);
  if (!link) return link.error();
  s->link_ = *link;

  // Direction and "not riptide's own frames" go into the kernel program with the user's
  // filter, not pcap_setdirection(): libpcap applies a direction in user space, after the
  // kernel has counted the packet, which would break kernel received = captured + dropped.
  // The program is attached to libpcap's socket directly: pcap_setfilter() runs a new
  // filter in user space over the blocks already in the ring, and its user-space BPF
  // rejects every packet on an SKF_AD_MARK load (measured: the first block was lost).
  std::vector<sock_filter> user;
  if (!filter_expr.empty()) {
    bpf_program prog{};
    if (pcap_compile(p, &prog, filter_expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return make_error(Errc::invalid_argument, "bad filter '" + filter_expr + "': " + pcap_geterr(p));
    }
    static_assert(sizeof(bpf_insn) == sizeof(sock_filter));  // same layout: code, jt, jf, k
    const auto* insns = reinterpret_cast<const sock_filter*>(prog.bf_insns);
    user.assign(insns, insns + prog.bf_len);
    pcap_freecode(&prog);
  } else if (cfg.bpf != nullptr && cfg.bpf->len > 0) {
    user.assign(cfg.bpf->filter, cfg.bpf->filter + cfg.bpf->len);
  }
  const bool cooked = s->link_ == LinkType::linux_sll || s->link_ == LinkType::linux_sll2;
  if (cooked) {
    // libpcap rewrites a program's offsets for its cooked header: let it, and leave the
    // direction to it (in user space) and our frames to PACKET_QDISC_BYPASS.
    if (cfg.direction != CaptureDirection::inout &&
        pcap_setdirection(p, cfg.direction == CaptureDirection::in ? PCAP_D_IN : PCAP_D_OUT) != 0) {
      return make_error(Errc::unsupported, "libpcap cannot select a direction on '" + name + "': " + pcap_geterr(p));
    }
    if (!user.empty()) {
      bpf_program bp{static_cast<unsigned>(user.size()), reinterpret_cast<bpf_insn*>(user.data())};
      if (pcap_setfilter(p, &bp) != 0) {
        return make_error(Errc::invalid_argument, "cannot set filter on '" + name + "': " + pcap_geterr(p));
      }
    }
  } else {
    std::vector<sock_filter> prog = compose_kernel_filter(user, KernelFilterSpec{cfg.direction, cfg.reject_own_tx});
    if (!prog.empty()) {
      if (prog.size() > BPF_MAXINSNS) {
        return make_error(Errc::invalid_argument, "filter for '" + name + "' has " + std::to_string(prog.size()) +
                                                      " instructions, the kernel accepts " + std::to_string(BPF_MAXINSNS));
      }
      sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
      if (::setsockopt(pcap_fileno(p), SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0) {
        return make_error(Errc::invalid_argument, "kernel rejected the filter on '" + name + "': " + std::strerror(errno));
      }
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    return make_error(Errc::io, "libpcap nonblocking mode on '" + name + "': " + errbuf);
  }
  s->sel_fd_ = pcap_get_selectable_fd(p);
  if (s->sel_fd_ < 0) return make_error(Errc::unsupported, "libpcap gives no pollable descriptor for '" + name + "'");
  s->arena_.resize(kArenaBytes);
  return s;
}

void PcapLiveSource::on_packet(unsigned char* user, const pcap_pkthdr* h, const unsigned char* bytes) {
  auto* self = reinterpret_cast<PcapLiveSource*>(user);
  PacketBatch& out = *self->filling_;
  if (out.full() || self->arena_used_ + h->caplen > self->arena_.size()) {
    self->overflow_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::uint8_t* dst = self->arena_.data() + self->arena_used_;
  std::memcpy(dst, bytes, h->caplen);
  self->arena_used_ += (h->caplen + 7u) & ~std::size_t{7};
  PacketView v;
  v.data = dst;
  v.caplen = h->caplen;
  v.wirelen = h->len;
  // Nanosecond precision was requested: tv_usec holds nanoseconds.
  v.ts_ns = static_cast<TimestampNs>(h->ts.tv_sec) * 1'000'000'000 + h->ts.tv_usec;
  v.ifindex = self->ifindex_;
  v.link = self->link_;
  out.push(v);
}

int PcapLiveSource::dispatch_some(PacketBatch& out) {
  // Ask only for as many packets as are sure to fit in the rest of the copy buffer.
  const std::size_t maxcap = std::min<std::size_t>(std::max<std::uint32_t>(cfg_.snaplen, 64), 262144) + 8;
  const std::size_t room = (arena_.size() - arena_used_) / maxcap;
  const std::size_t want = std::min(room, PacketBatch::kCapacity - out.size());
  if (want == 0) return 0;
  filling_ = &out;
  dispatches_.fetch_add(1, std::memory_order_relaxed);
  const int n = pcap_dispatch(p_, static_cast<int>(want), &PcapLiveSource::on_packet, reinterpret_cast<unsigned char*>(this));
  filling_ = nullptr;
  return n;
}

Result<PollStatus> PcapLiveSource::next(PacketBatch& out, std::chrono::milliseconds timeout) {
  out.clear();
  arena_used_ = 0;
  if (stop_.load(std::memory_order_relaxed) || drained_.load(std::memory_order_relaxed)) {
    harvest();
    return PollStatus::end_of_input;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (quiescing_) deadline = std::min(deadline, drain_until_);
  for (;;) {
    int n;
    while ((n = dispatch_some(out)) > 0) {
    }
    if (n == PCAP_ERROR) {
      harvest();
      const std::string msg = pcap_geterr(p_);
      if (msg.find("went down") != std::string::npos || msg.find("disappeared") != std::string::npos || msg.find("No such device") != std::string::npos ||
          msg.find("ENETDOWN") != std::string::npos || msg.find("Network is down") != std::string::npos) {
        return make_error(Errc::interface_down, "interface '" + cfg_.iface + "' went down: " + msg);
      }
      return make_error(Errc::io, "libpcap read on '" + cfg_.iface + "' failed: " + msg);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_harvest_) {
      harvest();
      next_harvest_ = now + std::chrono::milliseconds(100);
    }
    if (!out.empty()) {
      std::uint64_t bytes = 0;
      for (const auto& v : out) bytes += v.wirelen;
      packets_.fetch_add(out.size(), std::memory_order_relaxed);
      bytes_.fetch_add(bytes, std::memory_order_relaxed);
      return PollStatus::packets;
    }
    if (stop_.load(std::memory_order_relaxed)) {
      harvest();
      return PollStatus::end_of_input;
    }
    if (quiescing_ && now >= drain_until_) {
      harvest();
      drained_.store(true, std::memory_order_release);
      return PollStatus::end_of_input;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (left.count() <= 0) {
      harvest();
      return PollStatus::timeout;
    }
    pollfd fds[2] = {{sel_fd_, POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    polls_.fetch_add(1, std::memory_order_relaxed);
    const int r = ::poll(fds, 2, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return make_error(Errc::io, "poll on '" + cfg_.iface + "': " + std::strerror(errno));
    if (r > 0 && fds[1].revents != 0) {
      if (!stop_.load(std::memory_order_relaxed)) {
        // wake(): consume it and return, stopping nothing.
        std::uint64_t v = 0;
        [[maybe_unused]] const ssize_t got = ::read(wake_fd_.get(), &v, sizeof v);
        if (!stop_.load(std::memory_order_relaxed)) return PollStatus::timeout;
      }
      harvest();
      return PollStatus::end_of_input;
    }
    // POLLERR falls through to pcap_dispatch(), which turns it into an error message.
  }
}

Result<void> PcapLiveSource::quiesce() {
  if (quiescing_) return {};
  // Our own reject-all program on libpcap's socket, not pcap_setfilter(): libpcap may flush
  // the socket when it changes filters, which would discard packets the kernel already
  // counted. libpcap does not filter in user space here (its kernel filter was accepted),
  // so nothing else reads the program.
  sock_filter reject = reject_all_insn();
  sock_fprog prog{1, &reject};
  if (::setsockopt(pcap_fileno(p_), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
    return make_error(Errc::io, "cannot stop capture on '" + cfg_.iface + "' (reject-all filter): " + std::strerror(errno));
  }
  quiescing_ = true;
  // libpcap's V3 blocks retire after block_timeout_ms like ours: two periods and slack.
  drain_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(2 * cfg_.block_timeout_ms + 10);
  return {};
}

bool PcapLiveSource::exact_counts() const {
  // libpcap drops the looped-back copy of outgoing packets on loopback in user space, after
  // the kernel counted them; anywhere else a drained handle's counts are final.
  return drained_.load(std::memory_order_acquire) && overflow_.load(std::memory_order_relaxed) == 0 &&
         cfg_.iface != "lo";
}

void PcapLiveSource::wake() noexcept {
  const std::uint64_t one = 1;
  if (wake_fd_) {
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  }
}

void PcapLiveSource::stop() noexcept {
  stop_.store(true, std::memory_order_relaxed);
  const std::uint64_t one = 1;
  if (wake_fd_) {
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  }
}

void PcapLiveSource::harvest() {
  pcap_stat st{};
  if (p_ == nullptr || ::pcap_stats(p_, &st) != 0) return;
  // libpcap keeps running 32-bit totals; widen them by accumulating the unsigned deltas.
  auto widen = [](std::atomic<std::uint64_t>& total, std::uint32_t& last, std::uint32_t now) {
    total.store(total.load(std::memory_order_relaxed) + static_cast<std::uint32_t>(now - last), std::memory_order_relaxed);
    last = now;
  };
  widen(recv_, last_recv_, st.ps_recv);
  widen(drop_, last_drop_, st.ps_drop);
  widen(ifdrop_, last_ifdrop_, st.ps_ifdrop);
}

SourceStats PcapLiveSource::stats() const {
  SourceStats s;
  s.packets = packets_.load(std::memory_order_relaxed);
  s.bytes = bytes_.load(std::memory_order_relaxed);
  // On Linux ps_recv counts every packet that passed the kernel filter, the ones dropped
  // for a full ring included (PACKET_STATISTICS tp_packets); ps_drop is that ring-full
  // count. ps_ifdrop (sysfs, promiscuous mode only) stays in PcapLiveStats. Read by the
  // capture thread at most 100 ms ago (M1: the handle is never used from two threads).
  s.kernel_packets = recv_.load(std::memory_order_relaxed);
  s.kernel_drops = drop_.load(std::memory_order_relaxed);
  return s;
}

PcapLiveStats PcapLiveSource::pcap_stats() const {
  PcapLiveStats s;
  s.ps_recv = recv_.load(std::memory_order_relaxed);
  s.ps_drop = drop_.load(std::memory_order_relaxed);
  s.ps_ifdrop = ifdrop_.load(std::memory_order_relaxed);
  s.dispatches = dispatches_.load(std::memory_order_relaxed);
  s.polls = polls_.load(std::memory_order_relaxed);
  s.copy_overflow = overflow_.load(std::memory_order_relaxed);
  return s;
}

void PcapLiveSource::counters(std::vector<SourceCounter>& out) const {
  const PcapLiveStats p = pcap_stats();
  out.push_back({"copy_overflow", "packets libpcap handed over that did not fit riptide's copy buffer (lost)",
                 p.copy_overflow, true, "a riptide bug: report it; meanwhile use --backend afpacket"});
  out.push_back({"ps_ifdrop", "packets the interface dropped before capture (libpcap, promiscuous mode only)",
                 p.ps_ifdrop, true, "the NIC or driver ran out of buffers: raise its ring (ethtool -G)"});
  out.push_back({"dispatches", "pcap_dispatch() calls", p.dispatches, false, ""});
  out.push_back({"polls", "waits for libpcap's descriptor", p.polls, false, ""});
}

std::string PcapLiveSource::describe() const { return "pcap:" + cfg_.iface; }

}  // namespace riptide
