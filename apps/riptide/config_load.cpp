// YAML config file -> the options of a CLI11 app, through each option's own conversion and checks.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "config_file.hpp"

namespace riptide::app {
namespace {

// A config file is a page of settings: anything this large is not one (and the cap bounds the
// parser's memory on hostile input).
constexpr std::size_t kMaxConfigBytes = 1u << 20;

struct Section {
  std::string name;
  std::vector<Section> sections;  // a vector may hold its own, still incomplete, type; a map may not
  std::map<std::string, CLI::Option*> keys;

  const Section* find(const std::string& n) const {
    for (const auto& s : sections)
      if (s.name == n) return &s;
    return nullptr;
  }
  Section& child(const std::string& n) {
    for (auto& s : sections)
      if (s.name == n) return s;
    sections.push_back(Section{n, {}, {}});
    return sections.back();
  }
};

Section build_tree(CLI::App& app) {
  Section root;
  for (const auto& e : config_entries(app)) {
    Section* s = &root;
    for (const auto& part : e.section) s = &s->child(part);
    s->keys.emplace(e.key, e.option);
  }
  return root;
}

// Where `key` would be accepted, for the hint on a misplaced key ("" if nowhere).
std::string find_key(const Section& s, const std::string& key, const std::string& prefix) {
  if (s.keys.count(key)) return prefix.empty() ? "the top level" : prefix;
  for (const auto& sub : s.sections) {
    auto where = find_key(sub, key, prefix.empty() ? sub.name : prefix + "." + sub.name);
    if (!where.empty()) return where;
  }
  return "";
}

// One line, whatever the file held: control characters would split or garble the message.
std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

class Loader {
 public:
  Loader(CLI::App& app, std::string name)
      : name_(std::move(name)), root_(build_tree(app)), aopt_(app.get_option_no_throw(kAnalyzerOptFlag)) {}

  void load(const std::string& text) {
    // One document through YAML::Load: yaml-cpp 0.7's LoadAll can loop forever, allocating, on
    // some malformed input (found by fuzz_config), so a second document is found by its marker.
    if (const int line = second_document_line(text)) {
      YAML::Mark m;
      m.line = line - 1;
      fail(m, "", "holds several YAML documents; one is read");
    }
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "", "not valid YAML: " + e.msg);
    }
    if (!doc.IsDefined() || doc.IsNull()) return;
    if (!doc.IsMap()) fail(doc.Mark(), "", "expected sections (a map such as 'capture:'), not a value or a list");
    walk(doc, root_, "");
    merge_analyzer_opts();
  }

  // The line of a "---" that starts a second document (0: none). A marker is at column 0, which
  // no content inside the top-level map can be on.
  static int second_document_line(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    bool content = false;
    for (int n = 1; std::getline(in, line); ++n) {
      const bool marker = line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
      if (marker && content) return n;
      const auto first = line.find_first_not_of(" \t\r");
      if (marker || (first != std::string::npos && line[first] != '#')) content = true;
    }
    return 0;
  }

 private:
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& path, const std::string& why) const {
    std::string msg = name_;
    if (!mark.is_null()) msg += ":" + std::to_string(mark.line + 1);
    msg += ": ";
    if (!path.empty()) msg += path + ": ";
    msg += why;
    throw CLI::ConfigError(one_line(msg));
  }

  void walk(const YAML::Node& map, const Section& section, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& pair : map) {
      // Copies: yaml-cpp's iterator hands out a temporary pair, so references into it dangle.
      const YAML::Node k = pair.first;
      const YAML::Node v = pair.second;
      if (!k.IsScalar()) fail(k.Mark(), prefix, "a key must be a plain name");
      const std::string key = k.Scalar();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!seen.insert(key).second) fail(k.Mark(), path, "given twice");
      if (const Section* sub = section.find(key)) {
        if (v.IsNull()) continue;  // an empty section, as --print-config writes one with only comments
        if (!v.IsMap()) fail(mark_of(v, k), path, "is a section: expected keys under it");
        walk(v, *sub, path);
      } else if (auto opt = section.keys.find(key); opt != section.keys.end()) {
        apply(*opt->second, k, v, path);
      } else if (const std::string a = analyzer_of(prefix); aopt_ && !a.empty()) {
        add_analyzer_opt(a, key, k, v, path);  // analyzers.NAME.KEY: an analyzer's own option
      } else if (aopt_ && prefix == kAnalyzersSection && v.IsMap()) {
        walk(v, Section{key, {}, {}}, path);  // analyzers.NAME of a plugin: every key is its option
      } else {
        const std::string where = find_key(root_, key, "");
        fail(k.Mark(), path, where.empty() ? "unknown key" : "unknown key here (" + key + " belongs in " + where + ")");
      }
    }
  }

  static YAML::Mark mark_of(const YAML::Node& v, const YAML::Node& k) {
    // An empty value has no text of its own; its mark points past it, at the next line.
    const YAML::Mark m = v.Mark();
    return m.is_null() || v.IsNull() ? k.Mark() : m;
  }

  // "reporter" for "analyzers.reporter": keys there that no flag claims go to that analyzer.
  static std::string analyzer_of(const std::string& prefix) {
    const std::string head = std::string(kAnalyzersSection) + ".";
    if (prefix.rfind(head, 0) != 0 || prefix.find('.', head.size()) != std::string::npos) return "";
    return prefix.substr(head.size());
  }

  void add_analyzer_opt(const std::string& analyzer, const std::string& key, const YAML::Node& k, const YAML::Node& v,
                        const std::string& path) {
    const YAML::Mark mark = mark_of(v, k);
    if (v.IsNull()) fail(mark, path, "has no value");
    if (!v.IsScalar()) fail(mark, path, "an analyzer option takes one value, not a list or a section");
    if (key.find_first_of(".=") != std::string::npos) fail(k.Mark(), path, "an analyzer option's key holds no '.' or '='");
    record_analyzer_opt(analyzer + "." + key + "=" + v.Scalar(), mark);
  }

  void record_analyzer_opt(const std::string& setting, const YAML::Mark& mark) {
    file_aopts_.push_back(setting);
    analyzer_opt_origins()[setting] = name_ + ":" + std::to_string(mark.line + 1);
  }

  // The file's settings go before the command line's: the last value of a key wins.
  void merge_analyzer_opts() {
    if (!aopt_ || file_aopts_.empty()) return;
    std::vector<std::string> all = file_aopts_;
    const auto& cli = aopt_->results();
    all.insert(all.end(), cli.begin(), cli.end());
    aopt_->clear();
    aopt_->add_result(all);
    aopt_->run_callback();
  }

  void apply(CLI::Option& opt, const YAML::Node& k, const YAML::Node& v, const std::string& path) {
    const YAML::Mark mark = mark_of(v, k);
    if (&opt == aopt_ && v.IsSequence()) {
      // analyzers.analyzer-opt: [NAME.KEY=VALUE, ...], as --print-config writes them: merged
      // with the command line's, not replaced by them.
      for (const auto& item : v) {
        if (!item.IsScalar()) fail(mark_of(item, k), path, "list items must be plain values");
        record_analyzer_opt(item.Scalar(), mark_of(item, k));
      }
      return;
    }
    if (&opt == aopt_ && v.IsScalar()) {
      record_analyzer_opt(v.Scalar(), mark);
      return;
    }
    std::vector<std::string> values;
    const bool is_flag = opt.get_expected_min() == 0;
    const bool many = !is_flag && (opt.get_items_expected_max() > 1 || opt.get_expected_max() > 1);
    if (v.IsNull()) fail(mark, path, "has no value");
    if (v.IsMap()) fail(mark, path, "expects a value, not a section");
    if (v.IsSequence()) {
      if (!many) fail(mark, path, "takes one value, not a list");
      for (const auto& item : v) {
        if (!item.IsScalar()) fail(mark_of(item, k), path, "list items must be plain values");
        values.push_back(item.Scalar());
      }
      if (values.empty()) return;  // nothing listed: the default stands
    } else {
      values.push_back(v.Scalar());
    }
    if (!opt.empty()) return;  // given on the command line, which overrides the file
    try {
      if (is_flag) {
        opt.add_result(opt.get_flag_value(opt.get_lnames().empty() ? opt.get_name() : opt.get_lnames().front(), values[0]));
      } else {
        opt.add_result(values);
      }
      // Now, not later with the command line's options: an error here belongs to this line.
      opt.run_callback();
    } catch (const CLI::ParseError& e) {
      std::string why = e.what();
      // CLI11 starts its messages with the option's name; the path says it in file terms.
      const std::string name = opt.get_name();
      if (why.rfind(name + ": ", 0) == 0) why.erase(0, name.size() + 2);
      fail(mark, path, why);
    }
  }

  std::string name_;
  Section root_;
  CLI::Option* aopt_;                   // --analyzer-opt, when the app has it
  std::vector<std::string> file_aopts_;  // its settings from this file, in file order
};

}  // namespace

std::map<std::string, std::string>& analyzer_opt_origins() {
  static std::map<std::string, std::string> origins;
  return origins;
}

void apply_yaml_config(CLI::App& app, std::istream& in, const std::string& name) {
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) throw CLI::ConfigError(one_line(name + ": larger than 1 MiB; not a config file"));
  if (text.find('\0') != std::string::npos) throw CLI::ConfigError(one_line(name + ": holds a NUL byte; not a YAML text file"));
  Loader(app, name).load(text);
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& in) const {
  const CLI::Option* cfg = app_->get_config_ptr();
  const std::string name = cfg && !cfg->results().empty() ? cfg->results().back() : "config";
  apply_yaml_config(*app_, in, name);
  return {};  // applied above, where the line of every value is known
}

std::string YamlConfig::to_config(const CLI::App*, bool, bool, std::string) const { return config_to_yaml(*app_, ""); }

void add_config_options(CLI::App& app) {
  app.config_formatter(std::make_shared<YamlConfig>(app));
  app.set_config("--config", "", "read settings from this YAML file; the command line overrides it")
      ->expected(1)
      ->check(CLI::ExistingFile)
      ->option_text("FILE")
      ->group("config file");
  app.add_flag("--print-config")
      ->description("print the effective settings as YAML (what --config reads) and exit")
      ->configurable(false)
      ->group("config file");
  app.footer(
      "Every option can be set in the --config file: the heading it is listed under is its section "
      "(a.b is map b inside map a), its key is the long name without dashes (the filter: capture.expression), e.g.\n"
      "  capture:\n    threads: 2\n  analyzers:\n    analyzer: [reporter]\n"
      "--print-config prints a complete file to start from.");
}

int print_config_if_asked(CLI::App& app, const char* cmd) {
  if (app.count("--print-config") == 0) return -1;
  const std::string text = config_to_yaml(app, std::string("riptide ") + cmd);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace riptide::app
