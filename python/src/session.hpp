#pragma once
// One engine run owned by Python: the engine runs on a thread of its own, Python takes the
// batches from the feed on its thread, and the report comes back when the run ends.
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "feed.hpp"
#include "flow_array.hpp"
#include "riptide/engine/engine.hpp"
#include "riptide/flow/flow_meter.hpp"

namespace riptide::py {

struct SessionConfig {
  EngineConfig engine;
  FeedConfig feed;
  bool feed_enabled = true;  // false: no batches to Python (run() of a file for its report)
  bool flows = false;        // run the flow meter
  std::string flows_path;    // its EVE JSON lines ("" none)
  bool eve_extensions = false;  // the lines carry riptide's own "riptide" object
  bool flow_array = true;       // keep the records for Python's flow array too
  std::size_t flow_array_max = std::size_t{1} << 22;  // rows kept at most; more are counted
  FlowMeterConfig flow;
};

class Session {
 public:
  // Opens everything (errors are riptide's one-line messages); `extra` runs after the feed.
  static Result<std::unique_ptr<Session>> create(const SessionConfig& cfg,
                                                 std::vector<std::unique_ptr<AnalyzerFactory>> extra = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void request_stop() noexcept;
  // Joins the engine thread: call without holding the GIL.
  void join();
  bool joined() const noexcept { return result_.has_value(); }
  const Result<RunReport>& result() const { return *result_; }
  RunReport snapshot() const { return engine_->snapshot(); }
  std::string banner() const { return engine_->banner(); }
  const std::shared_ptr<Feed>& feed() const noexcept { return feed_; }
  FeedFactory* factory() const noexcept { return factory_; }
  // The flow records' sink for Python (null without flows or with flow_array off).
  const FlowArraySink* flow_array() const noexcept { return flow_array_; }

 private:
  Session() = default;
  std::shared_ptr<Feed> feed_;
  FeedFactory* factory_ = nullptr;  // owned by the engine
  FlowArraySink* flow_array_ = nullptr;  // owned by the engine's flow meter
  std::unique_ptr<Engine> engine_;
  std::thread thread_;
  std::optional<Result<RunReport>> result_;
};

}  // namespace riptide::py
