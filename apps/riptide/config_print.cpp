// The effective settings of a CLI11 app as a YAML config file (--print-config).
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "config_file.hpp"

namespace riptide::app {
namespace {

// Sections keep the order their first option was added in: the file reads like --help.
struct Tree {
  std::string name;
  std::vector<Tree> sections;  // a vector may hold its own, still incomplete, type; a pair may not
  std::vector<ConfigEntry> keys;

  Tree& child(const std::string& n) {
    for (auto& t : sections)
      if (t.name == n) return t;
    sections.push_back(Tree{n, {}, {}});
    return sections.back();
  }
};

// A scalar as YAML writes it: quoted only when it would otherwise read back as something else.
std::string scalar(const std::string& s) {
  YAML::Emitter e;
  e << s;
  return e.c_str();
}

std::string flow_list(const std::vector<std::string>& items) {
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  for (const auto& i : items) e << i;
  e << YAML::EndSeq;
  return e.c_str();
}

std::string comment_text(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s;
}

void emit(std::ostringstream& out, Tree& t, int depth) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  for (const auto& e : t.keys) {
    CLI::Option& o = *e.option;
    if (o.count() == 0) {
      // Not set: the bound variable still holds the built-in default; show it for reference.
      o.capture_default_str();
      std::string def = comment_text(o.get_default_str());
      if (def.empty() && o.get_expected_min() == 0) def = "false";  // a flag not given is off
      out << indent << "# " << e.key << ":" << (def.empty() ? "" : " " + def) << "\n";
      continue;
    }
    const auto& r = o.results();
    const bool is_flag = o.get_expected_min() == 0;
    const bool many = !is_flag && (o.get_items_expected_max() > 1 || o.get_expected_max() > 1);
    out << indent << scalar(e.key) << ": " << (many ? flow_list(r) : scalar(r.back())) << "\n";
  }
  for (auto& sub : t.sections) {
    out << indent << scalar(sub.name) << ":\n";
    emit(out, sub, depth + 1);
  }
}

}  // namespace

std::string config_to_yaml(CLI::App& app, const std::string& title) {
  Tree root;
  for (auto& e : config_entries(app)) {
    Tree* t = &root;
    for (const auto& part : e.section) t = &t->child(part);
    t->keys.push_back(std::move(e));
  }
  std::ostringstream out;
  if (!title.empty()) out << "# " << comment_text(title) << ": effective settings (--config reads this back)\n";
  out << "# Commented keys are not set and show their default; the command line overrides this file.\n";
  emit(out, root, 0);
  return out.str();
}

}  // namespace riptide::app
