#pragma once
// A tcpdump-syntax filter expression compiled with libpcap: run in user space on files,
// attached in the kernel (SO_ATTACH_FILTER) on live sockets.
#include <cstdint>
#include <memory>
#include <string>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"

struct sock_fprog;
struct pcap;

namespace riptide {

// libpcap's name for a link type ("EN10MB", "RAW", "LINUX_SLL"), or its number when it has none.
std::string link_type_name(LinkType link);

class BpfFilter {
 public:
  // Errc::invalid_argument with libpcap's message when the expression does not compile.
  static Result<BpfFilter> compile(const std::string& expr, LinkType link, std::uint32_t snaplen = 262144);
  // For a live socket on `iface`: compiled against an activated libpcap handle on it, so
  // that `vlan` tests the tag the kernel moved out of the frame (an ancillary BPF load)
  // rather than bytes that are no longer there. Falls back to compile() for an Ethernet
  // link when the interface cannot be opened here; opening the capture socket then
  // reports why.
  static Result<BpfFilter> compile_for_interface(const std::string& expr, const std::string& iface,
                                                 std::uint32_t snaplen = 262144);
  BpfFilter(BpfFilter&&) noexcept;
  BpfFilter& operator=(BpfFilter&&) noexcept;
  ~BpfFilter();

  bool matches(const PacketView& p) const noexcept;
  // The classic-BPF program in the kernel's struct layout, for SO_ATTACH_FILTER.
  const sock_fprog* kernel_program() const noexcept;
  const std::string& expression() const noexcept;

 private:
  struct Impl;
  explicit BpfFilter(std::unique_ptr<Impl> impl);
  static Result<BpfFilter> compile_on(struct pcap* p, const std::string& expr);  // closes p
  std::unique_ptr<Impl> impl_;
};

}  // namespace riptide
