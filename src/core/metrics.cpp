#include "riptide/core/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace riptide {

MetricValue MetricsSnapshot::total(std::string_view name) const {
  MetricValue sum;
  for (const auto& s : samples) {
    if (s.desc.name != name) continue;
    if (!s.value) return std::nullopt;
    sum = sum.value_or(0) + *s.value;
  }
  return sum;
}

MetricValue MetricsSnapshot::get(std::string_view name, std::string_view key, std::string_view value) const {
  for (const auto& s : samples) {
    if (s.desc.name != name) continue;
    for (const auto& [k, v] : s.desc.labels)
      if (k == key && v == value) return s.value;
  }
  return std::nullopt;
}

bool MetricsSnapshot::has(std::string_view name) const {
  return std::any_of(samples.begin(), samples.end(), [&](const MetricSample& s) { return s.desc.name == name; });
}

void MetricsRegistry::add_group(std::vector<MetricDesc> descs, GroupReader read) {
  std::lock_guard lk(mu_);
  groups_.push_back(Group{std::move(descs), std::move(read)});
}

void MetricsRegistry::add(MetricDesc desc, Reader read) {
  std::vector<MetricDesc> one;
  one.push_back(std::move(desc));
  add_group(std::move(one), [r = std::move(read)](std::span<MetricValue> v) { v[0] = r(); });
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  std::lock_guard lk(mu_);
  MetricsSnapshot s;
  std::vector<MetricValue> values;
  for (const auto& g : groups_) {
    values.assign(g.descs.size(), std::nullopt);
    g.read(values);
    for (std::size_t i = 0; i < g.descs.size(); ++i) s.samples.push_back({g.descs[i], values[i]});
  }
  return s;
}

namespace {

// Label values are escaped as the format asks: backslash, double quote and newline.
std::string escape_label(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\') o += "\\\\";
    else if (c == '"') o += "\\\"";
    else if (c == '\n') o += "\\n";
    else o += c;
  }
  return o;
}

std::string escape_help(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else o += c;
  }
  return o;
}

}  // namespace

std::string prometheus_text(const MetricsSnapshot& s, std::string_view prefix) {
  // Samples of one family must be contiguous in the exposition: group them by name in the
  // order each name first appears.
  std::vector<std::string> order;
  for (const auto& x : s.samples)
    if (std::find(order.begin(), order.end(), x.desc.name) == order.end()) order.push_back(x.desc.name);
  std::string o;
  for (const auto& name : order) {
    const MetricSample* first = nullptr;
    for (const auto& x : s.samples)
      if (x.desc.name == name) {
        first = &x;
        break;
      }
    const bool counter = first->desc.type == MetricType::counter;
    std::string family = std::string(prefix) + name + (counter ? "_total" : "");
    std::string help = first->desc.help;
    if (!first->desc.advice.empty()) help += " (if not zero: " + first->desc.advice + ")";
    o += "# HELP " + family + " " + escape_help(help) + "\n";
    o += "# TYPE " + family + (counter ? " counter\n" : " gauge\n");
    for (const auto& x : s.samples) {
      if (x.desc.name != name || !x.value) continue;
      o += family;
      if (!x.desc.labels.empty()) {
        o += '{';
        bool firstl = true;
        for (const auto& [k, v] : x.desc.labels) {
          if (!firstl) o += ',';
          firstl = false;
          o += k + "=\"" + escape_label(v) + "\"";
        }
        o += '}';
      }
      char num[48];
      if (x.desc.per_unit > 1)
        std::snprintf(num, sizeof num, " %.9g\n", static_cast<double>(*x.value) / static_cast<double>(x.desc.per_unit));
      else
        std::snprintf(num, sizeof num, " %llu\n", static_cast<unsigned long long>(*x.value));
      o += num;
    }
  }
  return o;
}

}  // namespace riptide
