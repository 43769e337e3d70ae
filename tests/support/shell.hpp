#pragma once
// Running a shell command from a test and reading what it printed.
#include <string>

namespace riptide::test {

struct ShellResult {
  int status = -1;  // exit status; 128 + signal when killed; -1 when it could not start
  std::string out;  // standard output (append 2>&1 to the command for standard error too)
};

ShellResult shell(const std::string& cmd);

}  // namespace riptide::test
