// The reporter's options (--analyzer-opt reporter.KEY=VALUE, analyzers.reporter in the file).
#include <arpa/inet.h>

#include "riptide/analyze/reporter.hpp"

namespace riptide {
namespace {

std::string v4_text(const std::array<std::uint8_t, 4>& a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, a.data(), buf, sizeof buf);
  return buf;
}

}  // namespace

std::vector<OptionSpec> ReporterFactory::options() const {
  const bool udp = cfg_.transport == ReporterConfig::Transport::udp;
  return {
      {"period", OptionType::duration, format_duration(cfg_.period), "time between summary frames"},
      {"top", OptionType::uint, std::to_string(cfg_.top_n), "top talkers per frame (0..32)"},
      {"transport", OptionType::string, udp ? "udp" : "ethertype", "ethertype (raw Ethernet) or udp (IPv4/UDP broadcast)"},
      {"time-base", OptionType::string, cfg_.time_base == TimeBase::packet ? "packet" : "wall",
       "wall (periods of the clock) or packet (of packet timestamps: files give the same frames)"},
      {"merge-threads", OptionType::bool_, cfg_.merge_threads ? "true" : "false",
       "one frame per period for all packet threads (false: one per thread)"},
      {"final-report", OptionType::bool_, cfg_.final_report ? "true" : "false", "a last frame for the partial period at stop"},
      {"dst-ip", OptionType::address, v4_text(cfg_.dst_ip), "udp: the frames' IPv4 destination"},
      {"dst-port", OptionType::uint, std::to_string(cfg_.dst_port), "udp: the frames' UDP destination port"},
      {"ethertype", OptionType::uint, std::to_string(cfg_.ethertype), "ethertype: the frames' EtherType (0x88b5 style accepted)"},
  };
}

Result<void> ReporterFactory::configure(const OptionValues& v) {
  ReporterConfig c = cfg_;
  c.period = v.get_duration("period");
  if (v.get_uint("top") > kSummaryMaxTalkers)
    return make_error(Errc::invalid_argument, "top must be 0.." + std::to_string(kSummaryMaxTalkers));
  c.top_n = static_cast<std::uint32_t>(v.get_uint("top"));
  const std::string& t = v.get_string("transport");
  if (t != "ethertype" && t != "udp") return make_error(Errc::invalid_argument, "transport must be ethertype or udp, not '" + t + "'");
  c.transport = t == "udp" ? ReporterConfig::Transport::udp : ReporterConfig::Transport::ethertype;
  const std::string& tb = v.get_string("time-base");
  if (tb != "wall" && tb != "packet") return make_error(Errc::invalid_argument, "time-base must be wall or packet, not '" + tb + "'");
  c.time_base = tb == "packet" ? TimeBase::packet : TimeBase::wall;
  c.merge_threads = v.get_bool("merge-threads");
  c.final_report = v.get_bool("final-report");
  const IpAddr& ip = v.get_address("dst-ip");
  if (!ip.is_v4()) return make_error(Errc::invalid_argument, "dst-ip must be an IPv4 address (the frames are IPv4/UDP)");
  c.dst_ip = ip.v4();
  if (v.get_uint("dst-port") > 0xffff) return make_error(Errc::invalid_argument, "dst-port must be 0..65535");
  c.dst_port = static_cast<std::uint16_t>(v.get_uint("dst-port"));
  if (v.get_uint("ethertype") > 0xffff) return make_error(Errc::invalid_argument, "ethertype must be at most 0xffff");
  c.ethertype = static_cast<std::uint16_t>(v.get_uint("ethertype"));
  if (auto r = validate(c); !r) return r.error();
  // Instances and the shared merge are made from cfg_ later: nothing to rebuild.
  cfg_ = c;
  merge_.reset();
  return {};
}

}  // namespace riptide
