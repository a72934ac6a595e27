// The --dispatch* options (syscall user dispatch, vm/dispatch.h) shared by `sckit eval`, `sckit
// test`, `sckit analyze` and `sckit diff`: declared once, parsed once into a DispatchConfig.
#pragma once

#include <string>

#include "tools/options.h"
#include "vm/dispatch.h"

namespace sckit::tools {

// --dispatch, --dispatch-region, --dispatch-selector, --dispatch-vdso-sigreturn.
void AddDispatchOptions(po::options_description* d);

// The options into *d, checked as the prctl checks them (CheckDispatchConfig); false after
// printing the error (a usage error).
bool ParseDispatchOptions(const char* command, const po::variables_map& vm, DispatchConfig* d);

// A configuration in a record line's words over `base` (formats/record_dispatch.h):
// "dispatch=on region=0x1000,0x100 selector=block" (`sckit diff --dispatch-a/--dispatch-b`);
// false after printing the error, which names `option` and the token.
bool ParseDispatchKeys(const char* command, const std::string& option, const std::string& text,
                       const DispatchConfig& base, DispatchConfig* out);

}  // namespace sckit::tools
