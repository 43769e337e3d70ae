#include "riptide/analyze/analyzer_options.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace riptide {
namespace {

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return o;
}

// Whole-text integer in base 10, or 16 with 0x; from_chars neither skips spaces nor accepts '+'.
template <class T>
bool parse_integer(std::string_view s, T& out) {
  int base = 10;
  bool neg = false;
  if (!s.empty() && s[0] == '-') neg = true;
  std::string_view digits = neg ? s.substr(1) : s;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  if (digits.empty()) return false;
  if (base == 16 && neg) return false;
  const std::string_view text = base == 16 ? digits : s;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

bool parse_duration(std::string_view s, std::chrono::nanoseconds& out) {
  struct Unit {
    std::string_view suffix;
    double ns;
  };
  // Longest suffix first: "ms" before "s", "ns"/"us" before "s".
  static constexpr Unit kUnits[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double scale = 1e9;
  for (const auto& u : kUnits) {
    if (s.size() > u.suffix.size() && s.substr(s.size() - u.suffix.size()) == u.suffix) {
      scale = u.ns;
      s.remove_suffix(u.suffix.size());
      break;
    }
  }
  double v = 0;
  if (!parse_double(s, v) || v < 0) return false;
  const double ns = v * scale;
  if (ns > 9.2e18) return false;  // beyond int64 nanoseconds (292 years)
  out = std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
  return true;
}

bool parse_address(std::string_view s, IpAddr& out) {
  if (s.empty() || s.size() >= 64) return false;
  const std::string z(s);
  std::uint8_t buf[16];
  if (::inet_pton(AF_INET, z.c_str(), buf) == 1) {
    out = IpAddr::from_v4(buf);
    return true;
  }
  if (::inet_pton(AF_INET6, z.c_str(), buf) == 1) {
    out = IpAddr::from_v6(buf);
    return true;
  }
  return false;
}

std::string expected_text(OptionType t) {
  switch (t) {
    case OptionType::int_: return "expected an integer";
    case OptionType::uint: return "expected a non-negative integer";
    case OptionType::double_: return "expected a number";
    case OptionType::bool_: return "expected true or false";
    case OptionType::string: return "expected text";
    case OptionType::duration: return "expected a duration such as 500ms or 2s";
    case OptionType::address: return "expected an IPv4 or IPv6 address";
  }
  return "bad value";
}

// Settings come from the user's shell or file: keep the message on one line.
std::string printable(std::string_view s) {
  std::string o;
  for (char c : s.substr(0, 200)) o += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return o;
}

std::string describe(const OptionSetting& s) {
  return printable(s.analyzer + "." + s.key + "=" + s.value) + (s.origin.empty() ? "" : " (" + printable(s.origin) + ")");
}

}  // namespace

std::string_view to_string(OptionType t) noexcept {
  switch (t) {
    case OptionType::int_: return "int";
    case OptionType::uint: return "uint";
    case OptionType::double_: return "double";
    case OptionType::bool_: return "bool";
    case OptionType::string: return "string";
    case OptionType::duration: return "duration";
    case OptionType::address: return "address";
  }
  return "?";
}

Result<OptionSetting> parse_option_setting(std::string_view text, std::string origin) {
  const auto eq = text.find('=');
  const std::string where = origin.empty() ? "" : " (" + printable(origin) + ")";
  if (eq == std::string_view::npos)
    return make_error(Errc::invalid_argument, "analyzer option '" + printable(text) + "'" + where + ": expected NAME.KEY=VALUE");
  const std::string_view lhs = text.substr(0, eq);
  const auto dot = lhs.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == lhs.size())
    return make_error(Errc::invalid_argument, "analyzer option '" + printable(text) + "'" + where +
                                                  ": expected NAME.KEY=VALUE (e.g. reporter.period=2s)");
  return OptionSetting{std::string(lhs.substr(0, dot)), std::string(lhs.substr(dot + 1)), std::string(text.substr(eq + 1)),
                       std::move(origin)};
}

Result<OptionValue> parse_option_value(OptionType type, std::string_view text) {
  const auto bad = [&] { return make_error(Errc::invalid_argument, expected_text(type)); };
  switch (type) {
    case OptionType::int_: {
      std::int64_t v = 0;
      if (!parse_integer(text, v)) return bad();
      return OptionValue{v};
    }
    case OptionType::uint: {
      std::uint64_t v = 0;
      if (text.starts_with('-') || !parse_integer(text, v)) return bad();
      return OptionValue{v};
    }
    case OptionType::double_: {
      double v = 0;
      if (!parse_double(text, v)) return bad();
      return OptionValue{v};
    }
    case OptionType::bool_: {
      const std::string l = lower(text);
      if (l == "true" || l == "yes" || l == "on" || l == "1") return OptionValue{true};
      if (l == "false" || l == "no" || l == "off" || l == "0") return OptionValue{false};
      return bad();
    }
    case OptionType::string: return OptionValue{std::string(text)};
    case OptionType::duration: {
      std::chrono::nanoseconds v{};
      if (!parse_duration(text, v)) return bad();
      return OptionValue{v};
    }
    case OptionType::address: {
      IpAddr a{};
      if (!parse_address(text, a)) return bad();
      return OptionValue{a};
    }
  }
  return bad();
}

bool OptionValues::has(const std::string& key) const { return values_.count(key) != 0; }

bool OptionValues::is_set(const std::string& key) const {
  const auto it = values_.find(key);
  return it != values_.end() && it->second.user_set;
}

void OptionValues::put(const std::string& key, OptionValue v, bool user_set) { values_[key] = Entry{std::move(v), user_set}; }

const OptionValues::Entry& OptionValues::entry(const std::string& key, OptionType t) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::invalid_argument("analyzer option '" + key + "' is not declared or has no value");
  if (it->second.value.index() != static_cast<std::size_t>(t))
    throw std::invalid_argument("analyzer option '" + key + "' is not of type " + std::string(to_string(t)));
  return it->second;
}

Result<OptionValues> resolve_options(std::string_view name, const std::vector<OptionSpec>& specs,
                                     const std::vector<OptionSetting>& settings) {
  OptionValues out;
  for (const auto& spec : specs) {
    // No default: the key has no value until the user gives one (has() tells).
    if (spec.default_value.empty() && spec.type != OptionType::string) continue;
    auto v = parse_option_value(spec.type, spec.default_value);
    if (!v)
      return make_error(Errc::internal, std::string(name) + "." + spec.key + ": its declared default '" +
                                            printable(spec.default_value) + "': " + v.error().message);
    out.put(spec.key, std::move(*v), false);
  }
  for (const auto& s : settings) {
    if (s.analyzer != name) continue;
    const OptionSpec* spec = nullptr;
    for (const auto& d : specs)
      if (d.key == s.key) spec = &d;
    if (!spec) {
      std::string keys;
      for (const auto& d : specs) keys += (keys.empty() ? "" : ", ") + d.key;
      return make_error(Errc::invalid_argument, "analyzer option " + describe(s) + ": unknown key (" + std::string(name) +
                                                    (keys.empty() ? " takes no options)" : " takes: " + keys + ")"));
    }
    auto v = parse_option_value(spec->type, s.value);
    if (!v) return make_error(Errc::invalid_argument, "analyzer option " + describe(s) + ": " + v.error().message);
    out.put(s.key, std::move(*v), true);
  }
  return out;
}

std::string format_duration(std::chrono::nanoseconds d) {
  const std::int64_t n = d.count();
  if (n != 0 && n % 1'000'000'000 == 0) return std::to_string(n / 1'000'000'000) + "s";
  if (n != 0 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "ms";
  if (n != 0 && n % 1'000 == 0) return std::to_string(n / 1'000) + "us";
  return std::to_string(n) + "ns";
}

std::string describe_options(std::string_view name, const std::vector<OptionSpec>& specs) {
  std::string s;
  for (const auto& o : specs) {
    s += "  " + std::string(name) + "." + o.key + "=" + std::string(to_string(o.type)) + "  " + o.help;
    if (!o.default_value.empty()) s += " (default " + o.default_value + ")";
    s += "\n";
  }
  return s;
}

}  // namespace riptide
