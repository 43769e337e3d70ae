#pragma once
// Options of an analyzer: `--analyzer-opt NAME.KEY=VALUE` on the command line, or
//   analyzers:
//     NAME:
//       KEY: VALUE
// in the config file. A factory declares what it takes (AnalyzerFactory::options()): each
// key with its type, default and help. The engine parses every setting against the
// declaration of the factory whose name() is NAME before any thread starts, and hands the
// typed values to AnalyzerFactory::configure(). An unknown NAME or KEY, or a VALUE that does
// not parse as the key's type, stops the run with one line naming the setting (status 2).
//
// Value syntax per type:
//   int, uint  decimal (0x.. hex accepted), range of int64 / uint64
//   double     a decimal number
//   bool       true/false, yes/no, on/off, 1/0
//   string     anything, taken as written
//   duration   a number with a unit: ns, us, ms, s, m, h (e.g. 250ms, 1.5s); a bare number is seconds
//   address    an IPv4 or IPv6 address
// A key given twice keeps the last value: the command line comes after the config file.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/decode/ip_addr.hpp"

namespace riptide {

enum class OptionType : std::uint8_t { int_, uint, double_, bool_, string, duration, address };

std::string_view to_string(OptionType t) noexcept;

// One key an analyzer takes. `default_value` is written in the option's own syntax (it is
// parsed like a user's value, so a bad default is a bug the first run shows); empty, for any
// type but string, means no default: the key has no value unless the user gives one.
struct OptionSpec {
  std::string key;
  OptionType type = OptionType::string;
  std::string default_value;
  std::string help;
};

// One setting as the user wrote it. `origin` says where ("--analyzer-opt", "FILE:LINE") for
// the error message.
struct OptionSetting {
  std::string analyzer;
  std::string key;
  std::string value;
  std::string origin;
};

// "NAME.KEY=VALUE" -> setting. The name ends at the last '.' before the '=' (analyzer names
// may hold dots, keys may not). One-line error for anything else.
Result<OptionSetting> parse_option_setting(std::string_view text, std::string origin = "--analyzer-opt");

using OptionValue = std::variant<std::int64_t, std::uint64_t, double, bool, std::string, std::chrono::nanoseconds, IpAddr>;

// Parses one value as `type`; the error says what was expected.
Result<OptionValue> parse_option_value(OptionType type, std::string_view text);

// The typed values of one analyzer: every declared key, from the user or its default.
// The getters throw std::invalid_argument for a key not declared or asked as another type: a
// factory that reads its own declaration wrongly fails at once, in configure().
class OptionValues {
 public:
  std::int64_t get_int(const std::string& key) const { return get<std::int64_t>(key, OptionType::int_); }
  std::uint64_t get_uint(const std::string& key) const { return get<std::uint64_t>(key, OptionType::uint); }
  double get_double(const std::string& key) const { return get<double>(key, OptionType::double_); }
  bool get_bool(const std::string& key) const { return get<bool>(key, OptionType::bool_); }
  const std::string& get_string(const std::string& key) const { return get<std::string>(key, OptionType::string); }
  std::chrono::nanoseconds get_duration(const std::string& key) const {
    return get<std::chrono::nanoseconds>(key, OptionType::duration);
  }
  const IpAddr& get_address(const std::string& key) const { return get<IpAddr>(key, OptionType::address); }
  // True when the key has a value (the user's or a default).
  bool has(const std::string& key) const;
  // True when the user gave the key (command line or file), false when it holds its default.
  bool is_set(const std::string& key) const;
  bool empty() const noexcept { return values_.empty(); }

  void put(const std::string& key, OptionValue v, bool user_set);

 private:
  template <class T>
  const T& get(const std::string& key, OptionType t) const {
    const auto& e = entry(key, t);
    return std::get<T>(e.value);
  }
  struct Entry {
    OptionValue value;
    bool user_set = false;
  };
  const Entry& entry(const std::string& key, OptionType t) const;
  std::map<std::string, Entry> values_;
};

// The values of analyzer `name` from its declaration and the settings addressed to it (others
// are ignored). Error: "NAME.KEY=VALUE (ORIGIN): unknown key (NAME takes: a, b)" or
// "... : expected a duration such as 500ms".
Result<OptionValues> resolve_options(std::string_view name, const std::vector<OptionSpec>& specs,
                                     const std::vector<OptionSetting>& settings);

// A duration in the syntax above, exact: "2s", "250ms", "1500us", "7ns" (for declared defaults).
std::string format_duration(std::chrono::nanoseconds d);

// Help text of a declaration: one line per key, "  NAME.KEY=TYPE  help (default D)".
std::string describe_options(std::string_view name, const std::vector<OptionSpec>& specs);

}  // namespace riptide
