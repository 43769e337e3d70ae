#include "riptide/capture/kernel_filter.hpp"

#include <linux/if_packet.h>

#include <cstdint>

#include "riptide/core/source.hpp"

namespace riptide {

std::vector<sock_filter> compose_kernel_filter(const std::vector<sock_filter>& user, const KernelFilterSpec& spec) {
  std::vector<sock_filter> out;
  constexpr auto kAd = [](int what) { return static_cast<std::uint32_t>(SKF_AD_OFF + what); };
  if (spec.reject_tx_mark) {
    out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kAd(SKF_AD_MARK)));
    out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kRiptideTxMark, 0, 1));
    out.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  }
  if (spec.direction != CaptureDirection::inout) {
    out.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kAd(SKF_AD_PKTTYPE)));
    if (spec.direction == CaptureDirection::in) {
      out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1));  // outgoing -> reject
    } else {
      out.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0));  // not outgoing -> reject
    }
    out.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  }
  if (out.empty()) return user;
  if (user.empty()) {
    out.push_back(BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFFu));
  } else {
    out.insert(out.end(), user.begin(), user.end());
  }
  return out;
}

}  // namespace riptide
