#pragma once
// The capture interface's identity for analyzers that send (AnalyzerContext::interface).
#include <string>

#include "riptide/analyze/udp_frame.hpp"

namespace riptide::engine {

// What the kernel says about `name` now; fields it cannot tell stay empty (never an error:
// an analyzer that does not send must not stop a capture).
InterfaceInfo read_interface_info(const std::string& name);

}  // namespace riptide::engine
