#pragma once
// Live capture from one AF_PACKET socket with a TPACKET_V3 receive ring, read in place:
// views point into the ring block and the block goes back to the kernel on the next call.
#include <linux/filter.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "riptide/capture/afpacket_config.hpp"
#include "riptide/core/fd.hpp"
#include "riptide/core/source.hpp"

namespace riptide {

// Backend detail beyond SourceStats; cumulative across reopen().
struct AfPacketStats {
  std::uint64_t blocks = 0;          // blocks consumed and returned to the kernel
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;           // wire bytes
  std::uint64_t polls = 0;           // poll() calls (only made when no block was ready)
  std::uint64_t timeouts = 0;        // next() calls that returned PollStatus::timeout
  std::uint64_t losing_blocks = 0;   // blocks flagged TP_STATUS_LOSING: drops happened meanwhile
  std::uint64_t interface_lost = 0;  // times next() reported Errc::interface_down
  std::uint64_t reopened = 0;        // successful reopen() calls
  // Packets the kernel had put in the ring (and counted) that were still in a block it never
  // handed over when a drain gave up (quiesce or interface loss): lost, counted here.
  std::uint64_t ring_abandoned = 0;
};

class AfPacketSource final : public PacketSource {
 public:
  // Errors (one line, naming the interface): not_found, permission, unsupported (link
  // type or kernel feature), invalid_argument (ring/config), io.
  static Result<std::unique_ptr<AfPacketSource>> open(const AfPacketConfig& cfg);
  ~AfPacketSource() override;
  AfPacketSource(const AfPacketSource&) = delete;
  AfPacketSource& operator=(const AfPacketSource&) = delete;

  Result<PollStatus> next(PacketBatch& out, std::chrono::milliseconds timeout) override;
  void stop() noexcept override;
  void wake() noexcept override;
  // Attaches a reject-all filter (checked), then next() drains the ring: every block the
  // kernel hands over within 2 x block timeout + 10 ms, then end_of_input.
  Result<void> quiesce() override;
  // After a successful quiesce() drained to end_of_input: kernel_packets == packets +
  // kernel_drops (+ ring_abandoned, normally 0).
  bool exact_counts() const override;
  // losing_blocks, polls, poll_timeouts, interface_lost, reopened, freezes, ring_abandoned.
  void counters(std::vector<SourceCounter>& out) const override;
  SourceStats stats() const override;
  std::string describe() const override;

  // When the interface goes down or is removed, next() first delivers what the ring still
  // holds (blocks the kernel retires within the drain window), then returns
  // Errc::interface_down, and keeps returning it until reopen().
  // Closes the socket (adding its PACKET_STATISTICS to the totals) and opens a new one on the interface of the same NAME (its ifindex
  // may have changed) with the same configuration, fanout group included. Call from the
  // capture thread after next() reported interface_down; not_found while it is absent.
  bool can_reopen() const noexcept override { return true; }
  Result<void> reopen() override;

  AfPacketStats afpacket_stats() const;
  const RingPlan& plan() const noexcept { return plan_; }
  LinkType link_type() const noexcept { return link_; }
  std::uint32_t ifindex() const noexcept { return ifindex_; }
  int fd() const noexcept { return fd_.get(); }
  // Index of this socket in its fanout group (for describe()); 0 when alone.
  void set_member_index(unsigned i) { member_ = i; }
  // The fanout group this socket joined (the kernel's choice when the config said 0); 0
  // without fanout.
  std::uint16_t fanout_group_id() const noexcept { return cfg_.fanout ? cfg_.fanout->group_id : 0; }

 private:
  AfPacketSource(const AfPacketConfig& cfg, RingPlan plan);
  Result<void> open_socket();
  void close_socket() noexcept;
  void release_held_blocks() noexcept;
  bool block_ready(std::uint32_t idx) const noexcept;
  void fill(PacketBatch& out) noexcept;
  void harvest_kernel_stats_locked() const;
  Result<PollStatus> finish_drain();
  std::chrono::steady_clock::time_point drain_deadline() const;
  bool draining() const noexcept { return quiescing_ || loss_pending_; }

  AfPacketConfig cfg_;
  std::vector<sock_filter> filter_;  // owned copy of cfg.bpf (plus the inbound test if needed)
  RingPlan plan_;
  UniqueFd fd_;
  UniqueFd wake_fd_;  // eventfd: stop() wakes a blocked poll()
  std::uint8_t* ring_ = nullptr;
  std::size_t ring_len_ = 0;
  std::uint32_t ifindex_ = 0;
  LinkType link_ = LinkType::ethernet;
  unsigned member_ = 0;

  // Reader position: block `cur_` with `left_` packets still to hand out starting at `pkt_`.
  std::uint32_t cur_ = 0;
  std::uint32_t left_ = 0;
  const std::uint8_t* pkt_ = nullptr;
  const std::uint8_t* block_end_ = nullptr;   // end of the bytes the kernel filled in block cur_
  const std::uint8_t* prefetched_ = nullptr;  // lines before this were requested
  bool in_block_ = false;
  // Fully consumed blocks (starting at `held_from_`) whose packets the caller may still be
  // looking at; returned to the kernel at the start of the next call.
  std::uint32_t held_from_ = 0;
  std::uint32_t held_ = 0;

  std::atomic<bool> stop_{false};
  // Drains (capture thread only): after quiesce(), and after an interface loss was seen.
  bool quiescing_ = false;
  bool loss_pending_ = false;
  bool lost_ = false;  // interface_down reported: repeated until reopen()
  std::string loss_msg_;
  std::chrono::steady_clock::time_point drain_until_{};
  std::atomic<bool> drained_{false};  // a quiesce drain ended: counts are final

  // Counters written by the capture thread only, read by stats() from any thread.
  struct Counters {
    std::atomic<std::uint64_t> blocks{0}, packets{0}, bytes{0}, polls{0}, timeouts{0},
        losing{0}, lost{0}, reopened{0}, abandoned{0};
  } c_;
  // PACKET_STATISTICS resets on read: totals accumulate here under mu_, which also keeps
  // the fd alive while another thread reads it.
  mutable std::mutex mu_;
  mutable std::uint64_t k_packets_ = 0, k_drops_ = 0, k_freeze_ = 0;
};

// N sockets on cfg.iface in one fanout group (cfg.fanout must be set): the kernel spreads
// packets over them by cfg.fanout->mode. Member i is meant for worker thread i. With
// group_id 0 the first member asks the kernel for an unused id and the others join it, so
// two groups (two riptide processes) on one host never share packets.
Result<std::vector<std::unique_ptr<AfPacketSource>>> open_fanout_group(const AfPacketConfig& cfg,
                                                                        unsigned n);

}  // namespace riptide
