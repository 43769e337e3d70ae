// libFuzzer entry for the filter compiler; the body lives in harness_filter.hpp.
//
// libpcap resolves names in expressions ("host example", a bare word, "gateway x") through
// getaddrinfo/gethostbyname, which would send DNS queries to the machine's resolver for
// every mutated word. The fuzzer must not touch the network, so this binary answers those
// calls itself: numeric addresses still parse (AI_NUMERICHOST), host names are never found.
#include <dlfcn.h>
#include <netdb.h>

#include <cstddef>
#include <cstdint>

#include "harness_filter.hpp"

extern "C" int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                           struct addrinfo** res) {
  using Fn = int (*)(const char*, const char*, const struct addrinfo*, struct addrinfo**);
  static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  if (real == nullptr) return EAI_FAIL;
  struct addrinfo h {};
  if (hints != nullptr) h = *hints;
  h.ai_flags |= AI_NUMERICHOST;  // service names come from /etc/services: local
  return real(node, service, &h, res);
}

extern "C" struct hostent* gethostbyname(const char*) {
  h_errno = HOST_NOT_FOUND;
  return nullptr;
}

extern "C" struct hostent* gethostbyname2(const char*, int) {
  h_errno = HOST_NOT_FOUND;
  return nullptr;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!riptide::fuzz::filter_one(data, size)) __builtin_trap();
  return 0;
}
