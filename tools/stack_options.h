// The options `sckit eval` and `sckit test` share: the filter stack, the engine that runs it and
// the kernel context it is answered for (strict mode, tracer, listener, kernel version, syscall
// user dispatch, actions_logged/actions_avail), declared once and parsed into an eval::Session.
#pragma once

#include <memory>

#include "eval/session.h"
#include "tools/options.h"

namespace sckit::tools {

// --filter, --flags, --format, --byte-order, --engine, --strict, --tracer, --listener,
// --kernel-version, --dispatch*, --actions-logged, --actions-avail.
void AddStackOptions(po::options_description* d);

// The session the options ask for, its notes printed; nullptr after printing the error, with
// the exit code to return in *exit_code (1 when the kernel would reject the stack, else 2).
std::unique_ptr<eval::Session> OpenStack(const char* command, const po::variables_map& vm,
                                         int* exit_code);

}  // namespace sckit::tools
