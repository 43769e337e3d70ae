// _riptide: the compiled half of the `riptide` Python package (python/riptide/__init__.py is
// the other). Packets never become Python objects: a batch is one NumPy structured array.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstring>

#include "config.hpp"
#include "feed.hpp"
#include "flow_array.hpp"
#include "record.hpp"
#include "riptide/decode/decoder.hpp"
#include "riptide/flow/ip_proto_name.hpp"
#include "session.hpp"

namespace py = pybind11;
using namespace riptide::py;

namespace {

struct RunError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

py::dtype make_dtype(const std::vector<FieldDesc>& fields, std::size_t itemsize) {
  py::list names, formats, offsets;
  for (const auto& f : fields) {
    names.append(f.name);
    formats.append(f.format);
    offsets.append(f.offset);
  }
  py::dict d;
  d["names"] = names;
  d["formats"] = formats;
  d["offsets"] = offsets;
  d["itemsize"] = itemsize;
  return py::dtype::from_args(d);
}

// Both kept for the life of the process: the module is never unloaded.
py::dtype& record_dtype() {
  static py::dtype* dt = new py::dtype(make_dtype(record_fields(), sizeof(Record)));
  return *dt;
}

// A Python object the factory keeps in a callback, released under the GIL whoever drops it last:
// when the engine never starts (a file that cannot be opened), the factory dies on riptide's
// main thread, which does not hold the GIL, and a bare py::object there aborts the process.
std::shared_ptr<py::object> gil_held(py::object o) {
  return std::shared_ptr<py::object>(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

py::dtype& flow_dtype() {
  static py::dtype* dt = new py::dtype(make_dtype(flow_row_fields(), sizeof(FlowRow)));
  return *dt;
}

// The flow records so far as one array, copied once.
py::array flow_array(const Session& s) {
  if (!s.flow_array()) throw RunError("flow records as an array need flows=True and flow_array=True");
  std::vector<FlowRow> rows;
  {
    py::gil_scoped_release nogil;
    rows = s.flow_array()->rows();
  }
  py::array a(flow_dtype(), py::array::ShapeContainer{static_cast<py::ssize_t>(rows.size())},
              py::array::StridesContainer{});
  if (!rows.empty()) std::memcpy(a.mutable_data(), rows.data(), rows.size() * sizeof(FlowRow));
  return a;
}

template <class E>
py::tuple enum_names(std::size_t count) {
  py::tuple t(count);
  for (std::size_t i = 0; i < count; ++i) t[i] = py::str(std::string(riptide::to_string(static_cast<E>(i))));
  return t;
}

// (thread, meta, data, offsets) for a batch, None at the end, () when the wait timed out.
py::object next_batch(Feed& feed, double timeout_s) {
  // Wait first, then look for a Ctrl-C, then take the batch: an interrupt raised here never
  // carries away a batch already taken from the queue.
  {
    py::gil_scoped_release nogil;
    feed.wait_ready(static_cast<std::int64_t>(timeout_s * 1e9));
  }
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  Slot* s = nullptr;
  const Feed::Pop r = feed.pop(s, 0);
  if (r == Feed::Pop::end) return py::none();
  if (r == Feed::Pop::timeout) return py::tuple();
  const std::size_t n = s->n, t = s->thread;
  py::array meta(record_dtype(), py::array::ShapeContainer{static_cast<py::ssize_t>(n)}, py::array::StridesContainer{});
  std::memcpy(meta.mutable_data(), s->recs.data(), n * sizeof(Record));
  py::object data = py::none(), offs = py::none();
  if (feed.config().with_bytes) {
    py::array_t<std::uint8_t> d(static_cast<py::ssize_t>(s->used));
    std::memcpy(d.mutable_data(), s->bytes.data(), s->used);
    py::array_t<std::uint64_t> o(static_cast<py::ssize_t>(n + 1));
    std::memcpy(o.mutable_data(), s->offs.data(), (n + 1) * sizeof(std::uint64_t));
    data = d;
    offs = o;
  }
  feed.release(s);
  return py::make_tuple(t, meta, data, offs);
}

py::dict figures(Feed& feed) {
  py::dict d;
  const auto sum = [&](auto member) {
    std::uint64_t v = 0;
    for (std::size_t t = 0; t < feed.threads(); ++t) v += (feed.figures(t).*member).load(std::memory_order_relaxed);
    return v;
  };
  d["queue_drops"] = sum(&FeedFigures::queue_drops);
  d["queued_packets"] = sum(&FeedFigures::queued_packets);
  d["batches_queued"] = sum(&FeedFigures::batches_queued);
  d["batches_done"] = sum(&FeedFigures::batches_done);
  d["python_busy_ns"] = sum(&FeedFigures::busy_ns);
  d["python_errors"] = sum(&FeedFigures::python_errors);
  d["sent"] = sum(&FeedFigures::sent);
  d["send_refused"] = sum(&FeedFigures::send_refused);
  d["offload_refused"] = sum(&FeedFigures::offload_refused);
  return d;
}

std::unique_ptr<Session> make_session(const py::dict& kw) {
  SessionConfig cfg;
  try {
    cfg = parse_config(kw);
  } catch (const ConfigError& e) {
    throw py::value_error(e.what());
  }
  auto s = Session::create(cfg);
  if (!s) throw RunError(s.error().message);
  return std::move(*s);
}

}  // namespace

PYBIND11_MODULE(_riptide, m) {
  m.doc() = "riptide's engine for Python: batches of decoded packets as NumPy arrays (see the riptide package).";
  py::register_exception<RunError>(m, "Error", PyExc_RuntimeError);

  m.def("record_dtype", [] { return record_dtype(); }, "The NumPy dtype of one packet's metadata.");
  m.def("flow_dtype", [] { return flow_dtype(); }, "The NumPy dtype of one finished flow record.");
  m.def("flow_reasons", [] { return enum_names<riptide::FlowEndReason>(riptide::kFlowEndReasonCount); },
        "Names of the flow array's reason codes, by code (riptide's reason in the flow JSON).");
  m.def("tunnel_types", [] { return enum_names<riptide::TunnelType>(static_cast<std::size_t>(riptide::TunnelType::count_)); },
        "Names of the flow array's tunnel_type codes, by code (0: none).");
  m.def("proto_name", [](std::uint8_t p) {
    const auto n = riptide::flow_detail::ip_proto_name(p);
    return n.empty() ? std::to_string(p) : std::string(n);
  }, py::arg("proto"), "The flow JSON's name of an IP protocol number (IANA keyword, else the number).");

  py::class_<Feed, std::shared_ptr<Feed>>(m, "Feed", "The bounded queue of batches between the packet threads and Python.")
      .def("next_batch", &next_batch, py::arg("timeout") = 0.1,
           "(thread, meta, data, offsets) of the next batch, () after `timeout` s without one, None at the end. "
           "Releases the GIL while it waits; marks the previous batch as processed.")
      .def("account", &Feed::account, py::arg("thread"), py::arg("busy_ns"), "Adds Python's time on one batch.")
      .def("report_error", &Feed::report_error, py::arg("thread"), py::arg("message"),
           "Counts an exception of the Python analyzer; the engine reports it like any analyzer error.")
      .def("count_offload_refused", [](Feed& f, std::size_t t) {
        if (t < f.threads()) f.figures(t).offload_refused.fetch_add(1, std::memory_order_relaxed);
      })
      .def("send", [](Feed& f, py::bytes frame) {
        const std::string_view v(frame);
        py::gil_scoped_release nogil;
        return f.send(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
      }, py::arg("frame"), "Queues a frame on the transmit path; False when refused (counted).")
      .def("close", [](Feed& f) { f.close(); }, "Stops taking batches: packet threads drop instead of waiting.")
      .def("figures", &figures, "The feed's counters summed over packet threads.")
      .def_property_readonly("threads", &Feed::threads);

  py::class_<Session>(m, "Session", "One engine run on its own thread; batches through .feed.")
      .def(py::init(&make_session), "Opens the input and outputs (keyword settings, see riptide.read/capture).")
      .def("start", &Session::start)
      .def("stop", &Session::request_stop, "Stops the run as Ctrl-C does: drain, stop analyzers, report.")
      .def("join", [](Session& s) {
        py::gil_scoped_release nogil;
        s.join();
      })
      .def("report_json", [](Session& s) -> std::string {
        if (!s.joined()) throw RunError("the run has not ended");
        if (!s.result()) throw RunError(s.result().error().message);
        return riptide::report_json(*s.result());
      }, "The final report, as --stats-json writes it; raises riptide.Error when the run failed.")
      .def("report_text", [](Session& s) -> std::string {
        if (!s.joined() || !s.result()) return riptide::format_report(s.snapshot());
        return riptide::format_report(*s.result());
      })
      .def("flow_array", &flow_array,
           "Finished flow records so far as one NumPy array of flow_dtype(), in the order of the flow JSON lines.")
      .def("snapshot_json", [](Session& s) { return riptide::report_json(s.snapshot()); }, "Figures so far.")
      .def("banner", &Session::banner)
      .def_property_readonly("feed", [](Session& s) { return s.feed(); });

  // For the --python plugin: a factory the riptide command owns, fed to a Python driver.
  m.def("_plugin_factory", [](const py::dict& kw, py::object on_run, py::object on_finish) {
    FeedConfig fc;
    fc.name = kw.contains("name") ? kw["name"].cast<std::string>() : "python";
    if (kw.contains("batch_size")) fc.batch_packets = kw["batch_size"].cast<std::size_t>();
    if (kw.contains("queue")) fc.slots = kw["queue"].cast<std::size_t>();
    if (kw.contains("packets")) fc.with_bytes = kw["packets"].cast<bool>();
    if (kw.contains("max_delay")) fc.max_delay_ns = static_cast<std::int64_t>(kw["max_delay"].cast<double>() * 1e9);
    if (kw.contains("wait_when_full")) fc.wait_when_full = kw["wait_when_full"].cast<bool>();
    auto feed = std::make_shared<Feed>(fc);
    auto* f = new FeedFactory(feed);
    // finish() runs on the engine's thread without the GIL; the callback is dropped under it.
    auto holder = gil_held(std::move(on_finish));
    f->set_on_finish([holder] {
      py::gil_scoped_acquire gil;
      std::string err;
      try {
        (*holder)();
      } catch (py::error_already_set& e) {
        err = std::string(py::str(e.type().attr("__name__"))) + ": " + std::string(py::str(e.value()));
      }
      holder->release().dec_ref();  // under the GIL: the factory is destroyed without it
      if (!err.empty()) throw std::runtime_error(err);
    });
    auto run = gil_held(std::move(on_run));
    feed->set_on_run([run] {
      py::gil_scoped_acquire gil;
      try {
        (*run)();
      } catch (py::error_already_set& e) {
        std::fprintf(stderr, "riptide: --python: the analyzer's thread did not start: %s\n", e.what());
      }
      run->release().dec_ref();
    });
    return py::make_tuple(py::capsule(static_cast<void*>(f), "riptide.AnalyzerFactory"), feed);
  });
}
