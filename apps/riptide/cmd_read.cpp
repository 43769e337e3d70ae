// riptide read: a capture file through the decoder and the analyzers.
#include "cli_common.hpp"
#include "riptide/commands.hpp"

namespace riptide::app {

int cmd_read(int argc, char** argv) {
  CLI::App app{"Read a pcap or pcapng file, run the flow meter (and -w), print the per-stage report.\n"
               "usage: riptide read -r FILE [options] [filter expression]",
               "riptide read"};
  RunOptions o;
  o.engine.backend = Backend::file;
  o.engine.quiet = true;
  app.add_option("-r", o.engine.read_file, "capture file to read (pcap or pcapng; '-' for stdin)")->required();
  add_run_options(app, o);
  if (int rc = parse_or_exit(app, "read", argc, argv); rc >= 0) return rc;
  if (!finish_run_options("read", o)) return 2;
  return run_engine("read", o);
}

}  // namespace riptide::app
