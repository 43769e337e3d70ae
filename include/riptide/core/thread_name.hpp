#pragma once
// Names the calling thread (the kernel's comm, 15 characters at most), so `top -H`, `perf`
// and /proc/PID/task/*/comm tell riptide's threads apart: the capture threads from the output,
// worker, offload and transmit threads that took work off them.
//
// **Example**
//   #include <riptide/core/thread_name.hpp>
//   std::thread t([] {
//     riptide::name_this_thread("rt-flowout");
//     // ...
//   });
//   // ps -L -o comm -p PID  ->  rt-flowout
#include <string_view>

namespace riptide {

// Longer names are cut to 15 characters. Failure is ignored: a name is a convenience.
void name_this_thread(std::string_view name) noexcept;

}  // namespace riptide
