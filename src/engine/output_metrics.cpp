// The figures of every analyzer output (the flow sinks: EVE JSON, IPFIX, Kafka; heavy-hitter
// windows; the seq-check summary), learnt from the factories before the run: written and
// dropped per output, and each output's own counters. The report lists the drops from here.
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace riptide {

namespace {

constexpr const char* kOutputAdvice =
    "the output failed (disk full, closed pipe, unreachable collector or broker) or was slower than its "
    "input: see the output's error line; capture and analysis went on";

MetricDesc figure(std::string name, std::string help, MetricLabels labels, bool drop, bool gauge, std::string advice) {
  return {std::move(name), std::move(help), gauge ? MetricType::gauge : MetricType::counter, std::move(labels),
          drop ? std::move(advice) : std::string(), drop ? DropKind::output : DropKind::none};
}

}  // namespace

void Engine::Impl::register_output_metrics() {
  for (std::size_t f = 0; f < factories.size(); ++f) {
    const AnalyzerFactory& fac = *factories[f];
    const std::string an(fac.name());
    std::vector<OutputStatus> outs;
    std::vector<OutputCounter> cs;
    try {
      fac.outputs(outs);
      fac.output_counters(cs);
    } catch (...) {
      continue;  // the report names a factory whose outputs() throws
    }
    if (outs.empty() && cs.empty()) continue;
    std::vector<MetricDesc> d;
    for (const auto& o : outs) {
      const MetricLabels l{{"analyzer", an}, {"output", o.name}};
      d.push_back(figure("output_written", "records an output took (file, collector, broker)", l, false, false, {}));
      d.push_back(figure("output_dropped", "records meant for an output that it did not take", l, true, false, kOutputAdvice));
    }
    std::vector<std::pair<std::string, std::string>> keys;  // (output, name) of each counter
    for (const auto& c : cs) {
      MetricLabels l{{"analyzer", an}};
      if (!c.output.empty()) l.emplace_back("output", c.output);
      d.push_back(figure(c.name, c.help, std::move(l), c.drop, c.gauge, c.advice.empty() ? kOutputAdvice : c.advice));
      keys.emplace_back(c.output, c.name);
    }
    const std::size_t nout = outs.size();
    std::vector<std::string> names;
    for (const auto& o : outs) names.push_back(o.name);
    metrics.add_group(std::move(d), [this, f, nout, names, keys](std::span<MetricValue> v) {
      std::vector<OutputStatus> now;
      std::vector<OutputCounter> cnow;
      try {
        factories[f]->outputs(now);
        factories[f]->output_counters(cnow);
      } catch (...) {
        return;  // unknown this time: null, not a made-up 0
      }
      for (std::size_t k = 0; k < nout; ++k)
        for (const auto& o : now)
          if (o.name == names[k]) {
            v[2 * k] = o.written;
            v[2 * k + 1] = o.dropped;
          }
      for (std::size_t k = 0; k < keys.size(); ++k)
        for (const auto& c : cnow)
          if (c.output == keys[k].first && c.name == keys[k].second) v[2 * nout + k] = c.value;
    });
  }
}

}  // namespace riptide
