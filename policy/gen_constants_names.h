// The macro filter both build-time constant generators share (gen_rules_constants.cc for the
// build host, gen_arch_constants.cc per arch): which `#define NAME BODY` lines of `cc -E -dM`
// are candidates for the policy language's constant table.
#pragma once

#include <cctype>
#include <set>
#include <string>

namespace sckit::policy::gen {

// Macros that are no integer constant the table could use, or expand to run-time calls.
inline bool Excluded(const std::string& name, const std::string& body) {
  // BLKTRACESETUP*, FS_IOC_FIEMAP: ioctl encodings of structs these headers do not define
  // (minijail drops them too); SCM_SRCRT: an alias of IPV6_RXSRCRT, which glibc no longer defines.
  static const std::set<std::string> kNames = {
      "NULL",          "SIGRTMIN",       "SIGRTMAX",     "MB_CUR_MAX",
      "BLKTRACESETUP", "BLKTRACESETUP2", "FS_IOC_FIEMAP", "SCM_SRCRT"};
  if (kNames.count(name) != 0) return true;
  if (name.rfind("SIG_", 0) == 0) return true;        // handler pointers
  if (body.find('"') != std::string::npos) return true;  // strings
  if (body.find('{') != std::string::npos) return true;  // initialisers
  return false;
}

inline bool IsConstantName(const std::string& name) {
  if (name.empty() || !std::isupper(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) &&
        c != '_') {
      return false;
    }
  }
  return true;
}

// The object-like candidate macros of `cc -E -dM` output on `in`, by name.
template <typename Stream>
std::set<std::string> CandidateMacros(Stream& in) {
  std::set<std::string> names;
  std::string line;
  const std::string prefix = "#define ";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t name_end = line.find_first_of(" (", prefix.size());
    if (name_end == std::string::npos || line[name_end] != ' ') continue;  // function-like
    const std::string name = line.substr(prefix.size(), name_end - prefix.size());
    const std::string body = line.substr(name_end + 1);
    if (body.empty() || !IsConstantName(name) || Excluded(name, body)) continue;
    names.insert(name);
  }
  return names;
}

}  // namespace sckit::policy::gen
