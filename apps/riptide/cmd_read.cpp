#include <cstdio>

#include "riptide/commands.hpp"

namespace riptide::app {
int cmd_read(int, char**) {
  std::fprintf(stderr, "riptide read: not built yet\n");
  return 1;
}
}  // namespace riptide::app
