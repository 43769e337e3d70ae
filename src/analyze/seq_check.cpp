#include "riptide/analyze/seq_check.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "riptide/gen/gen_payload.hpp"

namespace riptide {
namespace {

class SeqCheckAnalyzer final : public Analyzer {
 public:
  SeqCheckAnalyzer(SeqCheckFactory& f, const SeqCheckConfig& cfg)
      : factory_(f), tracker_(cfg.max_flows, cfg.window), part_(std::make_unique<SeqCheckSummary>()) {}
  std::string_view name() const noexcept override { return "seq_check"; }

  void on_packet(const PacketMeta&, const PacketView& pkt) override {
    const auto p = gen::parse_gen_payload(pkt);
    if (!p) {
      ++part_->not_gen;
      return;
    }
    tracker_.feed(p->flow, p->seq);
    if (p->send_ts_ns == 0) {
      ++part_->no_timestamp;
    } else if (pkt.ts_ns < p->send_ts_ns) {
      ++part_->negative_latency;
    } else {
      part_->latency.record(static_cast<std::uint64_t>(pkt.ts_ns - p->send_ts_ns));
    }
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
  }

 private:
  SeqCheckFactory& factory_;
  gen::SeqTracker tracker_;
  std::unique_ptr<SeqCheckSummary> part_;
};

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
  latency.merge(o.latency);
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
  nlohmann::ordered_json l;
  l["count"] = latency.count();
  l["p50"] = latency.percentile(0.50);
  l["p99"] = latency.percentile(0.99);
  l["p999"] = latency.percentile(0.999);
  l["max"] = latency.max();
  l["negative"] = negative_latency;
  l["no_timestamp"] = no_timestamp;
  j["latency_ns"] = l;
  return j.dump();
}

SeqCheckFactory::SeqCheckFactory(std::string json_path, SeqCheckConfig cfg)
    : path_(std::move(json_path)), cfg_(cfg), total_(std::make_unique<SeqCheckSummary>()) {}

std::unique_ptr<Analyzer> SeqCheckFactory::create(std::size_t) {
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
  if (path_.empty()) return;
  const std::string text = summary().to_json() + "\n";
  if (path_ == "-") {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return;
  }
  std::FILE* f = std::fopen(path_.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "riptide: seq_check: cannot write '%s': %s\n", path_.c_str(), std::strerror(errno));
    return;
  }
  const bool ok = std::fputs(text.c_str(), f) >= 0;
  if (std::fclose(f) != 0 || !ok)
    std::fprintf(stderr, "riptide: seq_check: cannot write '%s': %s\n", path_.c_str(), std::strerror(errno));
}

}  // namespace riptide
