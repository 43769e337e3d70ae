#pragma once
// EVE-JSON flow events (one JSON object per line, Suricata's "flow" event layout) written
// to a file or an open stream. Lines are formatted by hand into a reused buffer: no
// allocation per record. Every field is a number, an address, or a fixed name, so nothing
// needs escaping.
//
// Layout of one line (keys in this order; "in_iface" only when set, "vlan" only when the
// flow had tags, ports only for TCP/UDP/SCTP/UDP-Lite, icmp_* only for ICMP/ICMPv6, "tunnel"
// only for tunnelled flows, "tcp" only for TCP, "riptide" only with EveFormatOptions::extensions):
//   {"timestamp":"<ended>","flow_id":N,"in_iface":"..","event_type":"flow","vlan":[..],
//    "src_ip":"..","src_port":N,"dest_ip":"..","dest_port":N,"proto":"<IANA keyword>",
//    "icmp_type":N,"icmp_code":N,"response_icmp_type":N,"response_icmp_code":N,
//    "tunnel":{"src_ip":"..","dest_ip":"..","proto":"GRE"|"UDP"|"IPv4"|"IPv6","depth":N},
//    "app_proto":"unknown","community_id":"1:..",
//    "flow":{"pkts_toserver":N,"pkts_toclient":N,"bytes_toserver":N,"bytes_toclient":N,
//            "start":"..","end":"..","age":N,"state":"new"|"established"|"closed",
//            "reason":"timeout"|"forced"|"shutdown"},
//    "tcp":{"tcp_flags":"1b","tcp_flags_ts":"..","tcp_flags_tc":"..","syn":true,...,"state":".."},
//    "riptide":{"reason":"idle_timeout",...,"ip_bytes_toserver":N,"ip_bytes_toclient":N,
//               "tunnel_type":"vxlan","vni":N | "teid":N | "gre_key":N,"mpls_labels":[N,..]}}
// Every record without "riptide" validates against Suricata's etc/schema.json (which allows no
// other keys). Times are UTC, microseconds: "2024-01-02T03:04:05.123456+0000". "timestamp" is
// the flow's last packet (Suricata stamps a flow event when it ends the flow),
// "age" is whole seconds between the start and end seconds (as Suricata does). src is the
// client, dest the server. flow.reason: idle/active timeouts and the FIN/RST grace period are
// "timeout", a full table's eviction "forced", the end of input "shutdown"; riptide's own
// reason is riptide.reason.
//
// Output: a LineOutput (raw file descriptor), so every record reaches the file whole or not
// at all. Errors: the first failed write is kept (error()) and reported once on stderr; the
// records it lost and every later one are counted in dropped() and not written.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "riptide/core/result.hpp"
#include "riptide/flow/flow_record.hpp"
#include "riptide/flow/line_output.hpp"

namespace riptide {

// Formatting choices; the defaults give strict EVE.
struct EveFormatOptions {
  static constexpr std::size_t kMaxIfaceLen = 64;  // longer names are cut
  // Adds the "riptide" object (riptide's end reason, IP-header byte counts, tunnel type and id,
  // MPLS labels).
  bool extensions = false;
  // Live capture: the interface, written as "in_iface". Must outlive the format() call.
  std::string_view in_iface{};
};

class EveJsonWriter final : public FlowSink {
 public:
  static constexpr std::size_t kMaxLine = 1536;  // a formatted record is always shorter

  explicit EveJsonWriter(std::unique_ptr<LineOutput> out);
  // Creates or truncates `path`; "-" writes to standard output.
  // `rotation`: as LineOutput::open (--flows-rotate-mb/-s, --flows-files).
  static Result<std::unique_ptr<EveJsonWriter>> open(const std::string& path, const RotationPolicy& rotation = {});
  ~EveJsonWriter() override;  // flushes, then closes a file it opened
  EveJsonWriter(const EveJsonWriter&) = delete;
  EveJsonWriter& operator=(const EveJsonWriter&) = delete;

  void on_flow(const FlowRecord& rec) override;
  // Writes the buffered lines out; the first error of the output, if any.
  Result<void> flush();

  const std::optional<Error>& error() const noexcept { return out_->error(); }
  std::uint64_t records() const noexcept { return records_; }          // every record received
  std::uint64_t written() const noexcept { return out_->written(); }   // complete lines in the output
  std::uint64_t dropped() const noexcept { return out_->dropped(); }   // received but not written
  const LineOutput& output() const noexcept { return *out_; }
  // Flushes and closes the output (a late write error becomes error()); later records are dropped.
  void close() noexcept {
    drain();
    out_->close();
  }

  // Formats `rec` as one JSON object without the newline into `buf` (at least kMaxLine bytes);
  // returns its length. The first form uses EveFormatOptions{}.
  static std::size_t format(const FlowRecord& rec, char* buf) noexcept;
  static std::size_t format(const FlowRecord& rec, char* buf, const EveFormatOptions& opts) noexcept;
  // Options for the records on_flow() writes from now on (the interface name is copied).
  void set_options(const EveFormatOptions& opts);

 private:
  void drain() noexcept;  // buffer -> output

  std::unique_ptr<LineOutput> out_;
  std::unique_ptr<char[]> buf_;
  std::size_t used_ = 0;
  std::uint64_t buffered_records_ = 0;  // whole lines in buf_
  std::uint64_t records_ = 0;
  std::string iface_;
  EveFormatOptions opts_{};
};

}  // namespace riptide
