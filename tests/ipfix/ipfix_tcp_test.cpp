// IPFIX over TCP to a loopback collector: every record after the templates, one session per
// connection (templates first, sequence numbers from 0), a collector that is down at the start
// or drops the connection costs counted records and a reconnect, never a hang.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "ipfix_test_util.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"
#include "support/shell.hpp"

namespace riptide {
namespace {

using ipfixtest::counter_map;
using ipfixtest::flow;

// A TCP listener on 127.0.0.1 that keeps each accepted connection's byte stream.
class TcpCollector {
 public:
  explicit TcpCollector(std::uint16_t port = 0) {
    lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ok_ = ::bind(lfd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(lfd_, 8) == 0;
    socklen_t len = sizeof a;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TcpCollector() {
    for (int fd : conns_) ::close(fd);
    ::close(lfd_);
  }
  TcpCollector(const TcpCollector&) = delete;
  TcpCollector& operator=(const TcpCollector&) = delete;
  bool ok() const { return ok_; }
  std::uint16_t port() const { return port_; }
  std::string address() const { return "tcp:127.0.0.1:" + std::to_string(port_); }

  // Accepts what waits and reads every connection until it has been quiet for quiet_ms.
  void drain(int quiet_ms = 200) {
    for (;;) {
      std::vector<pollfd> p{{lfd_, POLLIN, 0}};
      for (std::size_t i = 0; i < conns_.size(); ++i) p.push_back({eof_[i] ? -1 : conns_[i], POLLIN, 0});
      if (::poll(p.data(), p.size(), quiet_ms) <= 0) return;
      if (p[0].revents & POLLIN) {
        conns_.push_back(::accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC));
        eof_.push_back(false);
        streams_.emplace_back();
      }
      for (std::size_t i = 1; i < p.size(); ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
        std::uint8_t buf[65536];
        const ssize_t n = ::recv(conns_[i - 1], buf, sizeof buf, 0);
        if (n > 0) streams_[i - 1].insert(streams_[i - 1].end(), buf, buf + n);
        if (n <= 0) eof_[i - 1] = true;  // the exporter closed it: nothing more will come
      }
    }
  }
  // Closes every accepted connection (the collector restarting), keeps listening.
  void drop_connections() {
    for (int fd : conns_) ::close(fd);
    conns_.clear();
    eof_.clear();
    closed_streams_ += streams_.size();
    dropped_.insert(dropped_.end(), streams_.begin(), streams_.end());
    streams_.clear();
  }
  // Every connection's stream so far, dropped ones first, in the order they were accepted.
  std::vector<std::vector<std::uint8_t>> streams() const {
    auto all = dropped_;
    all.insert(all.end(), streams_.begin(), streams_.end());
    return all;
  }

 private:
  int lfd_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
  std::vector<int> conns_;
  std::vector<bool> eof_;
  std::vector<std::vector<std::uint8_t>> streams_, dropped_;
  std::size_t closed_streams_ = 0;
};

struct Session {
  std::vector<FlowRecord> flows;
  std::size_t messages = 0, template_messages = 0;
  bool first_is_templates = false;
  std::uint64_t sequence_failures = 0;
  std::uint32_t first_sequence = 0xffffffff;
  std::size_t trailing_bytes = 0;  // a message cut by a broken connection
};

// Splits one connection's stream into messages by their length field and decodes them, with a
// decoder of its own: each connection is a session.
Session decode_stream(const std::vector<std::uint8_t>& s) {
  Session out;
  ipfix::Decoder d;
  std::size_t off = 0;
  while (off + 4 <= s.size()) {
    const std::size_t len = static_cast<std::size_t>(s[off + 2]) << 8 | s[off + 3];
    if (len < 16 || off + len > s.size()) break;
    auto m = d.decode({s.data() + off, len}, out.flows);
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    if (m) {
      if (out.messages == 0) out.first_is_templates = m->template_records > 0;
      if (m->template_records) ++out.template_messages;
      if (m->data_records && out.first_sequence == 0xffffffff) out.first_sequence = m->header.sequence;
    }
    ++out.messages;
    off += len;
  }
  out.trailing_bytes = s.size() - off;
  out.sequence_failures = d.sequence_failures();
  return out;
}

std::unique_ptr<IpfixExporter> make(const std::string& collector) {
  IpfixConfig c;
  c.collector = collector;
  c.domain_id = 7;
  auto x = IpfixExporter::create(std::move(c));
  EXPECT_TRUE(x) << (x ? "" : x.error().message);
  return x ? std::move(*x) : nullptr;
}

void write_flows(IpfixExporter& x, std::uint64_t from, std::uint64_t n) {
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = from; i < from + n; ++i) recs.push_back(flow(i, i % 3 == 0));
  x.write(recs);
  x.tick(realtime_ns());
}

TEST(IpfixTcp, CollectorReceivesEveryRecordAfterTheTemplates) {
  TcpCollector col;
  ASSERT_TRUE(col.ok());
  auto x = make(col.address());
  ASSERT_TRUE(x);
  EXPECT_EQ(x->target(), col.address());
  for (int round = 0; round < 5; ++round) {
    write_flows(*x, 1 + round * 200, 200);
    col.drain(20);
  }
  x->close();
  col.drain();
  const auto streams = col.streams();
  ASSERT_EQ(streams.size(), 1u);
  const Session s = decode_stream(streams[0]);
  EXPECT_TRUE(s.first_is_templates);
  EXPECT_EQ(s.template_messages, 1u);  // once per connection, not on a period
  EXPECT_EQ(s.trailing_bytes, 0u);
  EXPECT_EQ(s.sequence_failures, 0u);
  EXPECT_EQ(s.first_sequence, 0u);
  ASSERT_EQ(s.flows.size(), 1000u);
  for (std::uint64_t i = 0; i < 1000; ++i) ipfixtest::expect_same(flow(i + 1, (i + 1) % 3 == 0), s.flows[i]);
  const auto st = x->status();
  EXPECT_EQ(st.written, 1000u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_TRUE(st.error.empty()) << st.error;
  const auto m = counter_map(*x);
  EXPECT_EQ(m.at("ipfix_records"), 1000u);
  EXPECT_EQ(m.at("ipfix_messages"), s.messages);
  EXPECT_EQ(m.at("ipfix_bytes"), streams[0].size());
  EXPECT_EQ(m.at("ipfix_tcp_connects"), 1u);
}

TEST(IpfixTcp, CollectorDownAtStartCountsRecordsThenReconnects) {
  std::uint16_t port = 0;
  {
    TcpCollector gone;
    port = gone.port();
  }
  auto x = make("tcp:127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(x);
  const auto t0 = std::chrono::steady_clock::now();
  write_flows(*x, 1, 100);
  write_flows(*x, 101, 100);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);  // never waits
  auto st = x->status();
  EXPECT_EQ(st.written, 0u);
  EXPECT_EQ(st.dropped, 200u);
  EXPECT_NE(st.error.find("Connection refused"), std::string::npos) << st.error;

  TcpCollector col(port);  // the collector comes up
  ASSERT_TRUE(col.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the retry interval
  write_flows(*x, 201, 300);
  x->close();
  col.drain();
  const auto streams = col.streams();
  ASSERT_EQ(streams.size(), 1u);
  const Session s = decode_stream(streams[0]);
  EXPECT_TRUE(s.first_is_templates);
  EXPECT_EQ(s.sequence_failures, 0u);
  EXPECT_EQ(s.first_sequence, 0u);  // a new session counts from 0
  ASSERT_EQ(s.flows.size(), 300u);
  EXPECT_EQ(s.flows.front().flow_id, 201u);
  st = x->status();
  EXPECT_EQ(st.written, 300u);
  EXPECT_EQ(st.dropped, 200u);
  EXPECT_GE(counter_map(*x).at("ipfix_tcp_connects"), 2u);
}

TEST(IpfixTcp, ABrokenConnectionLosesWhatWasQueuedCountedAndANewSessionFollows) {
  TcpCollector col;
  ASSERT_TRUE(col.ok());
  auto x = make(col.address());
  ASSERT_TRUE(x);
  write_flows(*x, 1, 100);
  col.drain(50);
  col.drop_connections();  // the collector restarts
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Writing into the closed connection: the writes land in the kernel, the collector answers
  // with a reset and acknowledges none of them: lost, counted.
  for (int i = 0; i < 20; ++i) {
    write_flows(*x, 101 + i * 10, 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_flows(*x, 1001, 100);
  x->close();
  col.drain();
  const auto streams = col.streams();
  ASSERT_EQ(streams.size(), 2u);
  const Session a = decode_stream(streams[0]), b = decode_stream(streams[1]);
  EXPECT_EQ(a.flows.size(), 100u);
  EXPECT_TRUE(b.first_is_templates);
  EXPECT_EQ(b.first_sequence, 0u);
  EXPECT_EQ(a.sequence_failures + b.sequence_failures, 0u);
  ASSERT_FALSE(b.flows.empty());
  EXPECT_EQ(b.flows.back().flow_id, 1100u);
  const auto st = x->status();
  // Every record is either read back by the collector or counted as dropped: none vanish.
  EXPECT_EQ(st.written + st.dropped, 400u);
  EXPECT_EQ(a.flows.size() + b.flows.size(), st.written);
  EXPECT_GT(st.dropped, 0u);
  EXPECT_EQ(counter_map(*x).at("ipfix_tcp_connects"), 2u);
}

TEST(IpfixTcp, CommandLineExportsEveryFlowOfACaptureAndReportsTheStream) {
  TcpCollector col;
  ASSERT_TRUE(col.ok());
  const std::string json = ::testing::TempDir() + "ipfix_tcp_flows.json";
  const auto r = riptide::test::shell(std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide read -r " + RIPTIDE_PCAP_DIR +
                                      "/PcapExamples/example.pcap --flows-json " + json + " --ipfix " + col.address() +
                                      " 2>&1");
  ASSERT_EQ(r.status, 0) << r.out;
  col.drain();
  const auto streams = col.streams();
  ASSERT_EQ(streams.size(), 1u);
  const Session s = decode_stream(streams[0]);
  const auto flows_line = riptide::test::shell("wc -l < " + json);
  const std::size_t json_flows = std::stoul(flows_line.out);
  EXPECT_GT(json_flows, 0u);
  EXPECT_EQ(s.flows.size(), json_flows);
  EXPECT_EQ(s.sequence_failures, 0u);
  EXPECT_TRUE(s.first_is_templates);
  EXPECT_NE(r.out.find("flow ipfix -> " + col.address() + ": " + std::to_string(json_flows) + " written, 0 not written"),
            std::string::npos)
      << r.out;
  std::remove(json.c_str());
}

TEST(IpfixTcp, TransportPrefixesParse) {
  for (const char* spec : {"tcp:127.0.0.1:4739", "udp:127.0.0.1:4739", "tcp:[::1]:4739"}) {
    auto t = ipfix::parse_target(spec);
    ASSERT_TRUE(t) << spec << ": " << t.error().message;
    EXPECT_EQ(t->text, spec);
    EXPECT_EQ(t->tcp, spec[0] == 't');
  }
  auto t = ipfix::parse_target("127.0.0.1:4739");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->tcp);
  EXPECT_EQ(t->text, "udp:127.0.0.1:4739");
  for (const char* bad : {"tcp:", "tcp:127.0.0.1", "sctp:127.0.0.1:4739", "tcp::4739"}) {
    auto b = ipfix::parse_target(bad);
    EXPECT_FALSE(b) << bad;
    if (!b) {
      EXPECT_NE(b.error().message.find(bad), std::string::npos) << b.error().message;
    }
  }
}

}  // namespace
}  // namespace riptide
