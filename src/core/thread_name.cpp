#include "riptide/core/thread_name.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cstring>

namespace riptide {

void name_this_thread(std::string_view name) noexcept {
  char buf[16] = {};
  std::memcpy(buf, name.data(), std::min<std::size_t>(name.size(), sizeof buf - 1));
  (void)prctl(PR_SET_NAME, buf, 0, 0, 0);
}

}  // namespace riptide
