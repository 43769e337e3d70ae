#pragma once
// Analyzer option fuzz body: the input's first line is a setting (NAME.KEY=VALUE), the rest a
// value parsed as each option type in turn, and the setting resolved against a declaration of
// every type. Returns false when a result breaks the API's promises (a refusal without a
// one-line reason, a value of the wrong type, a duration that does not read back).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "riptide/analyze/analyzer_options.hpp"

namespace riptide::fuzz {

inline bool one_line_reason(const Error& e) { return !e.message.empty() && e.message.find('\n') == std::string::npos; }

inline bool analyzer_opt_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const std::string_view first = in.substr(0, nl), rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  constexpr OptionType kTypes[] = {OptionType::int_,   OptionType::uint,     OptionType::double_, OptionType::bool_,
                                   OptionType::string, OptionType::duration, OptionType::address};
  for (OptionType t : kTypes) {
    auto v = parse_option_value(t, rest);
    if (!v) {
      if (!one_line_reason(v.error()) || t == OptionType::string) return false;
      continue;
    }
    if (v->index() != static_cast<std::size_t>(t)) return false;
    if (t == OptionType::duration) {
      const auto d = std::get<std::chrono::nanoseconds>(*v);
      auto back = parse_option_value(t, format_duration(d));
      if (!back || std::get<std::chrono::nanoseconds>(*back) != d) return false;
    }
  }
  auto s = parse_option_setting(first, "fuzz");
  if (!s) return one_line_reason(s.error());
  if (s->analyzer.empty() || s->key.empty() || s->key.find('.') != std::string::npos) return false;
  std::vector<OptionSpec> specs;
  for (OptionType t : kTypes) specs.push_back({std::string(to_string(t)), t, "", ""});
  specs.push_back({s->key, OptionType::duration, "1s", ""});
  auto r = resolve_options(s->analyzer, specs, {*s});
  if (!r) return one_line_reason(r.error());
  return r->is_set(s->key);  // the setting was taken
}

}  // namespace riptide::fuzz
