#pragma once
// Flow records to a Kafka topic (librdkafka), as EVE JSON lines: the same text as the
// --flows-json file, one message per flow record. Each message is keyed by a hash of the
// flow's 5-tuple and VLAN tags (16 hex digits), the same for both directions and for the
// records of a flow restarted by the active timeout, so one flow's records land in one
// partition and keep their order.
//
// A dead or slow broker never stalls the output thread, let alone capture: produce() never
// blocks, librdkafka's local queue is bounded (queue.buffering.max.messages), and a message it
// refuses (RD_KAFKA_RESP_ERR__QUEUE_FULL or another error) is counted as dropped. Delivery
// reports are served on every write and tick: delivered messages are `written`, failed ones
// `dropped`. close() waits at most close_timeout for the outstanding messages, then purges
// what is left: those are counted as dropped, so written + dropped = records handed in.
//
// Example:
//   KafkaSinkConfig c;
//   c.brokers = "127.0.0.1:9092";
//   c.topic = "flows";
//   c.options = {{"compression.type", "lz4"}};
//   auto sink = KafkaSink::create(c);   // an unknown option or an empty topic is an error here
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/flow/record_sink.hpp"

namespace riptide {

struct KafkaSinkConfig {
  std::string brokers;  // bootstrap.servers: "host:port[,host:port...]"
  std::string topic;
  std::vector<std::pair<std::string, std::string>> options;  // passed to librdkafka as they are, last
  std::uint32_t queue_messages = 100000;  // queue.buffering.max.messages unless options set it
  std::chrono::milliseconds close_timeout{3000};
  std::string in_iface;  // live capture: the interface, as EVE "in_iface" in every message
};

// "BROKERS/TOPIC" -> brokers and topic (the topic follows the last '/': topic names have none).
Result<std::pair<std::string, std::string>> parse_kafka_target(const std::string& spec);
// "KEY=VALUE" -> (KEY, VALUE).
Result<std::pair<std::string, std::string>> parse_kafka_option(const std::string& kv);

// The message key of a record: its flow's symmetric 5-tuple hash, 16 lowercase hex digits.
std::string kafka_flow_key(const FlowRecord& rec);

class KafkaSink final : public FlowRecordSink {
 public:
  static Result<std::unique_ptr<KafkaSink>> create(const KafkaSinkConfig& cfg);
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  std::string_view name() const noexcept override { return "kafka"; }
  std::string target() const override { return "kafka:" + cfg_.topic + "@" + cfg_.brokers; }
  void write(std::span<const FlowRecord> recs) noexcept override;
  void tick(TimestampNs now_ns) noexcept override;
  void close() noexcept override;
  SinkStatus status() const noexcept override;
  // kafka_produced, kafka_delivered, kafka_failed, kafka_queue_full, kafka_in_flight.
  void counters(std::vector<SinkCounter>& out) const override;

  // Called from librdkafka's callbacks (not for users).
  void on_report(bool ok, const char* why) noexcept;
  void on_transport_error(const char* reason) noexcept;

  struct Impl;  // librdkafka's handles

 private:
  explicit KafkaSink(const KafkaSinkConfig& cfg);
  void set_error(std::string e) noexcept;
  KafkaSinkConfig cfg_;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::uint64_t> produced_{0}, delivered_{0}, failed_{0}, queue_full_{0}, refused_{0};
  std::atomic<bool> closed_{false};
  mutable std::mutex err_mu_;
  std::string error_;
  std::atomic<bool> has_error_{false};
};

}  // namespace riptide
