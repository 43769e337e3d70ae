#include "engine/configure_analyzers.hpp"

#include <exception>

namespace riptide::engine {

Result<void> configure_analyzers(const std::vector<std::unique_ptr<AnalyzerFactory>>& factories,
                                 const std::vector<OptionSetting>& settings) {
  for (const auto& s : settings) {
    bool found = false;
    for (const auto& f : factories) found = found || f->name() == s.analyzer;
    if (found) continue;
    std::string names;
    for (const auto& f : factories) names += (names.empty() ? "" : ", ") + std::string(f->name());
    std::string text = s.analyzer + "." + s.key + "=" + s.value;
    if (text.size() > 200) text.resize(200);
    for (char& c : text)
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    return make_error(Errc::invalid_argument, "analyzer option " + text + (s.origin.empty() ? "" : " (" + s.origin + ")") +
                                                  ": no analyzer named '" + s.analyzer + "' runs (running: " + names + ")");
  }
  for (const auto& f : factories) {
    std::vector<OptionSpec> specs;
    try {
      specs = f->options();
    } catch (const std::exception& e) {
      return make_error(Errc::invalid_argument, std::string(f->name()) + ": options() threw: " + e.what());
    }
    if (specs.empty()) continue;
    auto values = resolve_options(f->name(), specs, settings);
    if (!values) return values.error();
    try {
      if (auto r = f->configure(*values); !r) return make_error(r.error().code, std::string(f->name()) + ": " + r.error().message);
    } catch (const std::exception& e) {
      return make_error(Errc::invalid_argument, std::string(f->name()) + ": its options were refused: " + e.what());
    }
  }
  return {};
}

}  // namespace riptide::engine
