#pragma once
// The collector address of --ipfix: "[udp:|tcp:]HOST:PORT", IPv6 in brackets ("[::1]:4739",
// "tcp:[::1]:4739"); UDP when no transport is named. A numeric address is taken as is; a name
// is resolved once, here, and its first address kept.
#include <sys/socket.h>

#include <string>

#include "riptide/core/result.hpp"

namespace riptide::ipfix {

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool tcp = false;
  std::string text;  // "udp:192.0.2.1:4739", "tcp:[::1]:4739": the transport and resolved address
};

// One-line error naming the text when it is not [udp:|tcp:]HOST:PORT, the port is not 1..65535, or the
// name does not resolve.
Result<Target> parse_target(const std::string& spec);

}  // namespace riptide::ipfix
