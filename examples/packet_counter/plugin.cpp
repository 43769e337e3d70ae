// The analyzer as a plugin: riptide read -r FILE --plugin ./libpacket_counter.so[:EVERY]
#include <cstdlib>

#include "packet_counter.hpp"
#include "riptide/analyze/plugin.hpp"

RIPTIDE_PLUGIN_ENTRY(args) {
  char* end = nullptr;
  const unsigned long long every = std::strtoull(args, &end, 10);
  if (*args != '\0' && *end != '\0') return nullptr;  // not a number: riptide exits with status 2
  return new packet_counter::Factory(every);
}
