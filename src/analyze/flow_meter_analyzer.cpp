#include "riptide/analyze/flow_meter_analyzer.hpp"

#include <array>
#include <span>
#include <stdexcept>

#include "riptide/flow/eve_json_sink.hpp"

namespace riptide {
namespace {

// Collects the records a FlowTable emits during a batch; the analyzer hands them to its queue
// at batch end (or when the buffer fills, which only happens in eviction storms).
class BatchingSink final : public FlowSink {
 public:
  explicit BatchingSink(FlowOutput::Producer* q) : q_(q) {}
  void on_flow(const FlowRecord& rec) override {
    buf_[n_++] = rec;
    if (n_ == buf_.size()) flush();
  }
  void flush() noexcept {
    if (n_ == 0) return;
    // Analyzers of this thread that subscribed get the records first, on this thread.
    if (ctx_) ctx_->publish_flows(std::span<const FlowRecord>(buf_.data(), n_));
    if (q_) q_->push(buf_.data(), n_, wait_);
    n_ = 0;
  }
  void set_wait(bool w) noexcept { wait_ = w; }
  void set_context(AnalyzerContext* ctx) noexcept { ctx_ = ctx; }

 private:
  FlowOutput::Producer* q_;  // null: no sink, records are only counted by the meter
  AnalyzerContext* ctx_ = nullptr;
  std::array<FlowRecord, 256> buf_{};
  std::size_t n_ = 0;
  bool wait_ = true;
};

class FlowMeterAnalyzer final : public Analyzer {
 public:
  FlowMeterAnalyzer(FlowMeterFactory& f, const FlowMeterConfig& cfg, FlowOutput::Producer* q)
      : factory_(f), sink_(q), meter_(cfg, sink_) {}
  std::string_view name() const noexcept override { return "flow"; }
  void on_start(AnalyzerContext& ctx) override {
    live_ = ctx.live();
    // Live, a full queue drops records so that capture never waits on an output; a file can
    // wait, nothing is lost by reading it more slowly.
    sink_.set_wait(!live_);
    sink_.set_context(&ctx);
    // Declares this instance a publisher of flow records: it is stopped before the
    // subscribers, so the flows still open at the end reach them.
    ctx.publish_flows({});
  }
  void on_packet(const PacketMeta& meta, const PacketView& pkt) override { meter_.on_packet(meta, pkt); }
  void on_packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override {
    meter_.on_packets(metas.data(), pkts.data(), metas.size() < pkts.size() ? metas.size() : pkts.size());
  }
  void on_batch_end(TimestampNs now) override {
    meter_.on_batch_end(now);
    sink_.flush();
  }
  void on_tick(TimestampNs now) override {
    // Quiet live traffic still ends idle flows; a file's flows end by packet time only.
    if (!live_) return;
    meter_.on_batch_end(now);
    sink_.flush();
  }
  void on_stop() override {
    // The last flows of a run are never refused for lack of room: capture is over.
    sink_.set_wait(true);
    meter_.finish();
    sink_.flush();
    factory_.add_totals(meter_.stats());
  }
  void counters(std::vector<AnalyzerCounter>& out) const override {
    const auto& s = meter_.stats();
    out.push_back({"flows_created", s.flows_created});
    out.push_back({"flows_active", s.active_flows});
    out.push_back({"flows_evicted", s.evictions});
    out.push_back({"non_ip_packets", s.non_ip});
    // The fragment table (flow/frag_table.hpp). None is a drop: every fragment is in a flow.
    out.push_back({"frag_attributed", s.frag.attributed});
    out.push_back({"frag_portless", s.frag.portless});
    out.push_back({"frag_timed_out", s.frag.timed_out});
    out.push_back({"frag_overlapping", s.frag.overlapping});
    out.push_back({"frag_too_many", s.frag.too_many});
    out.push_back({"frag_too_large", s.frag.too_large});
  }

 private:
  FlowMeterFactory& factory_;
  BatchingSink sink_;
  FlowMeter meter_;
  bool live_ = false;
};

}  // namespace

Result<std::unique_ptr<FlowMeterFactory>> FlowMeterFactory::create(const FlowMeterConfig& cfg,
                                                                   std::vector<std::unique_ptr<FlowRecordSink>> sinks,
                                                                   const FlowOutputConfig& out) {
  std::unique_ptr<FlowOutput> o;
  if (!sinks.empty()) {
    auto r = FlowOutput::start(std::move(sinks), out);
    if (!r) return r.error();
    o = std::move(*r);
  }
  return std::unique_ptr<FlowMeterFactory>(new FlowMeterFactory(cfg, std::move(o)));
}

Result<std::unique_ptr<FlowMeterFactory>> FlowMeterFactory::create(const FlowMeterConfig& cfg,
                                                                   const std::string& json_path) {
  std::vector<std::unique_ptr<FlowRecordSink>> sinks;
  if (!json_path.empty()) {
    auto s = EveJsonSink::open(json_path);
    if (!s) return s.error();
    sinks.push_back(std::move(*s));
  }
  return create(cfg, std::move(sinks));
}

FlowMeterFactory::FlowMeterFactory(const FlowMeterConfig& cfg, std::unique_ptr<FlowOutput> out)
    : cfg_(cfg), output_(std::move(out)) {}

FlowMeterFactory::~FlowMeterFactory() {
  if (output_) output_->close();
}

std::unique_ptr<Analyzer> FlowMeterFactory::create(std::size_t) {
  // Numbered by call, not by the thread index given: unique even if an engine were to create
  // two instances for one thread index.
  FlowMeterConfig c = cfg_;
  FlowOutput::Producer* q = nullptr;
  {
    std::lock_guard lk(mu_);
    c.table_index = tables_created_++;
  }
  if (output_) {
    q = output_->add_producer();
    if (!q) throw std::runtime_error("more flow meter instances than the flow output has queues for");
  }
  return std::make_unique<FlowMeterAnalyzer>(*this, c, q);
}

void FlowMeterFactory::deliver(const FlowRecord* recs, std::size_t n) {
  if (!output_) return;
  std::lock_guard lk(mu_);
  if (!direct_) direct_ = output_->add_producer();
  if (!direct_) throw std::runtime_error("the flow output has no queue left");
  direct_->push(recs, n, true);
}

void FlowMeterFactory::add_totals(const FlowMeterStats& s) {
  std::lock_guard lk(mu_);
  totals_.packets += s.packets;
  totals_.non_ip += s.non_ip;
  totals_.flows_created += s.flows_created;
  for (std::size_t i = 0; i < totals_.flows_ended.size(); ++i) totals_.flows_ended[i] += s.flows_ended[i];
  totals_.evictions += s.evictions;
  totals_.active_flows += s.active_flows;
  totals_.peak_flows += s.peak_flows;
  totals_.bucket_doublings += s.bucket_doublings;
  FragStats& f = totals_.frag;
  f.fragments += s.frag.fragments;
  f.attributed += s.frag.attributed;
  f.portless += s.frag.portless;
  f.held += s.frag.held;
  f.timed_out += s.frag.timed_out;
  f.overlapping += s.frag.overlapping;
  f.too_many += s.frag.too_many;
  f.too_large += s.frag.too_large;
  f.active += s.frag.active;
}

void FlowMeterFactory::finish() {
  // Every sink's close() runs here, before the report: what it could not send is counted.
  if (output_) output_->close();
}

SinkStatus FlowMeterFactory::status_of(const FlowRecordSink& s) const {
  SinkStatus st = s.status();
  // Records the queues refused never reached any sink: each output lost them.
  const std::uint64_t refused = output_->queue_full();
  st.dropped += refused;
  if (refused && st.error.empty())
    st.error = "flow output queue full: " + std::to_string(refused) + " records dropped before the outputs (they were slower than the flow meter)";
  return st;
}

void FlowMeterFactory::outputs(std::vector<OutputStatus>& out) const {
  if (!output_) return;
  for (const auto& s : output_->sinks()) {
    const SinkStatus st = status_of(*s);
    out.push_back({"flow", std::string(s->name()), s->target(), st.written, st.dropped, st.error});
  }
}

void FlowMeterFactory::output_counters(std::vector<OutputCounter>& out) const {
  if (!output_) return;
  out.push_back({"", "flow_output_queue_full", "flow records dropped because a flow output queue was full (no output got them)",
                 output_->queue_full(), true, false,
                 "the flow outputs are slower than the flow meter (a slow disk, collector or broker): capture went on "
                 "without them; use a faster output or fewer outputs"});
  out.push_back({"", "flow_output_queued", "flow records handed to the flow output thread", output_->pushed(), false, false, {}});
  out.push_back({"", "flow_output_in_queue", "flow records waiting for the flow output thread", output_->queued_now(),
                 false, true, {}});
  std::vector<SinkCounter> cs;
  for (const auto& s : output_->sinks()) {
    cs.clear();
    s->counters(cs);
    for (auto& c : cs)
      out.push_back({std::string(s->name()), std::move(c.name), std::move(c.help), c.value, c.drop, c.gauge, std::move(c.advice)});
  }
}

std::uint64_t FlowMeterFactory::records_written() const noexcept {
  if (!output_) return 0;
  return output_->sinks().front()->status().written;
}

std::uint64_t FlowMeterFactory::records_dropped() const noexcept {
  if (!output_) return 0;
  return output_->sinks().front()->status().dropped + output_->queue_full();
}

}  // namespace riptide
