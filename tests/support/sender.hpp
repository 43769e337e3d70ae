#pragma once
// Test-only traffic: frames sent from inside a network namespace created by VethPair, so
// they arrive on the host-side veth where riptide captures.
#include <cstdint>
#include <string>
#include <vector>

namespace riptide::test {

struct SendResult {
  std::uint64_t sent = 0;    // frames the kernel accepted
  std::uint64_t errors = 0;  // frames refused (ENOBUFS...) and not retried
  std::string error;         // set when the sender could not start (setns, socket...)
  bool ok() const { return error.empty(); }
};

// Forks a child that enters /var/run/netns/<ns>, opens an AF_PACKET raw socket on `iface`
// with PACKET_QDISC_BYPASS and sends `count` frames cycling through `frames`, paced at
// `pps` with absolute deadlines (0 = as fast as possible), in sendmmsg batches. Blocks
// until the child finishes. Safe to call from a thread of a multithreaded test.
SendResult send_in_netns(const std::string& ns, const std::string& iface,
                         const std::vector<std::vector<std::uint8_t>>& frames, std::uint64_t count, double pps);

// Same, but the child also writes a running 32-bit big-endian counter (first_seq, +1 per
// frame sent) at byte `seq_at` of every frame: `count` distinct frames from one template.
SendResult send_in_netns_seq(const std::string& ns, const std::string& iface,
                             const std::vector<std::vector<std::uint8_t>>& frames, std::uint64_t count,
                             double pps, std::size_t seq_at, std::uint32_t first_seq = 0);

struct UdpFrameSpec {
  std::uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
  std::uint32_t src_ip = 0x0a000001;  // host order: 10.0.0.1
  std::uint32_t dst_ip = 0x0a000002;
  std::uint16_t src_port = 1000;
  std::uint16_t dst_port = 5000;
  int vlan_id = -1;  // >= 0: an 802.1Q tag with this id
  std::uint32_t seq = 0;
  std::size_t frame_bytes = 64;  // whole frame, without FCS; padded to hold the headers + seq
};

// Ethernet (+ optional 802.1Q) + IPv4 + UDP, with `seq` big-endian in the first 4 payload bytes.
std::vector<std::uint8_t> build_udp_frame(const UdpFrameSpec& s);

// Offset of the sequence number in a frame built from `s` (for send_in_netns_seq).
std::size_t seq_offset(const UdpFrameSpec& s);

// The sequence number from a frame build_udp_frame() made (tag in the frame or stripped);
// -1 when the frame is not one of ours.
std::int64_t frame_seq(const std::uint8_t* data, std::size_t len);

}  // namespace riptide::test
