// The exporter over real loopback UDP: what a collector receives decodes to the records
// written, templates come first and again on time, counters match what was sent, and a dead
// collector costs counted errors, never a hang.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "ipfix_test_util.hpp"
#include "riptide/ipfix/ipfix_exporter.hpp"

namespace riptide {
namespace {

using ipfixtest::Collector;
using ipfixtest::counter_map;
using ipfixtest::flow;

struct Received {
  std::vector<FlowRecord> flows;
  std::size_t template_messages = 0, data_messages = 0, bytes = 0;
  std::uint64_t sequence_failures = 0;
};

Received decode_all(const std::vector<std::vector<std::uint8_t>>& msgs) {
  Received r;
  ipfix::Decoder d;
  for (const auto& m : msgs) {
    auto x = d.decode(m, r.flows);
    EXPECT_TRUE(x) << (x ? "" : x.error().message);
    if (!x) continue;
    r.bytes += m.size();
    if (x->template_records) ++r.template_messages;
    if (x->data_records) ++r.data_messages;
  }
  r.sequence_failures = d.sequence_failures();
  return r;
}

std::unique_ptr<IpfixExporter> make(IpfixConfig c) {
  auto x = IpfixExporter::create(std::move(c));
  EXPECT_TRUE(x) << (x ? "" : x.error().message);
  return x ? std::move(*x) : nullptr;
}

TEST(IpfixExporter, CollectorReceivesEveryRecordAfterTheTemplates) {
  Collector col;
  IpfixConfig c;
  c.collector = col.address();
  c.domain_id = 42;
  auto x = make(c);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->target(), "udp:" + col.address());
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 1; i <= 100; ++i) recs.push_back(flow(i, i % 4 == 0));
  x->write({recs.data(), 60});
  x->write({recs.data() + 60, 40});
  x->close();
  const auto msgs = col.receive();
  ASSERT_FALSE(msgs.empty());
  ipfix::Decoder first;
  std::vector<FlowRecord> none;
  auto h = first.decode(msgs[0], none);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->template_records, 2u) << "the first message defines both templates";
  EXPECT_EQ(h->header.domain_id, 42u);
  const Received got = decode_all(msgs);
  ASSERT_EQ(got.flows.size(), recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) ipfixtest::expect_same(recs[i], got.flows[i]);
  EXPECT_EQ(got.sequence_failures, 0u);
  const auto m = counter_map(*x);
  EXPECT_EQ(m.at("ipfix_records"), 100u);
  EXPECT_EQ(m.at("ipfix_messages"), msgs.size());
  EXPECT_EQ(m.at("ipfix_bytes"), got.bytes);
  EXPECT_EQ(m.at("ipfix_templates_sent"), 2u);
  EXPECT_EQ(m.at("ipfix_send_errors"), 0u);
  EXPECT_EQ(m.at("ipfix_records_dropped"), 0u);
  EXPECT_EQ(x->status().written, 100u);
  EXPECT_EQ(x->status().dropped, 0u);
  EXPECT_EQ(x->status().error, "");
  EXPECT_EQ(x->sequence(), 100u);
}

TEST(IpfixExporter, APartialMessageLeavesAtTheNextTick) {
  Collector col;
  TimestampNs now = 1'700'000'000 * kNsPerSec;
  IpfixConfig c;
  c.collector = col.address();
  c.clock = [&] { return now; };
  auto x = make(c);
  ASSERT_TRUE(x);
  const FlowRecord r = flow(1);
  x->write({&r, 1});
  EXPECT_TRUE(col.receive(100).empty()) << "one record waits for more";
  now += 100 * kNsPerMs;
  x->tick(now);
  const Received got = decode_all(col.receive());
  ASSERT_EQ(got.flows.size(), 1u);
  EXPECT_EQ(got.template_messages, 1u);
  x->close();
}

TEST(IpfixExporter, TemplatesAreResentOnThePeriodAndEveryNMessages) {
  Collector col;
  TimestampNs now = 1'700'000'000 * kNsPerSec;
  IpfixConfig c;
  c.collector = col.address();
  c.template_period_ns = 10 * kNsPerSec;
  c.clock = [&] { return now; };
  auto x = make(c);
  ASSERT_TRUE(x);
  std::uint64_t id = 1;
  auto step = [&](TimestampNs dt) {
    now += dt;
    const FlowRecord r = flow(id++);
    x->write({&r, 1});
    x->tick(now);
  };
  step(0);      // templates at the start
  step(5 * kNsPerSec);
  step(4 * kNsPerSec);
  step(2 * kNsPerSec);  // 11 s after the first: again
  now += 10 * kNsPerSec;
  x->tick(now);  // with no record, on time too
  Received got = decode_all(col.receive());
  EXPECT_EQ(got.flows.size(), 4u);
  EXPECT_EQ(got.template_messages, 3u);
  EXPECT_EQ(x->templates_sent(), 6u);
  x->close();

  Collector col2;
  c.collector = col2.address();
  c.template_period_ns = 0;
  c.template_every_messages = 3;
  auto y = make(c);
  ASSERT_TRUE(y);
  for (int i = 0; i < 7; ++i) {
    const FlowRecord r = flow(100 + static_cast<std::uint64_t>(i));
    y->write({&r, 1});
    y->tick(now);
  }
  got = decode_all(col2.receive());
  EXPECT_EQ(got.flows.size(), 7u);
  EXPECT_EQ(got.template_messages, 3u);  // before data messages 1, 4 and 7
  EXPECT_EQ(got.sequence_failures, 0u);
  y->close();
}

TEST(IpfixExporter, MessagesStayWithinTheConfiguredSize) {
  Collector col;
  IpfixConfig c;
  c.collector = col.address();
  c.max_message = 512;
  auto x = make(c);
  ASSERT_TRUE(x);
  std::vector<FlowRecord> recs;
  for (std::uint64_t i = 1; i <= 300; ++i) recs.push_back(flow(i, i % 2 == 0));
  x->write(recs);
  x->close();
  const auto msgs = col.receive();
  for (const auto& m : msgs) EXPECT_LE(m.size(), 512u);
  EXPECT_EQ(decode_all(msgs).flows.size(), 300u);
  EXPECT_GT(msgs.size(), 300u / 5);
}

// Nothing listens on the port: ICMP port unreachable comes back and the next sends fail with
// ECONNREFUSED. They are counted; every record is either sent or dropped; nothing waits.
TEST(IpfixExporter, DeadCollectorIsCountedAndNeverBlocks) {
  std::string dead;
  {
    Collector gone;
    dead = gone.address();
  }
  IpfixConfig c;
  c.collector = dead;
  auto x = make(c);
  ASSERT_TRUE(x);
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t id = 1;
  for (int round = 0; round < 50; ++round) {
    std::vector<FlowRecord> recs;
    for (int i = 0; i < 20; ++i) recs.push_back(flow(id++));
    x->write(recs);
    x->tick(realtime_ns());
  }
  x->close();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 2.0);
  const SinkStatus st = x->status();
  EXPECT_EQ(st.written + st.dropped, 1000u);
  EXPECT_GT(x->send_errors(), 0u);
  EXPECT_NE(st.error.find("Connection refused"), std::string::npos) << st.error;
  EXPECT_EQ(st.error.find('\n'), std::string::npos);
  const auto m = counter_map(*x);
  EXPECT_EQ(m.at("ipfix_send_errors"), x->send_errors());
  // Writing after close counts, sends nothing.
  const FlowRecord late = flow(9999);
  x->write({&late, 1});
  EXPECT_EQ(x->status().dropped, st.dropped + 1);
}

TEST(IpfixExporter, BadCollectorAddressesAreRefusedWithOneLine) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":4739", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:47x",
                          "::1:4739", "[::1]4739", "[::1", "no-such-host.invalid:4739"}) {
    IpfixConfig c;
    c.collector = bad;
    auto x = IpfixExporter::create(c);
    ASSERT_FALSE(x) << bad;
    EXPECT_EQ(x.error().code, Errc::invalid_argument) << bad;
    EXPECT_NE(x.error().message.find("IPFIX collector"), std::string::npos) << x.error().message;
    EXPECT_EQ(x.error().message.find('\n'), std::string::npos);
  }
  IpfixConfig c;
  c.collector = "127.0.0.1:4739";
  c.max_message = 100;
  EXPECT_FALSE(IpfixExporter::create(c));
  for (const char* good : {"127.0.0.1:4739", "[::1]:4739", "localhost:4739"}) {
    c.collector = good;
    c.max_message = 1400;
    auto x = IpfixExporter::create(c);
    EXPECT_TRUE(x) << good << ": " << (x ? "" : x.error().message);
  }
}

}  // namespace
}  // namespace riptide
