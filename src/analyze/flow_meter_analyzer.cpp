#include "riptide/analyze/flow_meter_analyzer.hpp"

#include <array>
#include <span>

namespace riptide {
namespace {

// Collects the records a FlowTable emits during a batch; the analyzer hands them over at
// batch end (or when the buffer fills, which only happens in eviction storms).
class BatchingSink final : public FlowSink {
 public:
  explicit BatchingSink(FlowMeterFactory& f) : factory_(f) {}
  void on_flow(const FlowRecord& rec) override {
    buf_[n_++] = rec;
    if (n_ == buf_.size()) flush();
  }
  void flush() {
    if (n_ == 0) return;
    factory_.deliver(buf_.data(), n_);
    n_ = 0;
  }

 private:
  FlowMeterFactory& factory_;
  std::array<FlowRecord, 256> buf_{};
  std::size_t n_ = 0;
};

class FlowMeterAnalyzer final : public Analyzer {
 public:
  FlowMeterAnalyzer(FlowMeterFactory& f, const FlowMeterConfig& cfg)
      : factory_(f), sink_(f), meter_(cfg, sink_) {}
  std::string_view name() const noexcept override { return "flow"; }
  void on_start(AnalyzerContext& ctx) override { live_ = ctx.live(); }
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
  }

 private:
  FlowMeterFactory& factory_;
  BatchingSink sink_;
  FlowMeter meter_;
  bool live_ = false;
};

}  // namespace

Result<std::unique_ptr<FlowMeterFactory>> FlowMeterFactory::create(const FlowMeterConfig& cfg,
                                                                   const std::string& json_path,
                                                                   const RotationPolicy& json_rotation) {
  std::unique_ptr<EveJsonWriter> w;
  if (!json_path.empty()) {
    auto r = EveJsonWriter::open(json_path, json_rotation);
    if (!r) return r.error();
    w = std::move(*r);
  }
  return std::unique_ptr<FlowMeterFactory>(new FlowMeterFactory(cfg, std::move(w)));
}

FlowMeterFactory::FlowMeterFactory(const FlowMeterConfig& cfg, std::unique_ptr<EveJsonWriter> writer)
    : cfg_(cfg), writer_(std::move(writer)) {}

std::unique_ptr<Analyzer> FlowMeterFactory::create(std::size_t) {
  // Numbered by call, not by the thread index given: unique even if an engine were to create
  // two instances for one thread index.
  FlowMeterConfig c = cfg_;
  {
    std::lock_guard lk(mu_);
    c.table_index = tables_created_++;
  }
  return std::make_unique<FlowMeterAnalyzer>(*this, c);
}

void FlowMeterFactory::deliver(const FlowRecord* recs, std::size_t n) {
  if (!writer_) return;
  std::lock_guard lk(mu_);
  for (std::size_t i = 0; i < n; ++i) writer_->on_flow(recs[i]);
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
}

void FlowMeterFactory::finish() {
  std::lock_guard lk(mu_);
  // A failed final flush is kept in the writer and shows in outputs(): never lost.
  if (writer_) {
    (void)writer_->flush();
    writer_->close();
  }
}

void FlowMeterFactory::outputs(std::vector<OutputStatus>& out) const {
  std::lock_guard lk(mu_);
  if (!writer_) return;
  const auto& o = writer_->output();
  out.push_back({"flow", "flows", o.target(), o.written(), o.dropped(), o.error() ? o.error()->message : ""});
}

std::uint64_t FlowMeterFactory::records_written() const noexcept { return writer_ ? writer_->written() : 0; }
std::uint64_t FlowMeterFactory::records_dropped() const noexcept { return writer_ ? writer_->dropped() : 0; }

}  // namespace riptide
