// Decode figures per encapsulation reach every view: each capture of the generated corpus
// (tests/data/encap) counts its packets under its own encapsulation in the registry, the
// Prometheus text and the report JSON, and each hostile one counts its error.
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

class Count final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "count"; }
  void on_packet(const PacketMeta&, const PacketView&) override {}
};

std::vector<std::unique_ptr<AnalyzerFactory>> count_only() {
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("count", [](std::size_t) { return std::make_unique<Count>(); }));
  return v;
}

std::string encap_file(const std::string& name) { return std::string(RIPTIDE_SOURCE_DIR) + "/tests/data/encap/" + name; }

RunReport run_file(const std::string& name, bool decap = true) {
  auto c = file_config(encap_file(name));
  c.decode.decap = decap;
  return run_engine(c, count_only());
}

// The registry's sample of `name` with label `key`=`value` (~0: none).
std::uint64_t sample(const RunReport& r, const std::string& name, const std::string& key, const std::string& value) {
  MetricsSnapshot s;
  s.samples = r.metrics;
  return s.get(name, key, value).value_or(~0ull);
}

TEST(EncapMetrics, EachCaptureCountsUnderItsEncapsulation) {
  // capture -> the encapsulation every one of its packets goes through
  const std::map<std::string, std::string> want = {
      {"pppoe_session.pcap", "pppoe"}, {"mpls_stack.pcap", "mpls"},   {"ipip_4in4.pcap", "ipip"},
      {"ipip_6in4.pcap", "ipip"},      {"ipip_4in6.pcap", "ipip"},    {"ipip_6in6.pcap", "ipip"},
      {"gre_ip.pcap", "gre"},          {"gre_key.pcap", "gre"},       {"gre_teb.pcap", "gre"},
      {"gre_erspan2.pcap", "erspan"},  {"gre_erspan3.pcap", "erspan"}, {"vxlan.pcap", "vxlan"},
      {"geneve.pcap", "geneve"},       {"gtpu.pcap", "gtpu"},         {"sll_gre.pcap", "gre"},
      {"vlan_vxlan_vlan.pcap", "vxlan"}};
  const char* kAll[] = {"pppoe", "mpls", "ipip", "gre", "vxlan", "geneve", "gtpu", "lisp", "erspan"};
  for (const auto& [file, encap] : want) {
    const RunReport r = run_file(file);
    ASSERT_GT(r.decode.packets, 0u) << file;
    const std::uint64_t n = r.decode.packets;
    const std::string prom = prometheus_text(MetricsSnapshot{r.metrics});
    const auto j = nlohmann::json::parse(report_json(r));
    for (const char* e : kAll) {
      // ERSPAN rides in GRE: its packets count under both.
      const bool in = e == encap || (encap == "erspan" && std::string(e) == "gre");
      const std::uint64_t expect = in ? n : 0;
      EXPECT_EQ(sample(r, "decode_encap_packets", "encap", e), expect) << file << " " << e;
      EXPECT_EQ(j.at("decode").at("encap").at(e).get<std::uint64_t>(), expect) << file << " " << e;
      EXPECT_NE(prom.find("riptide_decode_encap_packets_total{encap=\"" + std::string(e) + "\"} " +
                          std::to_string(expect) + "\n"),
                std::string::npos)
          << file << " " << e << "\n" << prom;
    }
    EXPECT_EQ(MetricsSnapshot{r.metrics}.total("decode_encap_errors").value_or(~0ull), 0u) << file;
  }
}

TEST(EncapMetrics, HostileCapturesCountTheirError) {
  const std::pair<const char*, const char*> want[] = {{"hostile_ipip_100.pcap", "too_many_tunnels"},
                                                      {"hostile_gre_loop.pcap", "too_many_tunnels"},
                                                      {"hostile_gtp_ext_loop.pcap", "truncated_gtp"},
                                                      {"hostile_mpls_no_bottom.pcap", "too_many_mpls_labels"}};
  for (const auto& [file, reason] : want) {
    const RunReport r = run_file(file);
    ASSERT_EQ(r.decode.packets, 1u) << file;
    EXPECT_EQ(sample(r, "decode_encap_errors", "reason", reason), 1u) << file;
    const auto j = nlohmann::json::parse(report_json(r));
    EXPECT_EQ(j.at("decode").at("errors").at(reason).get<std::uint64_t>(), 1u) << file;
    const std::string prom = prometheus_text(MetricsSnapshot{r.metrics});
    EXPECT_NE(prom.find(std::string("reason=\"") + reason + "\"} 1\n"), std::string::npos) << file << "\n" << prom;
    EXPECT_NE(format_report(r).find(std::string("decode errors  ") + reason + " 1"), std::string::npos)
        << format_report(r);
  }
  // VXLAN whose inner frames are bad: the tunnel was decoded through, the error is the inner link's.
  const RunReport bad = run_file("hostile_vxlan_bad_inner.pcap");
  EXPECT_EQ(sample(bad, "decode_encap_packets", "encap", "vxlan"), 3u);
}

TEST(EncapMetrics, OuterKeyingEntersNoTunnel) {
  const RunReport r = run_file("vxlan.pcap", false);
  EXPECT_EQ(r.decode.decoded_ok, r.decode.packets);
  EXPECT_EQ(sample(r, "decode_encap_packets", "encap", "vxlan"), 0u);
  // PPPoE and MPLS are below the outermost IP header: decoded through either way.
  EXPECT_EQ(sample(run_file("mpls_stack.pcap", false), "decode_encap_packets", "encap", "mpls"), 7u);
}

TEST(EncapMetrics, TextReportListsTheEncapsulations) {
  const RunReport r = run_file("gtpu.pcap");
  EXPECT_NE(format_report(r).find("decode encap  gtpu " + std::to_string(r.decode.packets)), std::string::npos)
      << format_report(r);
  EXPECT_EQ(format_report(run_file("gre_ip.pcap", false)).find("decode encap"), std::string::npos);
}

}  // namespace
}  // namespace riptide::test
