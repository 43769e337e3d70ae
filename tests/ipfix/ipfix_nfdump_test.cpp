// Integration with Debian's nfdump: nfcapd on loopback receives riptide's IPFIX export of
// every capture in the corpus (`riptide read --ipfix`), then nfdump reads the flows back.
// They must be riptide's own (its --flows-json of the same runs), exactly: the same flows,
// per-direction packets and IP bytes (octetDeltaCount is the IP length, RFC 7012), start and
// end to the millisecond, end never before start, and 0 sequence failures.
//
// Each run exports with its own observation domain (--ipfix-domain): nfcapd follows the
// sequence per exporter address and domain, and every run starts counting at 0.
// Skipped when nfdump is not installed, unless CI is set: there a missing tool fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/shell.hpp"
#include "riptide/flow/ip_proto_name.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kRiptide = std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::string(ci) != "0" && std::string(ci) != "false";
}

bool have(const std::string& tool) { return riptide::test::shell("command -v " + tool + " >/dev/null 2>&1").status == 0; }

// A UDP port on 127.0.0.1 nobody holds right now.
std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_taken(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  ::close(fd);
  return taken;
}

// nfcapd as a child in the foreground; stopped (SIGTERM, then SIGKILL) by stop() or on
// destruction, so a failing assertion never leaves it running.
class Nfcapd {
 public:
  Nfcapd(std::uint16_t port, const fs::path& dir, const fs::path& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
      const std::string p = std::to_string(port);
      // -B: room for a capture's flows arriving in one burst; -t: no rotation within the test.
      ::execlp("nfcapd", "nfcapd", "-b", "127.0.0.1", "-p", p.c_str(), "-w", dir.c_str(), "-B", "4194304", "-t", "3600",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Nfcapd() { stop(); }
  bool running() const { return pid_ > 0; }
  // Ends nfcapd, which writes its file out; the exit status, or -1 if it had to be killed.
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return status_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

std::string canon_ip(const std::string& text) {
  std::uint8_t b[16];
  char out[INET6_ADDRSTRLEN] = {};
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), b) != 1) return "bad:" + text;
    inet_ntop(AF_INET6, b, out, sizeof out);
    return out;
  }
  return text;
}

bool has_ports(int proto) { return proto == 6 || proto == 17 || proto == 132 || proto == 136; }

// EVE's "proto" is the IANA keyword ("TCP", "GRE", "IPv6-ICMP"), or the number where the
// registry has no keyword.
int proto_number(const nlohmann::json& p) {
  const std::string s = p.get<std::string>();
  for (int n = 0; n < 256; ++n) {
    if (riptide::flow_detail::ip_proto_name(static_cast<std::uint8_t>(n)) == s) return n;
  }
  return std::stoi(s);
}

struct Flow {
  std::string key;  // proto, endpoints, vlan, start/end to the millisecond
  std::uint64_t ipkt = 0, ibyt = 0, opkt = 0, obyt = 0;
  std::string text() const {
    return key + " " + std::to_string(ipkt) + "/" + std::to_string(ibyt) + " " + std::to_string(opkt) + "/" +
           std::to_string(obyt);
  }
};

std::string make_key(int proto, const std::string& sa, const std::string& da, int sp, int dp, int vlan,
                     const std::string& first, const std::string& last) {
  if (!has_ports(proto)) sp = dp = 0;  // nfdump puts the ICMP type/code in the port
  return std::to_string(proto) + " " + canon_ip(sa) + ":" + std::to_string(sp) + " > " + canon_ip(da) + ":" +
         std::to_string(dp) + " vlan " + std::to_string(vlan) + " " + first + " " + last;
}

// riptide's EVE line; its times are microseconds, "2013-05-02T20:20:41.504207+0000".
Flow from_eve(const nlohmann::json& j) {
  const auto& f = j.at("flow");
  const int proto = proto_number(j.at("proto"));
  const int vlan = j.contains("vlan") ? j["vlan"][0].get<int>() : 0;
  Flow x;
  x.key = make_key(proto, j.at("src_ip"), j.at("dest_ip"), j.value("src_port", 0), j.value("dest_port", 0), vlan,
                   f.at("start").get<std::string>().substr(0, 23), f.at("end").get<std::string>().substr(0, 23));
  // IP-header bytes (what IPFIX's octetDeltaCount counts) are in riptide's EVE extensions.
  const auto& ext = j.at("riptide");
  x.ipkt = f.at("pkts_toserver"), x.ibyt = ext.at("ip_bytes_toserver");
  x.opkt = f.at("pkts_toclient"), x.obyt = ext.at("ip_bytes_toclient");
  return x;
}

// nfdump -o json (1.7), run with TZ=UTC: "first":"2013-05-02T20:20:41.504".
Flow from_nfdump(const nlohmann::json& j) {
  const int proto = j.at("proto");
  const bool v6 = j.contains("src6_addr");
  Flow x;
  x.key = make_key(proto, j.at(v6 ? "src6_addr" : "src4_addr"), j.at(v6 ? "dst6_addr" : "dst4_addr"), j.value("src_port", 0),
                   j.value("dst_port", 0), j.value("src_vlan", 0), j.at("first"), j.at("last"));
  x.ipkt = j.at("in_packets"), x.ibyt = j.at("in_bytes");
  x.opkt = j.value("out_packets", 0ull), x.obyt = j.value("out_bytes", 0ull);
  return x;
}

std::uint64_t stat_field(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + ": ");
  if (at == std::string::npos) return ~0ull;
  return std::stoull(text.substr(at + name.size() + 3));
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> v;
  for (const auto& e : fs::recursive_directory_iterator(RIPTIDE_PCAP_DIR)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

TEST(IpfixNfdump, NfdumpReadsBackEveryCaptureExactly) {
  if (!have("nfcapd") || !have("nfdump")) {
    if (in_ci()) FAIL() << "nfcapd/nfdump not installed (Debian package nfdump) and CI is set";
    GTEST_SKIP() << "nfdump not installed";
  }
  const fs::path tmp = fs::temp_directory_path() / ("riptide_ipfix_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "flows");
  fs::create_directories(tmp / "json");
  struct Cleanup {
    fs::path p;
    ~Cleanup() { fs::remove_all(p); }
  } cleanup{tmp};

  std::uint16_t port = 0;
  std::unique_ptr<Nfcapd> nfcapd;
  for (int attempt = 0; attempt < 5 && !nfcapd; ++attempt) {
    port = free_udp_port();
    auto n = std::make_unique<Nfcapd>(port, tmp / "flows", tmp / "nfcapd.log");
    ASSERT_TRUE(n->running());
    for (int i = 0; i < 100 && !port_taken(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (port_taken(port)) nfcapd = std::move(n);
  }
  ASSERT_TRUE(nfcapd) << "nfcapd did not bind a port";

  const auto files = corpus();
  ASSERT_GT(files.size(), 100u);
  std::multiset<std::string> ours;
  std::uint64_t flows = 0, packets = 0, bytes = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const fs::path json = tmp / "json" / (std::to_string(i) + ".json");
    const std::string cmd = kRiptide + " read -q -r '" + files[i].string() + "' --ipfix 127.0.0.1:" + std::to_string(port) +
                            " --ipfix-domain " + std::to_string(i + 1) + " --eve-extensions --flows-json '" + json.string() + "' 2>&1";
    const auto r = riptide::test::shell(cmd);
    ASSERT_EQ(r.status, 0) << files[i] << "\n" << r.out;
    std::ifstream in(json);
    for (std::string line; std::getline(in, line);) {
      const Flow f = from_eve(nlohmann::json::parse(line));
      ours.insert(f.text());
      ++flows;
      packets += f.ipkt + f.opkt;
      bytes += f.ibyt + f.obyt;
    }
  }
  ASSERT_GT(flows, 1000u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last datagrams reach nfcapd
  EXPECT_EQ(nfcapd->stop(), 0);
  std::ifstream log_in(tmp / "nfcapd.log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());

  const std::string dir = (tmp / "flows").string();
  const auto dump = riptide::test::shell("TZ=UTC nfdump -R '" + dir + "' -o json 2>&1");
  ASSERT_EQ(dump.status, 0) << dump.out.substr(0, 2000);
  const auto arr = nlohmann::json::parse(dump.out);
  std::multiset<std::string> theirs;
  std::size_t backwards = 0;
  for (const auto& j : arr) {
    theirs.insert(from_nfdump(j).text());
    if (j.at("last").get<std::string>() < j.at("first").get<std::string>()) ++backwards;
  }
  EXPECT_EQ(backwards, 0u) << "records ending before they start";
  EXPECT_EQ(theirs.size(), ours.size()) << log;
  std::vector<std::string> missing, extra;
  std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(), std::back_inserter(missing));
  std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of riptide's flows not read back, e.g. " << missing.front();
  EXPECT_TRUE(extra.empty()) << extra.size() << " flows nfdump read that riptide did not write, e.g. " << extra.front();

  const auto stat = riptide::test::shell("nfdump -R '" + dir + "' -I 2>&1");
  ASSERT_EQ(stat.status, 0) << stat.out;
  const std::string s = "\n" + stat.out;
  EXPECT_EQ(stat_field(s, "Flows"), flows) << stat.out;
  EXPECT_EQ(stat_field(s, "Packets"), packets) << stat.out;
  EXPECT_EQ(stat_field(s, "Bytes"), bytes) << stat.out;
  EXPECT_EQ(stat_field(s, "Sequence failures"), 0u) << stat.out;
  EXPECT_EQ(log.find("Sequence Errors: 0"), log.rfind("Sequence Errors:")) << log;
}

}  // namespace
