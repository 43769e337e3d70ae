#pragma once
// Hands each analyzer factory its options (--analyzer-opt, the config file's analyzers.NAME)
// before any thread starts; see analyzer_options.hpp.
#include <memory>
#include <vector>

#include "riptide/analyze/analyzer.hpp"

namespace riptide::engine {

// Every setting must name a running factory and a key it declares, with a value of the key's
// type; each factory that declares options gets configure() once. One-line error otherwise.
Result<void> configure_analyzers(const std::vector<std::unique_ptr<AnalyzerFactory>>& factories,
                                 const std::vector<OptionSetting>& settings);

}  // namespace riptide::engine
