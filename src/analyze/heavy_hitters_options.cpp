// The heavy-hitters options (--analyzer-opt heavy-hitters.KEY=VALUE, analyzers.heavy-hitters
// in the file).
#include "riptide/analyze/heavy_hitters.hpp"

namespace riptide {

std::vector<OptionSpec> HeavyHittersFactory::options() const {
  return {
      {"window", OptionType::duration, format_duration(cfg_.window), "packet time per top-K window"},
      {"k", OptionType::uint, std::to_string(cfg_.k), "entries per top-K list (1..1000)"},
      {"out", OptionType::string, cfg_.output, "JSON lines to this file ('-': stdout, '': counters only)"},
      {"max-in-flight", OptionType::uint, std::to_string(cfg_.max_in_flight),
       "windows computing at once per thread; more are skipped (counted)"},
  };
}

Result<void> HeavyHittersFactory::configure(const OptionValues& v) {
  HeavyHittersConfig c = cfg_;
  c.window = v.get_duration("window");
  if (v.get_uint("k") > HeavyHittersConfig::kMaxK || v.get_uint("max-in-flight") > 1'000'000)
    return make_error(Errc::invalid_argument, "k must be 1.." + std::to_string(HeavyHittersConfig::kMaxK) +
                                                  " and max-in-flight at most 1000000");
  c.k = static_cast<std::uint32_t>(v.get_uint("k"));
  c.max_in_flight = static_cast<std::uint32_t>(v.get_uint("max-in-flight"));
  c.output = v.get_string("out");
  if (auto r = validate(c); !r) return r.error();
  // Called once, before any instance exists (Engine::create): nothing else touches out_ yet.
  if (c.output != cfg_.output) {
    // Opened now, still before capture: a path that cannot be opened stops the run here.
    std::unique_ptr<QueuedLineOutput> out;
    if (!c.output.empty()) {
      auto o = QueuedLineOutput::open(c.output, "heavy-hitters", c.queue_lines);
      if (!o) return o.error();
      out = std::move(*o);
    }
    out_ = std::move(out);
  }
  cfg_ = c;
  return {};
}

}  // namespace riptide
