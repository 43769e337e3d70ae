#pragma once
// A run's settings from the keyword arguments of riptide.read() / capture() / run(): checked
// here, with riptide's one-line messages, before anything is opened.
#include <pybind11/pybind11.h>

#include "session.hpp"

namespace riptide::py {

// Throws ConfigError (Python: riptide.Error, a ValueError) on an unknown key or a bad value.
SessionConfig parse_config(const pybind11::dict& kw);

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace riptide::py
