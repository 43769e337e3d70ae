#include "labbench/capture_tool.hpp"

#include <cctype>
#include <sstream>

#include "tools.hpp"

namespace riptide::labbench {

Result<std::unique_ptr<CaptureTool>> make_tool(const std::string& name) {
  if (name == "riptide") return make_riptide_tool();
  if (name == "tcpdump") return make_tcpdump_tool();
  if (name == "netsniff-ng") return make_netsniff_tool();
  if (name == "softflowd") return make_softflowd_tool();
  return make_error(Errc::not_found, "unknown tool '" + name + "' (riptide, tcpdump, netsniff-ng, softflowd)");
}

std::optional<std::uint64_t> number_before(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(label);
    if (at == std::string::npos) continue;
    std::size_t end = at;
    while (end > 0 && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
    std::size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(line[begin - 1]))) --begin;
    if (begin < end) return std::stoull(line.substr(begin, end - begin));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> number_after(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(label);
    if (at == std::string::npos) continue;
    std::size_t p = at + label.size();
    while (p < line.size() && !std::isdigit(static_cast<unsigned char>(line[p]))) {
      if (!std::isspace(static_cast<unsigned char>(line[p])) && line[p] != ':') break;
      ++p;
    }
    std::size_t e = p;
    while (e < line.size() && std::isdigit(static_cast<unsigned char>(line[e]))) ++e;
    if (e > p) return std::stoull(line.substr(p, e - p));
  }
  return std::nullopt;
}

}  // namespace riptide::labbench
