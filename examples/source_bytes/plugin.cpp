// As a plugin: riptide capture -i IFACE --plugin ./libsource_bytes.so:DST_IP:PORT[:CPU_MS]
#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "riptide/analyze/plugin.hpp"
#include "source_bytes.hpp"

RIPTIDE_PLUGIN_ENTRY(args) {
  const std::string a(args);
  const auto c1 = a.find(':');
  if (c1 == std::string::npos) throw std::invalid_argument("source_bytes: expected DST_IP:PORT[:CPU_MS]");
  const auto c2 = a.find(':', c1 + 1);
  std::uint8_t ip[4];
  if (::inet_pton(AF_INET, a.substr(0, c1).c_str(), ip) != 1)
    throw std::invalid_argument("source_bytes: '" + a.substr(0, c1) + "' is not an IPv4 address");
  riptide::UdpEndpoint dst{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, riptide::IpAddr::from_v4(ip), 0};
  dst.port = static_cast<std::uint16_t>(std::stoul(a.substr(c1 + 1, c2 - c1 - 1)));
  const auto cpu = c2 == std::string::npos ? 300 : std::stoul(a.substr(c2 + 1));
  return new source_bytes::Factory(dst, std::chrono::milliseconds(cpu));
}
