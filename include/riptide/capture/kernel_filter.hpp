#pragma once
// The classic BPF program a capture socket gets: riptide's own tests (direction, "not a
// frame riptide sent") in front of the user's compiled filter. Shared by the AF_PACKET and
// libpcap backends so both admit exactly the same packets, and so the kernel's
// "packets received" counts only what riptide will deliver.
#include <linux/filter.h>

#include <vector>

#include "riptide/capture/afpacket_config.hpp"

namespace riptide {

struct KernelFilterSpec {
  // Direction enforced by BPF (SKF_AD_PKTTYPE): `inout` adds nothing. AF_PACKET passes
  // `in` here only when PACKET_IGNORE_OUTGOING is missing.
  CaptureDirection direction = CaptureDirection::inout;
  bool reject_tx_mark = true;  // SKF_AD_MARK == kRiptideTxMark -> reject
};

// The prefix followed by `user` (classic BPF jumps are relative, so the user's program runs
// unchanged after it), or followed by "accept all" when `user` is empty. Returns an empty
// program when there is nothing to filter (no prefix and no user program).
std::vector<sock_filter> compose_kernel_filter(const std::vector<sock_filter>& user, const KernelFilterSpec& spec);

// One instruction: reject every packet (the kernel then counts none).
inline sock_filter reject_all_insn() { return sock_filter{BPF_RET | BPF_K, 0, 0, 0}; }

}  // namespace riptide
