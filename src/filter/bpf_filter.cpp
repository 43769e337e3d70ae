#include "riptide/filter/bpf_filter.hpp"

#include <linux/filter.h>
#include <mutex>
#include <pcap/pcap.h>

namespace riptide {
namespace {

// pcap_compile keeps parser state in globals in libpcap before 1.8 and some builds after:
// compiles are rare (setup time), so one process-wide lock costs nothing.
std::mutex g_compile_mutex;

// pcap_open_dead wants a DLT_ value; the LINKTYPE_ values in LinkType differ for raw IP.
int dlt_for(LinkType link) {
  if (link == LinkType::raw) return DLT_RAW;
  return static_cast<int>(link);
}

}  // namespace

std::string link_type_name(LinkType link) {
  const char* name = pcap_datalink_val_to_name(dlt_for(link));
  return name != nullptr ? std::string(name) : "LINKTYPE " + std::to_string(static_cast<unsigned>(link));
}

struct BpfFilter::Impl {
  std::string expr;
  bpf_program prog{};
  sock_fprog kernel{};
  ~Impl() { pcap_freecode(&prog); }
};

static_assert(sizeof(bpf_insn) == sizeof(sock_filter), "libpcap and kernel BPF instructions share one layout");

BpfFilter::BpfFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfFilter::BpfFilter(BpfFilter&&) noexcept = default;
BpfFilter& BpfFilter::operator=(BpfFilter&&) noexcept = default;
BpfFilter::~BpfFilter() = default;

// Compiles on `p` (dead or activated: the handle decides what code libpcap may emit) and
// closes it.
Result<BpfFilter> BpfFilter::compile_on(pcap_t* p, const std::string& expr) {
  auto impl = std::make_unique<Impl>();
  impl->expr = expr;
  int rc = 0;
  {
    std::lock_guard<std::mutex> lock(g_compile_mutex);
    rc = pcap_compile(p, &impl->prog, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN);
  }
  if (rc != 0) {
    std::string msg = "filter \"" + expr + "\": " + pcap_geterr(p);
    pcap_close(p);
    return make_error(Errc::invalid_argument, std::move(msg));
  }
  pcap_close(p);
  impl->kernel.len = static_cast<unsigned short>(impl->prog.bf_len);
  impl->kernel.filter = reinterpret_cast<sock_filter*>(impl->prog.bf_insns);
  return BpfFilter(std::move(impl));
}

Result<BpfFilter> BpfFilter::compile(const std::string& expr, LinkType link, std::uint32_t snaplen) {
  pcap_t* dead = pcap_open_dead(dlt_for(link), static_cast<int>(snaplen));
  if (dead == nullptr) return make_error(Errc::internal, "filter: pcap_open_dead failed");
  return compile_on(dead, expr);
}

Result<BpfFilter> BpfFilter::compile_for_interface(const std::string& expr, const std::string& iface,
                                                  std::uint32_t snaplen) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* live = pcap_create(iface.c_str(), errbuf);
  // A small buffer: this handle only exists to let libpcap see what the kernel supports.
  if (live != nullptr && (pcap_set_snaplen(live, static_cast<int>(snaplen)) != 0 ||
                          pcap_set_buffer_size(live, 1 << 20) != 0 || pcap_activate(live) < 0)) {
    pcap_close(live);
    live = nullptr;
  }
  if (live == nullptr) return compile(expr, LinkType::ethernet, snaplen);
  return compile_on(live, expr);
}

bool BpfFilter::matches(const PacketView& p) const noexcept {
  if (!impl_) return false;
  pcap_pkthdr h{};
  h.ts.tv_sec = static_cast<time_t>(p.ts_ns / 1000000000);
  h.ts.tv_usec = static_cast<suseconds_t>((p.ts_ns % 1000000000) / 1000);
  h.caplen = p.caplen;
  h.len = p.wirelen;
  return pcap_offline_filter(&impl_->prog, &h, p.data) != 0;
}

const sock_fprog* BpfFilter::kernel_program() const noexcept { return impl_ ? &impl_->kernel : nullptr; }

const std::string& BpfFilter::expression() const noexcept {
  static const std::string kNone;
  return impl_ ? impl_->expr : kNone;
}

}  // namespace riptide
