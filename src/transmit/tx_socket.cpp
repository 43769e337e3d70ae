#include "riptide/transmit/tx_socket.hpp"

#include "riptide/core/fd.hpp"
#include "riptide/core/source.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <vector>

namespace riptide {

namespace {

std::string errstr(int e) { return std::strerror(e); }

bool transient(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

// A full device queue drains in microseconds; yield first, then sleep briefly so that a
// stuck device does not burn the CPU for the whole retry budget.
void back_off(std::uint32_t attempt) noexcept {
  if (attempt < 8) {
    sched_yield();
    return;
  }
  timespec ts{0, 50'000};
  nanosleep(&ts, nullptr);
}

std::uint32_t load_status(const tpacket2_hdr* h) noexcept {
  return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}
void store_status(tpacket2_hdr* h, std::uint32_t s) noexcept {
  __atomic_store_n(&h->tp_status, s, __ATOMIC_RELEASE);
}

}  // namespace

struct TxSocket::Impl {
  UniqueFd fd;
  TxConfig cfg;
  TxStats stats;
  std::string iface;
  std::uint32_t max_frame = 0;
  bool marked = false;  // SO_MARK kRiptideTxMark set: capture sockets reject our frames
  // sendmmsg: headers prepared once, sized to cfg.batch.
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  // tx_ring
  std::uint8_t* ring = nullptr;
  std::size_t ring_bytes = 0;
  std::uint32_t block_size = 0, frames_per_block = 0, frame_nr = 0, cursor = 0;
  std::vector<std::uint32_t> pending;  // ring slots of the batch being kicked
  std::vector<std::uint32_t> pending_len;
  std::size_t pending_count = 0;

  ~Impl() {
    if (ring) munmap(ring, ring_bytes);  // before fd closes: the member outlives this body
  }

  tpacket2_hdr* slot(std::uint32_t i) const noexcept {
    return reinterpret_cast<tpacket2_hdr*>(ring + std::size_t(i / frames_per_block) * block_size +
                                           std::size_t(i % frames_per_block) * cfg.frame_size);
  }
  static constexpr std::size_t kRingDataOff = TPACKET2_HDRLEN - sizeof(sockaddr_ll);

  std::size_t send_mmsg(std::span<const std::span<const std::uint8_t>> frames) noexcept;
  std::size_t send_ring(std::span<const std::span<const std::uint8_t>> frames) noexcept;
  std::size_t kick_ring() noexcept;
};

Result<TxSocket> TxSocket::open(const std::string& iface, const TxConfig& cfg) {
  if (cfg.batch == 0 || cfg.batch > 1024)
    return make_error(Errc::invalid_argument, "tx batch must be 1..1024, got " + std::to_string(cfg.batch));
  if (cfg.method == TxMethod::tx_ring &&
      ((cfg.frame_size != 0 && (cfg.frame_size < 128 || cfg.frame_size % TPACKET_ALIGNMENT != 0)) ||
       cfg.ring_frames < cfg.batch))
    return make_error(Errc::invalid_argument,
                      "tx_ring needs frame_size 0 (from the MTU) or >= 128 and a multiple of 16, and ring_frames >= batch");
  if (iface.empty() || iface.size() >= IFNAMSIZ)
    return make_error(Errc::invalid_argument, "bad interface name '" + iface + "'");
  const unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return make_error(Errc::not_found, "interface '" + iface + "' not found");

  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->iface = iface;
  // Protocol 0: this socket receives nothing, so it costs the receive path nothing.
  impl->fd.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!impl->fd) {
    int e = errno;
    return make_error(e == EPERM || e == EACCES ? Errc::permission : Errc::io,
                      "cannot open a packet socket for '" + iface + "': " + errstr(e) +
                          (e == EPERM ? " (needs CAP_NET_RAW)" : ""));
  }
  const int fd = impl->fd.get();

  ifreq ifr{};
  std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
  int mtu = 1500;
  if (ioctl(fd, SIOCGIFMTU, &ifr) == 0) mtu = ifr.ifr_mtu;
  impl->max_frame = std::uint32_t(mtu) + 14 + 4;  // link header + one VLAN tag
  if (impl->cfg.frame_size == 0) {
    // A ring slot that holds the largest frame the interface takes, whatever its MTU.
    const std::uint32_t need = impl->max_frame + std::uint32_t(Impl::kRingDataOff);
    impl->cfg.frame_size = std::max<std::uint32_t>(128, (need + TPACKET_ALIGNMENT - 1) / TPACKET_ALIGNMENT * TPACKET_ALIGNMENT);
  }

  if (cfg.qdisc_bypass) {
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0)
      return make_error(Errc::unsupported, "PACKET_QDISC_BYPASS refused on '" + iface + "': " + errstr(errno));
  }
  // Tag every frame so riptide's capture filters reject it (kernel_filter.hpp). SO_MARK needs
  // CAP_NET_ADMIN; without it, frames sent through the qdisc come back into a capture on the
  // same interface, so say so once. With PACKET_QDISC_BYPASS (the default) they skip the
  // capture taps anyway.
  {
    const int mark = int(kRiptideTxMark);
    impl->marked = setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0;
    static std::atomic<bool> said{false};
    if (!impl->marked && !cfg.qdisc_bypass && !said.exchange(true))
      std::fprintf(stderr,
                   "riptide: cannot mark transmitted frames (SO_MARK: %s, needs CAP_NET_ADMIN): a capture on '%s' "
                   "will see riptide's own frames\n",
                   errstr(errno).c_str(), iface.c_str());
  }
  if (cfg.sndbuf) {
    int sz = int(cfg.sndbuf);
    // FORCE passes the rmem/wmem_max cap as root; the plain option is the fallback.
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
      (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  }

  if (cfg.method == TxMethod::tx_ring) {
    int ver = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof ver) != 0)
      return make_error(Errc::unsupported, "TPACKET_V2 refused on '" + iface + "': " + errstr(errno));
    const std::uint32_t page = std::uint32_t(sysconf(_SC_PAGESIZE));
    std::uint32_t block = std::max<std::uint32_t>(page * 16, impl->cfg.frame_size);
    block = (block + page - 1) / page * page;
    const std::uint32_t fpb = block / impl->cfg.frame_size;
    const std::uint32_t blocks = (cfg.ring_frames + fpb - 1) / fpb;
    tpacket_req req{};
    req.tp_block_size = block;
    req.tp_block_nr = blocks;
    req.tp_frame_size = impl->cfg.frame_size;
    req.tp_frame_nr = blocks * fpb;
    // PACKET_LOSS: a malformed slot is skipped instead of stalling the ring head on it.
    int loss = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_LOSS, &loss, sizeof loss);
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0)
      return make_error(Errc::unsupported, "PACKET_TX_RING refused on '" + iface + "': " + errstr(errno));
    impl->ring_bytes = std::size_t(block) * blocks;
    void* m = mmap(nullptr, impl->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return make_error(Errc::io, "cannot map the tx ring of '" + iface + "': " + errstr(errno));
    impl->ring = static_cast<std::uint8_t*>(m);
    impl->block_size = block;
    impl->frames_per_block = fpb;
    impl->frame_nr = req.tp_frame_nr;
    impl->max_frame = std::min<std::uint32_t>(impl->max_frame, impl->cfg.frame_size - std::uint32_t(Impl::kRingDataOff));
    impl->pending.resize(cfg.batch);
    impl->pending_len.resize(cfg.batch);
  } else {
    impl->msgs.resize(cfg.batch);
    impl->iovs.resize(cfg.batch);
  }

  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = int(ifindex);
  sll.sll_protocol = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)
    return make_error(Errc::io, "cannot bind a packet socket to '" + iface + "': " + errstr(errno));
  return TxSocket(std::move(impl));
}

TxSocket::TxSocket(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
TxSocket::TxSocket(TxSocket&&) noexcept = default;
TxSocket& TxSocket::operator=(TxSocket&&) noexcept = default;
TxSocket::~TxSocket() = default;

const TxStats& TxSocket::stats() const noexcept { return impl_->stats; }
const TxConfig& TxSocket::config() const noexcept { return impl_->cfg; }
const std::string& TxSocket::iface() const noexcept { return impl_->iface; }
int TxSocket::fd() const noexcept { return impl_->fd.get(); }
bool TxSocket::marks_frames() const noexcept { return impl_->marked; }
std::uint32_t TxSocket::max_frame() const noexcept { return impl_->max_frame; }

std::size_t TxSocket::send_batch(std::span<const std::span<const std::uint8_t>> frames) noexcept {
  impl_->stats.queued += frames.size();
  return impl_->cfg.method == TxMethod::tx_ring ? impl_->send_ring(frames) : impl_->send_mmsg(frames);
}

std::size_t TxSocket::Impl::send_mmsg(std::span<const std::span<const std::uint8_t>> frames) noexcept {
  std::size_t total_sent = 0;
  for (std::size_t base = 0; base < frames.size(); base += cfg.batch) {
    const std::size_t k = std::min<std::size_t>(cfg.batch, frames.size() - base);
    for (std::size_t i = 0; i < k; ++i) {
      iovs[i].iov_base = const_cast<std::uint8_t*>(frames[base + i].data());
      iovs[i].iov_len = frames[base + i].size();
      msgs[i] = mmsghdr{};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    std::size_t off = 0;
    std::uint32_t tries = 0;
    while (off < k) {
      const int r = retry_eintr([&] { return sendmmsg(fd.get(), msgs.data() + off, unsigned(k - off), 0); });
      if (r > 0) {
        ++stats.batches;
        for (std::size_t i = off; i < off + std::size_t(r); ++i) stats.bytes += iovs[i].iov_len;
        stats.sent += std::uint64_t(r);
        total_sent += std::size_t(r);
        off += std::size_t(r);
        tries = 0;
        continue;
      }
      const int e = r < 0 ? errno : EAGAIN;
      if (transient(e)) {
        if (tries < cfg.max_retries) {
          ++stats.retried;
          back_off(tries++);
          continue;
        }
        // The device stays full: give up the rest of this chunk rather than retrying each frame.
        stats.failed += k - off;
        off = k;
        break;
      }
      // A refusal specific to this frame (EMSGSIZE, EINVAL) or the device (ENETDOWN): drop
      // it and go on; a dead device fails every frame, each with one syscall, still bounded.
      ++stats.failed;
      ++off;
      tries = 0;
    }
  }
  return total_sent;
}

std::size_t TxSocket::Impl::send_ring(std::span<const std::span<const std::uint8_t>> frames) noexcept {
  std::size_t total_sent = 0;
  std::size_t i = 0;
  while (i < frames.size()) {
    std::size_t n = 0;
    while (n < cfg.batch && i < frames.size()) {
      const auto f = frames[i];
      if (f.size() > max_frame || f.size() < 14) {
        ++stats.failed;  // the kernel would mark the slot WRONG_FORMAT and stop the kick
        ++i;
        continue;
      }
      tpacket2_hdr* h = slot(cursor);
      if (load_status(h) != TP_STATUS_AVAILABLE) {
        // Still owned by the kernel from an earlier kick: flush what we have and wait.
        if (n) break;
        std::uint32_t tries = 0;
        while (load_status(h) != TP_STATUS_AVAILABLE && tries < cfg.max_retries) {
          ++stats.retried;
          (void)send(fd.get(), nullptr, 0, 0);
          back_off(tries++);
        }
        if (load_status(h) != TP_STATUS_AVAILABLE) {
          stats.failed += frames.size() - i;
          return total_sent;
        }
      }
      std::memcpy(reinterpret_cast<std::uint8_t*>(h) + kRingDataOff, f.data(), f.size());
      h->tp_len = std::uint32_t(f.size());
      h->tp_snaplen = std::uint32_t(f.size());
      store_status(h, TP_STATUS_SEND_REQUEST);
      pending[n] = cursor;
      pending_len[n] = std::uint32_t(f.size());
      ++n;
      cursor = cursor + 1 == frame_nr ? 0 : cursor + 1;
      ++i;
    }
    if (n == 0) continue;
    pending_count = n;
    total_sent += kick_ring();
  }
  return total_sent;
}

// One blocking send() transmits every SEND_REQUEST slot from the kernel's ring head and waits
// until their skbs are released, so afterwards each slot of the batch is final: AVAILABLE
// (sent) or still SEND_REQUEST (the device refused it; the kernel stopped at it and returns
// the error). Refused slots are retried by kicking again, then reclaimed.
std::size_t TxSocket::Impl::kick_ring() noexcept {
  std::size_t sent = 0, left = pending_count;
  std::uint32_t tries = 0;
  for (;;) {
    const int r = int(send(fd.get(), nullptr, 0, 0));
    const int e = r < 0 ? errno : 0;
    ++stats.batches;
    std::size_t keep = 0;
    for (std::size_t j = 0; j < left; ++j) {
      const std::uint32_t s = load_status(slot(pending[j]));
      if (s == TP_STATUS_AVAILABLE || (s & TP_STATUS_SENDING)) {
        ++sent;
        ++stats.sent;
        stats.bytes += pending_len[j];
      } else {
        pending[keep] = pending[j];
        pending_len[keep] = pending_len[j];
        ++keep;
      }
    }
    left = keep;
    if (left == 0) return sent;
    if (e == EINTR) continue;
    if ((e == 0 || transient(e)) && tries < cfg.max_retries) {
      ++stats.retried;
      back_off(tries++);
      continue;
    }
    // Give up: the kernel's head is at the first refused slot, so hand the slots back and
    // rewind our cursor there to stay in step with it.
    for (std::size_t j = 0; j < left; ++j) store_status(slot(pending[j]), TP_STATUS_AVAILABLE);
    stats.failed += left;
    cursor = pending[0];
    return sent;
  }
}

}  // namespace riptide
