// Flow records from a publisher (the flow meter) to the analyzers of the same packet thread
// that subscribed: no queue between threads, no allocation per record, no record dropped.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "engine/analyzer_set.hpp"

namespace riptide::engine {

bool AnalyzerSet::subscribe_flows() {
  if (stopped_ || slots_.empty()) return false;
  if (!flow_buf_) flow_buf_ = std::make_unique<FlowRecord[]>(kFlowBuffer);
  slots_[current_]->flow_subscriber.store(true, std::memory_order_relaxed);
  flow_subscribers_ = true;
  return true;
}

void AnalyzerSet::publish_flows(std::span<const FlowRecord> records) noexcept {
  // Records published from inside on_flows would feed subscribers their own output: refused.
  if (slots_.empty() || delivering_flows_) return;
  Slot& me = *slots_[current_];
  if (!me.flow_publisher.load(std::memory_order_relaxed)) me.flow_publisher.store(true, std::memory_order_relaxed);
  if (!flow_subscribers_) return;
  while (!records.empty()) {
    const std::size_t take = std::min(records.size(), kFlowBuffer - flow_n_);
    std::copy_n(records.begin(), take, flow_buf_.get() + flow_n_);
    flow_n_ += take;
    records = records.subspan(take);
    if (flow_n_ == kFlowBuffer) deliver_flows();
  }
}

void AnalyzerSet::deliver_flows() noexcept {
  if (delivering_flows_ || flow_n_ == 0) return;
  delivering_flows_ = true;
  const std::uint32_t caller = current_;
  const std::span<const FlowRecord> recs(flow_buf_.get(), flow_n_);
  const std::uint64_t n = recs.size();
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    Slot& s = *slots_[i];
    if (!s.flow_subscriber.load(std::memory_order_relaxed)) continue;
    bump(s.flow_records, n);
    if (s.stopped || s.disabled.load(std::memory_order_relaxed)) {
      bump(s.flow_records_missed, n);
      continue;
    }
    current_ = i;
    const TimestampNs t0 = monotonic_ns();
    s.call_started_ns.store(t0, std::memory_order_relaxed);
    try {
      s.a->on_flows(recs);
    } catch (...) {
      bump(s.flow_records_missed, n);
      fault(s, "on_flows");
    }
    end_call(s, t0, "on_flows");
  }
  flow_n_ = 0;
  current_ = caller;
  delivering_flows_ = false;
}

void AnalyzerSet::warn_unfed_flow_subscribers() const noexcept {
  if (!flow_subscribers_ || ctx_.thread_index() != 0) return;
  for (const auto& s : slots_)
    if (s->flow_publisher.load(std::memory_order_relaxed)) return;
  for (const auto& s : slots_)
    if (s->flow_subscriber.load(std::memory_order_relaxed))
      std::fprintf(stderr, "riptide: analyzer '%s' subscribed to flow records, but no flow meter runs (--no-flows): it gets none\n",
                   s->name.c_str());
}

}  // namespace riptide::engine
