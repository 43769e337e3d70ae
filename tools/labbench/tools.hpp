#pragma once
// Private: the adapters behind make_tool().
#include <memory>

#include "labbench/capture_tool.hpp"

namespace riptide::labbench {
std::unique_ptr<CaptureTool> make_riptide_tool();
std::unique_ptr<CaptureTool> make_tcpdump_tool();
std::unique_ptr<CaptureTool> make_netsniff_tool();
std::unique_ptr<CaptureTool> make_softflowd_tool();
}  // namespace riptide::labbench
