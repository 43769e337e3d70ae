#pragma once
// Live capture through libpcap (`--backend pcap`): for compatibility and comparison.
// libpcap is put in its TPACKET_V3 mode (immediate mode off) with a buffer sized by the
// same ring plan as the AF_PACKET backend. libpcap hands a block back to the kernel as soon
// as its last packet went through the callback, i.e. before pcap_dispatch() returns, so
// packets are copied into a buffer of ours that lives until the next call.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "riptide/capture/afpacket_config.hpp"
#include "riptide/core/fd.hpp"
#include "riptide/core/source.hpp"

struct pcap;
struct pcap_pkthdr;

namespace riptide {

struct PcapLiveStats {
  std::uint64_t ps_recv = 0;     // 64-bit totals of libpcap's 32-bit counters
  std::uint64_t ps_drop = 0;
  std::uint64_t ps_ifdrop = 0;
  std::uint64_t dispatches = 0;
  std::uint64_t polls = 0;
  std::uint64_t copy_overflow = 0;  // packets larger than the copy buffer could take (dropped)
};

class PcapLiveSource final : public PacketSource {
 public:
  // Uses iface, snaplen, the ring-plan inputs (buffer size), block_timeout_ms, promisc,
  // direction and reject_own_tx (both as a kernel BPF prefix, see kernel_filter.hpp) and bpf. `filter_expr`, when not empty,
  // is compiled by libpcap on the live handle instead of cfg.bpf. Fanout is unsupported.
  static Result<std::unique_ptr<PcapLiveSource>> open(const AfPacketConfig& cfg, const std::string& filter_expr = {});
  ~PcapLiveSource() override;
  PcapLiveSource(const PcapLiveSource&) = delete;
  PcapLiveSource& operator=(const PcapLiveSource&) = delete;

  Result<PollStatus> next(PacketBatch& out, std::chrono::milliseconds timeout) override;
  void stop() noexcept override;
  void wake() noexcept override;
  // Attaches a reject-all program to libpcap's socket (checked); next() then delivers what
  // libpcap's ring still holds for up to 2 x block timeout + 10 ms and returns end_of_input,
  // however busy the link.
  Result<void> quiesce() override;
  bool exact_counts() const override;
  // copy_overflow and ps_ifdrop (drops), dispatches, polls.
  void counters(std::vector<SourceCounter>& out) const override;
  // Kernel figures are read by the capture thread inside next() (at most every 100 ms and
  // whenever it returns without packets) and published here: the pcap_t is never touched
  // from another thread.
  SourceStats stats() const override;
  std::string describe() const override;

  PcapLiveStats pcap_stats() const;
  LinkType link_type() const noexcept { return link_; }
  const RingPlan& plan() const noexcept { return plan_; }

 private:
  PcapLiveSource(const AfPacketConfig& cfg, RingPlan plan);
  static void on_packet(unsigned char* user, const ::pcap_pkthdr* h, const unsigned char* bytes);
  void harvest();  // capture thread only
  int dispatch_some(PacketBatch& out);

  AfPacketConfig cfg_;
  RingPlan plan_;
  pcap* p_ = nullptr;
  int sel_fd_ = -1;
  UniqueFd wake_fd_;
  LinkType link_ = LinkType::ethernet;
  std::uint32_t ifindex_ = 0;

  std::vector<std::uint8_t> arena_;  // packet copies for the current batch
  std::size_t arena_used_ = 0;
  PacketBatch* filling_ = nullptr;

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> packets_{0}, bytes_{0}, dispatches_{0}, polls_{0}, overflow_{0};
  // pcap_stats() totals, widened to 64 bits by the capture thread.
  std::atomic<std::uint64_t> recv_{0}, drop_{0}, ifdrop_{0};
  std::uint32_t last_recv_ = 0, last_drop_ = 0, last_ifdrop_ = 0;
  std::chrono::steady_clock::time_point next_harvest_{};
  bool quiescing_ = false;
  std::chrono::steady_clock::time_point drain_until_{};
  std::atomic<bool> drained_{false};
};

}  // namespace riptide
