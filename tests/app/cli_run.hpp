#pragma once
// The riptide binary run from tests/app: a private temporary folder, the command's exit status,
// stdout and stderr, and small file helpers.
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/shell.hpp"

namespace riptide::test::cli {

inline const std::string kRiptide = std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide";

struct Dir {
  std::filesystem::path path;
  Dir() {
    char tmpl[] = "/tmp/riptide_cli_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

struct Outcome {
  int status;
  std::string out, err;
};

// argv as one shell line (the tests' own paths hold no quotes).
inline Outcome run(const Dir& d, const std::string& args) {
  const std::string errf = d / "stderr.txt";
  const auto r = shell(kRiptide + " " + args + " 2>'" + errf + "'");
  return {r.status, r.out, slurp(errf)};
}

inline void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace riptide::test::cli
