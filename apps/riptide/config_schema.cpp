// Where each option lives in the config file, derived from its help group and name.
#include <map>
#include <set>

#include "config_file.hpp"

namespace riptide::app {
namespace {

// CLI11 files options nobody grouped under this heading.
constexpr const char* kUngrouped = "Options";

std::vector<std::string> split_section(const std::string& group) {
  std::vector<std::string> out;
  if (group.empty() || group == kUngrouped) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = group.find('.', start);
    out.push_back(group.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string key_of(const CLI::Option& o) {
  if (!o.get_lnames().empty()) return o.get_lnames().front();
  if (o.get_positional()) return o.get_name(true);
  if (!o.get_snames().empty()) return o.get_snames().front();
  return o.get_name();
}

std::string join_path(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += '.';
    s += p;
  }
  return s;
}

}  // namespace

namespace {

// Options can also sit in CLI11 option groups (nameless sub-apps, app.add_option_group(NAME)):
// there the group's name is the section unless the option names its own.
void collect(CLI::App& app, const std::string& inherited, std::vector<ConfigEntry>& out) {
  for (CLI::Option* o : app.get_options()) {
    if (o == app.get_help_ptr() || o == app.get_help_all_ptr() || o == app.get_config_ptr()) continue;
    if (!o->get_configurable()) continue;
    const std::string& g = o->get_group();
    out.push_back({split_section(g.empty() || g == kUngrouped ? inherited : g), key_of(*o), o});
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return a->get_name().empty(); }))
    collect(*sub, sub->get_group(), out);
}

}  // namespace

std::vector<ConfigEntry> config_entries(CLI::App& app) {
  std::vector<ConfigEntry> out;
  collect(app, "", out);
  return out;
}

std::string config_path(const ConfigEntry& e) {
  auto parts = e.section;
  parts.push_back(e.key);
  return join_path(parts);
}

std::vector<std::string> config_schema_problems(CLI::App& app) {
  std::vector<std::string> problems;
  const auto entries = config_entries(app);
  std::map<std::string, std::string> paths;  // path -> option
  std::set<std::string> sections;           // every map, at every depth
  for (const auto& e : entries) {
    const std::string name = e.option->get_name(true, true);
    if (e.section.empty()) problems.push_back(name + " has no config section: give it a ->group() named for its concern");
    for (const auto& part : e.section)
      if (part.empty()) problems.push_back(name + ": its group '" + e.option->get_group() + "' has an empty section name");
    for (std::size_t i = 1; i <= e.section.size(); ++i)
      sections.insert(join_path(std::vector<std::string>(e.section.begin(), e.section.begin() + static_cast<long>(i))));
    const auto [it, fresh] = paths.emplace(config_path(e), name);
    if (!fresh) problems.push_back(name + " and " + it->second + " share the config key " + it->first);
  }
  for (const auto& [path, name] : paths)
    if (sections.count(path)) problems.push_back(name + ": config key " + path + " is also a section");
  return problems;
}

}  // namespace riptide::app
