#include "riptide/gen/seq_check.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "riptide/core/clock.hpp"
#include "riptide/gen/gen_payload.hpp"

namespace riptide {
namespace {

class SeqCheckAnalyzer final : public Analyzer {
 public:
  SeqCheckAnalyzer(SeqCheckFactory& f, const SeqCheckConfig& cfg)
      : factory_(f), tracker_(cfg.max_flows, cfg.window), part_(std::make_unique<SeqCheckSummary>()) {}
  std::string_view name() const noexcept override { return "seq_check"; }

  // Where the engine hands packets over one at a time, each one costs a clock read.
  void on_packet(const PacketMeta&, const PacketView& pkt) override { check(pkt, realtime_ns()); }
  void on_packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) override {
    const std::size_t n = metas.size() < pkts.size() ? metas.size() : pkts.size();
    const TimestampNs delivered = realtime_ns();  // one read per batch: the whole batch arrives now
    for (std::size_t i = 0; i < n; ++i) check(pkts[i], delivered);
  }

  void on_stop() override {
    part_->seq = tracker_.counts();
    factory_.add(*part_);
  }

  void counters(std::vector<AnalyzerCounter>& out) const override {
    const auto c = tracker_.counts();
    out.push_back({"seq_received", c.received});
    out.push_back({"seq_lost", c.lost});
    out.push_back({"seq_duplicates", c.duplicates});
    out.push_back({"seq_reordered", c.reordered});
    out.push_back({"not_gen", part_->not_gen});
    out.push_back({"wire_to_kernel_p99_ns", part_->wire_to_kernel.percentile(0.99)});
    out.push_back({"wire_to_analyzer_p99_ns", part_->wire_to_analyzer.percentile(0.99)});
  }

 private:
  void check(const PacketView& pkt, TimestampNs delivered) noexcept {
    const auto p = gen::parse_gen_payload(pkt);
    if (!p) {
      ++part_->not_gen;
      return;
    }
    tracker_.feed(p->flow, p->seq);
    if (p->send_ts_ns == 0) {
      ++part_->no_timestamp;
      return;
    }
    if (pkt.ts_ns < p->send_ts_ns) ++part_->negative_latency;
    else part_->wire_to_kernel.record(static_cast<std::uint64_t>(pkt.ts_ns - p->send_ts_ns));
    if (delivered < p->send_ts_ns) ++part_->negative_delivery;
    else part_->wire_to_analyzer.record(static_cast<std::uint64_t>(delivered - p->send_ts_ns));
  }

  SeqCheckFactory& factory_;
  gen::SeqTracker tracker_;
  std::unique_ptr<SeqCheckSummary> part_;
};

nlohmann::ordered_json histogram_json(const LatencyHistogram& h, std::uint64_t negative) {
  nlohmann::ordered_json l;
  l["count"] = h.count();
  l["p50"] = h.percentile(0.50);
  l["p99"] = h.percentile(0.99);
  l["p999"] = h.percentile(0.999);
  l["max"] = h.max();
  l["negative"] = negative;
  return l;
}

}  // namespace

void SeqCheckSummary::merge(const SeqCheckSummary& o) noexcept {
  seq.received += o.seq.received;
  seq.unique += o.seq.unique;
  seq.duplicates += o.seq.duplicates;
  seq.reordered += o.seq.reordered;
  seq.stale += o.seq.stale;
  seq.unknown_flow += o.seq.unknown_flow;
  seq.lost += o.seq.lost;
  seq.flows_seen += o.seq.flows_seen;
  not_gen += o.not_gen;
  no_timestamp += o.no_timestamp;
  negative_latency += o.negative_latency;
  negative_delivery += o.negative_delivery;
  wire_to_kernel.merge(o.wire_to_kernel);
  wire_to_analyzer.merge(o.wire_to_analyzer);
}

std::string SeqCheckSummary::to_json() const {
  nlohmann::ordered_json j;
  j["received"] = seq.received;
  j["unique"] = seq.unique;
  j["lost"] = seq.lost;
  j["duplicates"] = seq.duplicates;
  j["reordered"] = seq.reordered;
  j["stale"] = seq.stale;
  j["unknown_flow"] = seq.unknown_flow;
  j["not_gen"] = not_gen;
  j["flows"] = seq.flows_seen;
  auto k = histogram_json(wire_to_kernel, negative_latency);
  k["no_timestamp"] = no_timestamp;
  j["wire_to_kernel_ns"] = k;
  j["wire_to_analyzer_ns"] = histogram_json(wire_to_analyzer, negative_delivery);
  return j.dump();
}

Result<std::unique_ptr<SeqCheckFactory>> SeqCheckFactory::open(const std::string& json_path, SeqCheckConfig cfg) {
  auto f = std::make_unique<SeqCheckFactory>(json_path, cfg);
  if (f->open_error_) return *f->open_error_;
  return f;
}

SeqCheckFactory::SeqCheckFactory(const std::string& json_path, SeqCheckConfig cfg)
    : path_(json_path), cfg_(cfg), total_(std::make_unique<SeqCheckSummary>()) {
  if (path_.empty()) return;
  auto o = QueuedLineOutput::open(path_, "seq_check", 1);
  if (o) out_ = std::move(*o);
  else open_error_ = o.error();
}

std::unique_ptr<Analyzer> SeqCheckFactory::create(std::size_t) {
  if (open_error_) throw std::runtime_error(open_error_->message);
  return std::make_unique<SeqCheckAnalyzer>(*this, cfg_);
}

void SeqCheckFactory::add(const SeqCheckSummary& s) {
  std::lock_guard lk(mu_);
  total_->merge(s);
}

SeqCheckSummary SeqCheckFactory::summary() const {
  std::lock_guard lk(mu_);
  return *total_;
}

void SeqCheckFactory::finish() {
  if (!out_) return;
  out_->push(summary().to_json());  // a failure is kept in out_ and reported once
  out_->close();
}

void SeqCheckFactory::outputs(std::vector<OutputStatus>& out) const {
  std::lock_guard lk(mu_);
  if (open_error_) {
    out.push_back({"seq_check", "summary", path_, 0, 1, open_error_->message});
    return;
  }
  if (!out_) return;
  out.push_back({"seq_check", "summary", out_->target(), out_->written(), out_->dropped(),
                 out_->error() ? out_->error()->message : ""});
}

}  // namespace riptide
