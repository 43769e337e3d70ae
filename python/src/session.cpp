#include "session.hpp"

#include "riptide/analyze/flow_meter_analyzer.hpp"
#include "riptide/flow/eve_json_sink.hpp"

namespace riptide::py {

Result<std::unique_ptr<Session>> Session::create(const SessionConfig& cfg,
                                                 std::vector<std::unique_ptr<AnalyzerFactory>> extra) {
  std::unique_ptr<Session> s(new Session());
  std::vector<std::unique_ptr<AnalyzerFactory>> analyzers;
  if (cfg.flows) {
    // The JSON file first: the flow meter's own figures (records written) are the first sink's.
    std::vector<std::unique_ptr<FlowRecordSink>> sinks;
    if (!cfg.flows_path.empty()) {
      EveFormatOptions fmt;
      fmt.extensions = cfg.eve_extensions;
      auto js = EveJsonSink::open(cfg.flows_path, {}, fmt);
      if (!js) return js.error();
      sinks.push_back(std::move(*js));
    }
    if (cfg.flow_array) {
      auto a = std::make_unique<FlowArraySink>(cfg.flow_array_max);
      s->flow_array_ = a.get();
      sinks.push_back(std::move(a));
    }
    auto fm = FlowMeterFactory::create(cfg.flow, std::move(sinks));
    if (!fm) return fm.error();
    analyzers.push_back(std::move(*fm));
  }
  if (cfg.feed_enabled) {
    s->feed_ = std::make_shared<Feed>(cfg.feed);
    auto f = std::make_unique<FeedFactory>(s->feed_);
    s->factory_ = f.get();
    analyzers.push_back(std::move(f));
  }
  for (auto& e : extra) analyzers.push_back(std::move(e));
  if (analyzers.empty()) return Error{Errc::invalid_argument, "nothing to run: no batches, no flows, no analyzer"};
  auto eng = Engine::create(cfg.engine, std::move(analyzers));
  if (!eng) return eng.error();
  s->engine_ = std::move(*eng);
  return s;
}

void Session::start() {
  thread_ = std::thread([this] { result_.emplace(engine_->run()); });
}

void Session::request_stop() noexcept {
  if (engine_) engine_->request_stop();
}

void Session::join() {
  if (thread_.joinable()) thread_.join();
}

Session::~Session() {
  // A consumer that went away (a loop left early, an exception): the packet threads must not
  // wait for it, and the run ends as Ctrl-C would end it.
  if (feed_) feed_->close();
  if (thread_.joinable()) {
    request_stop();
    thread_.join();
  }
}

}  // namespace riptide::py
