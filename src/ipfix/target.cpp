#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "riptide/ipfix/ipfix_target.hpp"

namespace riptide::ipfix {
namespace {

Error bad(const std::string& spec, const std::string& why) {
  return make_error(Errc::invalid_argument, "IPFIX collector '" + spec + "': " + why);
}

std::string text_of(const sockaddr_storage& a, bool tcp) {
  const std::string proto = tcp ? "tcp:" : "udp:";
  char host[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
    return proto + std::string(host) + ":" + std::to_string(ntohs(s->sin_port));
  }
  const auto* s = reinterpret_cast<const sockaddr_in6*>(&a);
  inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
  return proto + "[" + std::string(host) + "]:" + std::to_string(ntohs(s->sin6_port));
}

}  // namespace

Result<Target> parse_target(const std::string& full) {
  bool tcp = false;
  std::string spec = full;
  if (spec.rfind("tcp:", 0) == 0 || spec.rfind("udp:", 0) == 0) {
    tcp = spec[0] == 't';
    spec = spec.substr(4);
  }
  std::string host, port;
  if (!spec.empty() && spec.front() == '[') {
    const auto close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':') {
      return bad(full, "expected [IPv6]:PORT");
    }
    host = spec.substr(1, close - 1);
    port = spec.substr(close + 2);
  } else {
    const auto colon = spec.rfind(':');
    if (colon == std::string::npos || spec.find(':') != colon) {
      return bad(full, "expected HOST:PORT (an IPv6 address in brackets: [::1]:4739)");
    }
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
  }
  if (host.empty()) return bad(full, "no host before the port");
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535) {
    return bad(full, "port '" + port + "' is not a number in 1..65535");
  }
  addrinfo hints{};
  hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0 || res == nullptr) {
    return bad(full, std::string("cannot resolve '") + host + "': " + gai_strerror(rc));
  }
  Target t;
  std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
  t.len = res->ai_addrlen;
  freeaddrinfo(res);
  t.tcp = tcp;
  t.text = text_of(t.addr, tcp);
  return t;
}

}  // namespace riptide::ipfix
