// Config validation and frame assembly for the reporter: Ethernet [+ IPv4 + UDP] + summary.
#include <cstdio>
#include <cstring>
#include <string>

#include "riptide/analyze/reporter.hpp"
#include "riptide/core/byte_order.hpp"
#include "riptide/core/checksum.hpp"

namespace riptide {

Result<void> validate(const ReporterConfig& cfg) {
  if (cfg.period.count() <= 0) return make_error(Errc::invalid_argument, "reporter: period must be > 0");
  if (cfg.top_n > kSummaryMaxTalkers)
    return make_error(Errc::invalid_argument, "reporter: top_n " + std::to_string(cfg.top_n) + " is above the maximum " +
                                                  std::to_string(kSummaryMaxTalkers));
  if (cfg.transport == ReporterConfig::Transport::ethertype) {
    const std::uint16_t t = cfg.ethertype;
    if (t < 0x0600 || t == 0x0800 || t == 0x86DD || t == 0x8100 || t == 0x88A8 || t == 0x0806) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%04X", t);
      return make_error(Errc::invalid_argument,
                        std::string("reporter: ethertype ") + hex + " is a length or a protocol riptide decodes");
    }
  }
  return {};
}

std::size_t build_summary_frame(const ReporterConfig& cfg, const SummaryFrame& s, std::span<std::uint8_t> out) noexcept {
  if (out.size() < kReporterMaxFrame) return 0;
  std::uint8_t* f = out.data();
  std::memcpy(f, cfg.dst_mac.data(), 6);
  std::memcpy(f + 6, cfg.src_mac.data(), 6);
  if (cfg.transport == ReporterConfig::Transport::ethertype) {
    store_be16(f + 12, cfg.ethertype);
    const std::size_t n = write_summary_payload(s, out.subspan(14));
    return n ? 14 + n : 0;
  }
  store_be16(f + 12, 0x0800);
  const std::size_t n = write_summary_payload(s, out.subspan(42));
  if (n == 0) return 0;
  std::uint8_t* ip = f + 14;
  ip[0] = 0x45;
  ip[1] = 0;
  store_be16(ip + 2, static_cast<std::uint16_t>(20 + 8 + n));
  store_be16(ip + 4, static_cast<std::uint16_t>(s.sequence));  // identification
  store_be16(ip + 6, 0x4000);                                   // don't fragment
  ip[8] = 64;
  ip[9] = 17;
  store_be16(ip + 10, 0);
  std::memcpy(ip + 12, cfg.src_ip.data(), 4);
  std::memcpy(ip + 16, cfg.dst_ip.data(), 4);
  store_be16(ip + 10, internet_checksum({ip, 20}));

  std::uint8_t* udp = ip + 20;
  const auto udp_len = static_cast<std::uint16_t>(8 + n);
  store_be16(udp, cfg.src_port);
  store_be16(udp + 2, cfg.dst_port);
  store_be16(udp + 4, udp_len);
  store_be16(udp + 6, 0);
  // Pseudo header: addresses, protocol, UDP length.
  std::uint32_t sum = checksum_add(0, {ip + 12, 8});
  sum += 17 + udp_len;
  const std::uint16_t c = checksum_fold(checksum_add(sum, {udp, udp_len}));
  store_be16(udp + 6, c == 0 ? 0xffff : c);  // 0 means "no checksum" in IPv4 UDP
  return 42 + n;
}

}  // namespace riptide
