#pragma once
#include <memory>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"

namespace riptide::app {

// The analyzer class of a Python file (FILE.py or FILE.py:ARGS). wait_for_python: a file
// run, where the batches wait for Python instead of being dropped at its queue.
Result<std::unique_ptr<AnalyzerFactory>> load_python_analyzer(const std::string& file, bool wait_for_python);

}  // namespace riptide::app
