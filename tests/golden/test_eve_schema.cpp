// Every EVE flow record riptide writes validates against Suricata's published schema
// (tests/data/suricata_eve_schema.json, derived from OISF/suricata etc/schema.json; its
// "$comment" names the commit). The validator below covers the JSON Schema keywords that
// schema uses: type, properties, additionalProperties, required, pattern, items, minItems.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/shell.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool type_ok(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

void validate(const json& v, const json& schema, const std::string& at, std::vector<std::string>& errors) {
  if (schema.contains("type")) {
    const json& t = schema["type"];
    bool ok = false;
    if (t.is_array()) {
      for (const auto& x : t) ok = ok || type_ok(v, x.get<std::string>());
    } else {
      ok = type_ok(v, t.get<std::string>());
    }
    if (!ok) errors.push_back(at + ": not of type " + t.dump());
  }
  if (v.is_object()) {
    const json props = schema.value("properties", json::object());
    for (const auto& r : schema.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing " + r.get<std::string>());
    for (const auto& [k, x] : v.items()) {
      if (props.contains(k)) validate(x, props[k], at + "." + k, errors);
      else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false)
        errors.push_back(at + ": key not in the schema: " + k);
    }
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<std::size_t>()) errors.push_back(at + ": too few items");
    if (schema.contains("items"))
      for (std::size_t i = 0; i < v.size(); ++i) validate(v[i], schema["items"], at + "[" + std::to_string(i) + "]", errors);
  }
  if (v.is_string() && schema.contains("pattern") &&
      !std::regex_search(v.get<std::string>(), std::regex(schema["pattern"].get<std::string>())))
    errors.push_back(at + ": does not match " + schema["pattern"].get<std::string>());
}

json load_schema() {
  std::ifstream in(std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/suricata_eve_schema.json");
  return json::parse(in);
}

std::vector<std::string> records(const fs::path& capture, const std::string& extra) {
  const fs::path out = fs::temp_directory_path() / ("riptide-eve-schema-" + std::to_string(getpid()) + ".json");
  riptide::test::shell(std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide read -q -r '" + capture.string() +
                       "' --flows-json " + out.string() + " " + extra + " 2>&1");
  std::vector<std::string> lines;
  std::ifstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  fs::remove(out);
  return lines;
}

TEST(EveSchema, ValidatorRejectsWhatTheSchemaForbids) {
  const json schema = load_schema();
  std::vector<std::string> errors;
  validate(json::parse(R"({"event_type":"flow","timestamp":"2024-01-02T03:04:05.1+0000","flow":{"ip_bytes_toserver":1}})"),
           schema, "$", errors);
  EXPECT_EQ(errors.size(), 1u);
  errors.clear();
  validate(json::parse(R"({"event_type":"flow","timestamp":"yesterday","riptide":{}})"), schema, "$", errors);
  EXPECT_EQ(errors.size(), 2u);
  errors.clear();
  validate(json::parse(R"({"timestamp":"2024-01-02T03:04:05.1+0000","src_port":"80"})"), schema, "$", errors);
  EXPECT_EQ(errors.size(), 2u);  // event_type missing, src_port not an integer
}

// Plain, VLAN, IPv6, ICMP, fragments, and every tunnel of the generated corpus.
TEST(EveSchema, EveryFlowRecordValidates) {
  const json schema = load_schema();
  std::vector<fs::path> captures;
  for (const char* rel : {"PcapExamples/example.pcap", "PcapExamples/DnsPackets.pcap", "PcapExamples/VlanPackets.pcap",
                          "PcapExamples/four_ipv6_http_streams.pcap", "PcapExamples/ip4_fragments.pcap",
                          "PacketExamples/GrePackets.pcap", "PacketExamples/gtp.pcap", "pcap_examples/many-protocols.pcap"})
    captures.push_back(fs::path(RIPTIDE_PCAP_DIR) / rel);
  for (const auto& e : fs::directory_iterator(fs::path(RIPTIDE_SOURCE_DIR) / "tests/data/encap")) captures.push_back(e.path());
  std::size_t checked = 0, tunnelled = 0;
  for (const auto& c : captures) {
    // Keyed by the inner conversations (default) and, for the tunnels, by the transport.
    const bool encap = c.parent_path().filename() == "encap";
    for (const char* key : {"", "--flow-key outer"}) {
      if (*key && !encap) continue;
      for (const auto& line : records(c, key)) {
        const json j = json::parse(line, nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << line;
        std::vector<std::string> errors;
        validate(j, schema, "$", errors);
        for (const auto& err : errors) ADD_FAILURE() << c.filename() << ": " << err << "\n" << line;
        // Suricata writes app_proto in every flow event; riptide knows no application.
        EXPECT_EQ(j.value("app_proto", ""), "unknown") << c.filename() << ": " << line;
        EXPECT_FALSE(j.contains("in_iface")) << "a file read has no interface: " << line;
        ++checked;
        tunnelled += j.contains("tunnel");
      }
    }
  }
  EXPECT_GT(checked, 500u);
  EXPECT_GT(tunnelled, 20u);
}

// What riptide adds beyond EVE stays in the "riptide" object, which strict consumers drop:
// without it a record validates; MPLS labels are there.
TEST(EveSchema, ExtensionsStayInTheirObject) {
  const json schema = load_schema();
  const fs::path mpls = fs::path(RIPTIDE_SOURCE_DIR) / "tests/data/encap/mpls_stack.pcap";
  std::size_t labelled = 0;
  for (const auto& line : records(mpls, "--eve-extensions")) {
    json j = json::parse(line);
    ASSERT_TRUE(j.contains("riptide")) << line;
    EXPECT_EQ(j["riptide"]["mpls_labels"], json::parse("[100,200]")) << line;
    labelled += j["riptide"].contains("mpls_labels");
    j.erase("riptide");
    std::vector<std::string> errors;
    validate(j, schema, "$", errors);
    for (const auto& err : errors) ADD_FAILURE() << err << "\n" << line;
  }
  EXPECT_EQ(labelled, 3u);  // TCP, UDP, ICMP
}

}  // namespace
