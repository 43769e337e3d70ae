// Opening what a run reads and writes (sources, the -w output, the transmit path), and what
// a capture thread does when its interface goes away.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/engine_impl.hpp"
#include "riptide/capture/afpacket_source.hpp"
#include "riptide/capture/pcap_live_source.hpp"
#include "riptide/core/clock.hpp"

namespace riptide {

Result<void> Engine::Impl::open_sources() {
  if (cfg.backend == Backend::file) {
    auto f = open_capture_file(cfg.read_file);
    if (!f) return f.error();
    file = f->get();
    link = file->link_type();
    struct stat st{};
    if (cfg.read_file != "-" && ::stat(cfg.read_file.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      file_size = static_cast<std::uint64_t>(st.st_size);
    if (!cfg.filter.empty()) {
      auto bf = LinkFilter::compile(cfg.filter, link, std::max<std::uint32_t>(file->snaplen(), 65535));
      if (!bf) return bf.error();
      user_filter.emplace(std::move(*bf));
    }
    sources.push_back(std::move(*f));
    return {};
  }

  std::optional<BpfFilter> kernel_filter;
  if (!cfg.filter.empty() && cfg.backend == Backend::afpacket) {
    // -i any: the kernel runs the program on cooked packets, which start at the network
    // header (the SLL2 header is added afterwards): compiled as raw IP.
    auto bf = cfg.capture.iface == "any" ? BpfFilter::compile(cfg.filter, LinkType::raw, cfg.capture.snaplen)
                                         : BpfFilter::compile_for_interface(cfg.filter, cfg.capture.iface, cfg.capture.snaplen);
    if (!bf) return bf.error();
    kernel_filter.emplace(std::move(*bf));
    cfg.capture.bpf = kernel_filter->kernel_program();  // copied by open()
  }
  if (cfg.backend == Backend::pcap) {
    if (cfg.capture_threads != 1)
      return make_error(Errc::invalid_argument, "the pcap backend has no fanout: use one capture thread");
    auto s = PcapLiveSource::open(cfg.capture, cfg.filter);
    if (!s) return s.error();
    link = (*s)->link_type();
    sources.push_back(std::move(*s));
  } else if (cfg.capture_threads <= 1) {
    cfg.capture.fanout.reset();
    auto s = AfPacketSource::open(cfg.capture);
    if (!s) return s.error();
    link = (*s)->link_type();
    ring_note = (*s)->plan().explanation;
    sources.push_back(std::move(*s));
  } else {
    // Group id 0: the kernel picks one no other process uses (PACKET_FANOUT_FLAG_UNIQUEID).
    if (!cfg.capture.fanout) cfg.capture.fanout = FanoutConfig{};
    auto g = open_fanout_group(cfg.capture, cfg.capture_threads);
    if (!g) return g.error();
    link = g->front()->link_type();
    for (auto& s : *g) {
      if (ring_note.empty()) ring_note = s->plan().explanation;
      sources.push_back(std::move(s));
    }
  }
  cfg.capture.bpf = nullptr;
  if_start = read_iface_counters(cfg.capture.iface);
  return {};
}

namespace {
// The time of a capture file's first packet, read through a second reader; the clock when it
// has none (an empty input still gets its first, empty, file). Not for a FIFO, which a second
// reader would take packets from: nullopt, named by the first packet written.
std::optional<TimestampNs> first_packet_time(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto f = open_capture_file(path);
  if (f) {
    PacketBatch b;
    for (int tries = 0; tries < 1000; ++tries) {  // a regular file never times out: a bound all the same
      auto r = (*f)->next(b, std::chrono::milliseconds(0));
      if (!r || *r == PollStatus::end_of_input) break;
      if (*r == PollStatus::packets && !b.empty()) return b[0].ts_ns;
    }
  }
  return realtime_ns();
}
}  // namespace

Result<void> Engine::Impl::open_outputs() {
  if (cfg.write_path.empty()) return {};
  PacketOutputConfig oc;
  oc.path = cfg.write_path;
  oc.writer = cfg.write;
  oc.writer.link = link;
  // A file read keeps the input's snaplen unless -s asks for less (0: unknown, the maximum).
  oc.writer.snaplen = cfg.write.snaplen;
  if (file && file->snaplen() != 0) oc.writer.snaplen = std::min(file->snaplen(), cfg.write.snaplen == 0 ? kMaxSnaplen : cfg.write.snaplen);
  oc.producers = sources.size();
  oc.queue_bytes = cfg.write_queue_bytes;
  oc.flush_every_batch = cfg.write_flush_each;
  // A file read waits for the disk (nothing is lost by waiting); live capture never does.
  oc.wait_when_full = !live();
  // -G: the first file is opened now, as tcpdump does, even if no packet ever comes. Live it
  // is named by the clock; a file read names it by the input's first packet, so reading a
  // file gives the same names every time (standard input or a FIFO cannot be read twice:
  // named by the first packet written).
  if (live()) oc.start_ns = realtime_ns();
  else if (cfg.write.rotation.interval_s != 0 && cfg.read_file != "-") oc.start_ns = first_packet_time(cfg.read_file);
  auto o = PacketOutput::open(oc);
  if (!o) return o.error();
  output = std::move(*o);
  return {};
}

Result<void> Engine::Impl::open_tx() {
  if (cfg.tx.disabled) return {};
  const bool explicit_iface = !cfg.tx.iface.empty();
  // "any" names no one interface to send on: no transmit path unless --tx-iface says one.
  const std::string iface = explicit_iface                                ? cfg.tx.iface
                            : live() && cfg.capture.iface != "any" ? cfg.capture.iface
                                                                   : std::string();
  if (iface.empty()) return {};
  if (cfg.tx.queue == 0 || cfg.tx.queue > (1u << 20))
    return make_error(Errc::invalid_argument, "transmit queue must hold between 1 and 1048576 frames");
  auto sock = TxSocket::open(iface, cfg.tx.socket);
  if (!sock) {
    if (explicit_iface) return make_error(sock.error().code, "transmit interface: " + sock.error().message);
    // Defaulted from the capture interface: capture matters more than sending.
    std::fprintf(stderr, "riptide: no transmit path (%s); analyzers' frames will be refused\n",
                 sock.error().message.c_str());
    return {};
  }
  // Slots as large as the interface's largest frame (MTU + link header + VLAN tag): an analyzer
  // may send up to the MTU, and a longer frame is refused and counted, never cut.
  txq = std::make_unique<TxQueue>(cfg.tx.queue, sock->max_frame());
  // The queue wakes the thread when an analyzer sends: an idle transmit path costs nothing.
  tx = std::make_unique<TxThread>(std::move(*sock), *txq, TxThreadConfig{});
  tx_iface = iface;
  return {};
}

bool Engine::Impl::handle_source_error(std::size_t idx, engine::CaptureTotals& t, const Error& e) {
  if (e.code != Errc::interface_down || !sources[idx]->can_reopen()) {
    add_error(e.message);
    if (live()) fatal.store(true);
    return false;
  }
  ++t.iface_losses;
  counters[idx]->publish(t);
  if (cfg.exit_on_iface_loss) {
    add_error(e.message + " (exiting: --exit-on-iface-loss)");
    fatal.store(true);
    return false;
  }
  if (idx == 0) std::fprintf(stderr, "riptide: %s; waiting for it to come back\n", e.message.c_str());
  while (!stopping.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (sources[idx]->reopen()) {
      if (idx == 0) std::fprintf(stderr, "riptide: interface '%s' is back, capture resumed\n", cfg.capture.iface.c_str());
      return true;
    }
  }
  return false;
}

}  // namespace riptide
