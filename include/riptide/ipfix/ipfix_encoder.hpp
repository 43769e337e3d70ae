#pragma once
// Builds IPFIX messages (RFC 7011) from flow records, with no I/O: the exporter sends what
// it builds, tests and the fuzzer decode it.
//
// - A message never exceeds max_message bytes (header included): the UDP payload, so one
//   message is one datagram within the path MTU.
// - Records of one template share a set; a message holds a set per run of same-version
//   records, in the order they were added.
// - The header's sequence number is the count of data records in earlier messages of this
//   observation domain (mod 2^32), as the RFC defines it; template messages carry the
//   current count and add nothing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "riptide/flow/flow_record.hpp"
#include "riptide/ipfix/ipfix_ie.hpp"

namespace riptide::ipfix {

// The smallest max_message that holds the template message and one record of each version.
inline constexpr std::size_t kMinMessage = 256;
inline constexpr std::size_t kMaxMessage = 65507;  // largest UDP payload over IPv4

class MessageBuilder {
 public:
  // max_message is clamped into [kMinMessage, kMaxMessage].
  MessageBuilder(std::uint32_t domain_id, std::size_t max_message);

  // Appends one record; false when it does not fit (finish() and clear(), then add again).
  bool add(const FlowRecord& r) noexcept;
  std::size_t records() const noexcept { return records_; }
  bool empty() const noexcept { return records_ == 0; }

  // Completes the data message (header, set lengths) and advances the sequence number by
  // its records. The bytes stay valid until clear() or add().
  std::span<const std::uint8_t> finish(std::uint32_t export_time_s) noexcept;
  void clear() noexcept;

  // A message with the template set (both templates); does not touch the data message.
  std::span<const std::uint8_t> templates(std::uint32_t export_time_s) noexcept;

  std::uint32_t sequence() const noexcept { return sequence_; }
  // A new transport session (a new TCP connection) counts its records from 0 again.
  void restart_sequence() noexcept { sequence_ = 0; }
  std::uint32_t domain_id() const noexcept { return domain_id_; }
  std::size_t max_message() const noexcept { return max_; }

  // One record in the layout of template_fields(v6); `out` holds record_length(v6) bytes.
  static void encode_record(const FlowRecord& r, bool v6, std::uint8_t* out) noexcept;

 private:
  void header(std::uint8_t* p, std::size_t len, std::uint32_t export_time_s) const noexcept;
  void close_set() noexcept;

  std::uint32_t domain_id_;
  std::size_t max_;
  std::uint32_t sequence_ = 0;
  std::vector<std::uint8_t> buf_;       // data message being built
  std::vector<std::uint8_t> tmpl_buf_;  // last template message
  std::size_t len_ = kMessageHeaderLen;
  std::size_t set_start_ = 0;           // 0: no open set
  std::uint16_t set_id_ = 0;
  std::size_t records_ = 0;
};

}  // namespace riptide::ipfix
