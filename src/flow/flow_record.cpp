#include "riptide/flow/flow_record.hpp"

namespace riptide {

std::string_view to_string(FlowEndReason r) noexcept {
  switch (r) {
    case FlowEndReason::idle_timeout: return "idle_timeout";
    case FlowEndReason::active_timeout: return "active_timeout";
    case FlowEndReason::tcp_fin: return "tcp_fin";
    case FlowEndReason::tcp_rst: return "tcp_rst";
    case FlowEndReason::end_of_input: return "end_of_input";
    case FlowEndReason::evicted: return "evicted";
    case FlowEndReason::count_: break;
  }
  return "unknown";
}

}  // namespace riptide
