// riptide read: a capture file through the decoder and the analyzers.
#include "cli_common.hpp"
#include "config_file.hpp"
#include "riptide/commands.hpp"

namespace riptide::app {
namespace {

// The exit status to stop with (help, bad flag or value), or -1 with `o` ready to run.
int parse_read(int argc, char** argv, RunOptions& o) {
  CLI::App app{"Read a pcap or pcapng file, run the flow meter (and -w), print the per-stage report.\n"
               "usage: riptide read -r FILE [options] [filter expression]",
               "riptide read"};
  add_config_options(app);
  o.engine.backend = Backend::file;
  o.engine.quiet = true;
  app.add_option("-r,--read-file", o.engine.read_file, "capture file to read (pcap or pcapng; '-' for stdin)")->required()->group("capture");
  add_run_options(app, o);
  if (int rc = parse_or_exit(app, "read", argc, argv); rc >= 0) return rc;
  if (!finish_run_options("read", o)) return 2;
  if (!finish_write_options("read", app, o.write, o.engine)) return 2;
  if (!finish_flows_rotation("read", o.flows_rotate, o.flows_json, o.flows_rotation)) return 2;
  return print_config_if_asked(app, "read");
}

}  // namespace

int cmd_read(int argc, char** argv) {
  RunOptions o;
  if (int rc = parse_read(argc, argv, o); rc >= 0) return rc;
  return run_engine("read", o);
}

int check_read(int argc, char** argv) {
  RunOptions o;
  return parse_read(argc, argv, o);
}

}  // namespace riptide::app
