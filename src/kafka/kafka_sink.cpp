#include "riptide/kafka/kafka_sink.hpp"

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstring>

#include "riptide/decode/flow_key.hpp"
#include "riptide/flow/eve_json.hpp"

namespace riptide {

struct KafkaSink::Impl {
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_t* rkt = nullptr;
  char line[EveJsonWriter::kMaxLine];
  std::string transport_error;  // the last broker-level error (librdkafka's threads write it)
  std::mutex transport_mu;
  bool told = false;  // one line on stderr per run, not one per failed message

  ~Impl() {
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (rk) rd_kafka_destroy(rk);
  }
};

namespace {

// Delivery reports run on the thread that polls: the output thread.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  static_cast<KafkaSink*>(opaque)->on_report(m->err == RD_KAFKA_RESP_ERR_NO_ERROR,
                                             m->err ? rd_kafka_err2str(m->err) : "");
}

// Broker-level errors (connection refused, all brokers down) come from librdkafka's threads.
// They lose no record by themselves: messages wait in the bounded queue and fail or time out
// later, which the delivery reports count. Kept to explain those failures.
void on_error(rd_kafka_t*, int, const char* reason, void* opaque) {
  static_cast<KafkaSink*>(opaque)->on_transport_error(reason ? reason : "unknown error");
}

// librdkafka's own log lines would repeat every reconnect attempt on stderr; errors reach
// the report through the callbacks above instead.
void on_log(const rd_kafka_t*, int, const char*, const char*) {}

}  // namespace

Result<std::pair<std::string, std::string>> parse_kafka_target(const std::string& spec) {
  const auto slash = spec.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == spec.size())
    return Error{Errc::invalid_argument, "--kafka '" + spec + "': expected BROKERS/TOPIC, e.g. 127.0.0.1:9092/flows"};
  return std::make_pair(spec.substr(0, slash), spec.substr(slash + 1));
}

Result<std::pair<std::string, std::string>> parse_kafka_option(const std::string& kv) {
  const auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    return Error{Errc::invalid_argument, "--kafka-opt '" + kv + "': expected KEY=VALUE (a librdkafka property)"};
  return std::make_pair(kv.substr(0, eq), kv.substr(eq + 1));
}

std::string kafka_flow_key(const FlowRecord& r) {
  // The flow key as the meter builds it: endpoints ordered, so both directions agree.
  FlowKey k{};
  const bool fwd = flow_detail::compare_endpoints(r.src_ip, r.src_port, r.dest_ip, r.dest_port) <= 0;
  k.lo_addr = fwd ? r.src_ip : r.dest_ip;
  k.hi_addr = fwd ? r.dest_ip : r.src_ip;
  k.lo_port = fwd ? r.src_port : r.dest_port;
  k.hi_port = fwd ? r.dest_port : r.src_port;
  for (std::size_t i = 0; i < r.vlan_count && i < PacketMeta::kMaxVlans; ++i) k.vlan_ids[i] = r.vlan_ids[i];
  k.vlan_count = r.vlan_count;
  k.ip_version = r.ip_version;
  k.proto = r.proto;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(flow_hash(k)));
  return buf;
}

KafkaSink::KafkaSink(const KafkaSinkConfig& cfg) : cfg_(cfg), impl_(std::make_unique<Impl>()) {}

KafkaSink::~KafkaSink() { close(); }

Result<std::unique_ptr<KafkaSink>> KafkaSink::create(const KafkaSinkConfig& cfg) {
  if (cfg.brokers.empty()) return Error{Errc::invalid_argument, "kafka: no broker given"};
  if (cfg.topic.empty()) return Error{Errc::invalid_argument, "kafka: no topic given"};
  std::unique_ptr<KafkaSink> s(new KafkaSink(cfg));
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) -> Result<void> {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      return Error{Errc::invalid_argument, "kafka option " + k + "=" + v + ": " + err};
    return {};
  };
  std::vector<std::pair<std::string, std::string>> all = {
      {"bootstrap.servers", cfg.brokers},
      {"client.id", "riptide"},
      {"queue.buffering.max.messages", std::to_string(cfg.queue_messages)},
  };
  all.insert(all.end(), cfg.options.begin(), cfg.options.end());
  for (const auto& [k, v] : all) {
    if (auto r = set(k, v); !r) {
      rd_kafka_conf_destroy(conf);
      return r.error();
    }
  }
  rd_kafka_conf_set_opaque(conf, s.get());
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_log_cb(conf, on_log);
  s->impl_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // takes conf when it succeeds
  if (!s->impl_->rk) {
    rd_kafka_conf_destroy(conf);
    return Error{Errc::invalid_argument, std::string("kafka: ") + err};
  }
  s->impl_->rkt = rd_kafka_topic_new(s->impl_->rk, cfg.topic.c_str(), nullptr);
  if (!s->impl_->rkt)
    return Error{Errc::invalid_argument, "kafka topic '" + cfg.topic + "': " + rd_kafka_err2str(rd_kafka_last_error())};
  return s;
}

void KafkaSink::on_report(bool ok, const char* why) noexcept {
  if (closed_.load(std::memory_order_relaxed)) return;  // counted at close already
  if (ok) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  set_error(std::string("kafka: delivery failed: ") + why);
}

void KafkaSink::on_transport_error(const char* reason) noexcept {
  std::lock_guard lk(impl_->transport_mu);
  impl_->transport_error = reason;
}

void KafkaSink::set_error(std::string e) noexcept {
  if (has_error_.load(std::memory_order_acquire)) return;
  std::string broker;
  {
    std::lock_guard lk(impl_->transport_mu);
    broker = impl_->transport_error;
  }
  if (!broker.empty()) e += " (broker: " + broker + ")";
  std::lock_guard lk(err_mu_);
  if (!error_.empty()) return;
  error_ = std::move(e);
  has_error_.store(true, std::memory_order_release);
  if (!impl_->told) {
    impl_->told = true;
    std::fprintf(stderr, "riptide: %s: later failures are counted, not printed\n", error_.c_str());
  }
}

void KafkaSink::write(std::span<const FlowRecord> recs) noexcept {
  if (closed_.load(std::memory_order_relaxed)) {
    refused_.fetch_add(recs.size(), std::memory_order_relaxed);
    return;
  }
  EveFormatOptions fmt;
  fmt.in_iface = cfg_.in_iface;
  for (const auto& r : recs) {
    const std::size_t len = EveJsonWriter::format(r, impl_->line, fmt);
    const std::string key = kafka_flow_key(r);
    // F_COPY: librdkafka keeps its own copy, our line buffer is reused at once. Never blocks:
    // without RD_KAFKA_MSG_F_BLOCK a full local queue is an immediate QUEUE_FULL.
    if (rd_kafka_produce(impl_->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, impl_->line, len, key.data(),
                         key.size(), nullptr) == 0) {
      produced_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const rd_kafka_resp_err_t e = rd_kafka_last_error();
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      queue_full_.fetch_add(1, std::memory_order_relaxed);
      set_error("kafka: local queue full (queue.buffering.max.messages): the broker is slow or unreachable");
    } else {
      refused_.fetch_add(1, std::memory_order_relaxed);
      set_error(std::string("kafka: produce refused: ") + rd_kafka_err2str(e));
    }
  }
  rd_kafka_poll(impl_->rk, 0);  // delivery reports, without waiting
}

void KafkaSink::tick(TimestampNs) noexcept {
  if (!closed_.load(std::memory_order_relaxed)) rd_kafka_poll(impl_->rk, 0);
}

void KafkaSink::close() noexcept {
  if (closed_.load(std::memory_order_relaxed) || !impl_->rk) return;
  // Bounded: a dead broker costs close_timeout once, then what is left is purged and counted.
  rd_kafka_flush(impl_->rk, static_cast<int>(cfg_.close_timeout.count()));
  const std::uint64_t left = produced_.load() - delivered_.load() - failed_.load();
  if (left > 0)
    set_error("kafka: " + std::to_string(left) + " records not delivered within " +
              std::to_string(cfg_.close_timeout.count()) + " ms of the end of the run");
  rd_kafka_purge(impl_->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(impl_->rk, 200);  // serves the purged messages' reports (failed)
  const std::uint64_t p = produced_.load(), d = delivered_.load(), f = failed_.load();
  if (p > d + f) {
    // No report at all for these: they are lost as far as anyone can tell.
    failed_.fetch_add(p - d - f, std::memory_order_relaxed);
    set_error("kafka: " + std::to_string(p - d - f) + " records without a delivery report at close");
  }
  closed_.store(true, std::memory_order_release);
  rd_kafka_topic_destroy(impl_->rkt);
  impl_->rkt = nullptr;
  rd_kafka_destroy(impl_->rk);
  impl_->rk = nullptr;
}

SinkStatus KafkaSink::status() const noexcept {
  SinkStatus s;
  s.written = delivered_.load(std::memory_order_relaxed);
  s.dropped = failed_.load(std::memory_order_relaxed) + queue_full_.load(std::memory_order_relaxed) +
              refused_.load(std::memory_order_relaxed);
  if (has_error_.load(std::memory_order_acquire)) {
    std::lock_guard lk(err_mu_);
    s.error = error_;
  }
  return s;
}

void KafkaSink::counters(std::vector<SinkCounter>& out) const {
  const std::uint64_t p = produced_.load(std::memory_order_relaxed), d = delivered_.load(std::memory_order_relaxed),
                      f = failed_.load(std::memory_order_relaxed);
  out.push_back({"kafka_produced", "flow records librdkafka accepted for sending", p, false, {}, false});
  out.push_back({"kafka_delivered", "flow records the broker confirmed", d, false, {}, false});
  out.push_back({"kafka_failed", "flow records whose delivery failed or never got a report before close", f, true,
                 "the broker was unreachable or refused them: check the brokers, or raise message.timeout.ms with --kafka-opt",
                 false});
  out.push_back({"kafka_queue_full", "flow records refused because librdkafka's local queue was full",
                 queue_full_.load(std::memory_order_relaxed), true,
                 "the broker is slower than the flow rate or down: check it, or raise queue.buffering.max.messages with --kafka-opt",
                 false});
  out.push_back({"kafka_in_flight", "flow records handed to librdkafka without a delivery report yet",
                 p >= d + f ? p - d - f : 0, false, {}, true});
}

}  // namespace riptide
