#pragma once
// EVE-JSON flow events (one JSON object per line, Suricata's "flow" event layout) written
// to a file or an open stream. Lines are formatted by hand into a reused buffer: no
// allocation per record. Every field is a number, an address, or a fixed name, so nothing
// needs escaping.
//
// Layout of one line (keys in this order; "vlan" only when the flow had tags, ports only for
// TCP/UDP/SCTP/UDP-Lite, icmp_* only for ICMP/ICMPv6, "tcp" only for TCP):
//   {"timestamp":"<start>","flow_id":N,"event_type":"flow","vlan":[..],"src_ip":"..",
//    "src_port":N,"dest_ip":"..","dest_port":N,"proto":"TCP"|"UDP"|"ICMP"|"IPv6-ICMP"|"SCTP"|"<n>",
//    "icmp_type":N,"icmp_code":N,"response_icmp_type":N,"response_icmp_code":N,
//    "flow":{"pkts_toserver":N,"pkts_toclient":N,"bytes_toserver":N,"bytes_toclient":N,
//            "ip_bytes_toserver":N,"ip_bytes_toclient":N,"start":"..","end":"..","age":N,
//            "reason":".."},
//    "tcp":{"tcp_flags":"1b","tcp_flags_ts":"..","tcp_flags_tc":"..","syn":true,...}}
// Times are UTC, microseconds: "2024-01-02T03:04:05.123456+0000". "timestamp" is the flow's
// start, "age" is whole seconds between the start and end seconds (as Suricata does).
// src is the client, dest the server.
//
// Errors: the first failed write is kept (error()) and reported once on stderr; later
// records are counted in dropped() and not written.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "riptide/core/result.hpp"
#include "riptide/flow/flow_record.hpp"

namespace riptide {

class EveJsonWriter final : public FlowSink {
 public:
  static constexpr std::size_t kMaxLine = 1024;  // a formatted record is always shorter

  // Writes to `out`, which stays owned by the caller (stdout, a pipe). `name` is used in errors.
  explicit EveJsonWriter(std::FILE* out, std::string name = "<stream>");
  // Creates or truncates `path`.
  static Result<std::unique_ptr<EveJsonWriter>> open(const std::string& path);
  ~EveJsonWriter() override;  // flushes, then closes a file it opened
  EveJsonWriter(const EveJsonWriter&) = delete;
  EveJsonWriter& operator=(const EveJsonWriter&) = delete;

  void on_flow(const FlowRecord& rec) override;
  // Writes the buffered lines out (also fflush()es the stream).
  Result<void> flush();

  const std::optional<Error>& error() const noexcept { return error_; }
  std::uint64_t records() const noexcept { return records_; }  // every record received
  std::uint64_t dropped() const noexcept { return dropped_; }  // received but not written

  // Formats `rec` as one JSON object without the newline into `buf` (at least kMaxLine bytes);
  // returns its length.
  static std::size_t format(const FlowRecord& rec, char* buf) noexcept;

 private:
  EveJsonWriter(std::FILE* out, std::string name, bool owned);
  bool drain();  // buffer -> stream; false (and error_ set) on failure
  void fail(int err);

  std::FILE* out_;
  std::string name_;
  bool owned_;
  std::unique_ptr<char[]> buf_;
  std::size_t used_ = 0;
  std::uint64_t buffered_records_ = 0;   // in buf_
  std::uint64_t unflushed_records_ = 0;  // handed to the stream, not yet fflush()ed
  std::uint64_t records_ = 0;
  std::uint64_t dropped_ = 0;
  std::optional<Error> error_;
};

}  // namespace riptide
