#include "riptide/flow/flow_meter.hpp"

#include <utility>

namespace riptide {

FlowMeter::FlowMeter(const FlowMeterConfig& cfg, FlowSink& sink) : sink_(&sink), table_(cfg, sink) {}

FlowMeter::FlowMeter(const FlowMeterConfig& cfg, std::unique_ptr<FlowSink> sink)
    : owned_sink_(std::move(sink)), sink_(owned_sink_.get()), table_(cfg, *sink_) {}

}  // namespace riptide
