// A plain driver for the fuzz targets, so they build and run with gcc in the normal test
// suite: runs LLVMFuzzerTestOneInput on each file named on the command line (a seed corpus,
// and the findings under regressions/, which are replayed once and not mutated), then on a
// deterministic stream of mutations of the seeds and of a few built-in text seeds, and on
// random byte strings. The real fuzzing is the libFuzzer build
// (bazel build --config=fuzz //fuzz:all, or fuzz/build.sh, or fuzz/run_all.sh).
//   SMOKE_RUNS=N in the environment sets the number of generated inputs (default 4000).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const char* const kSeeds[] = {
    "ld [arch]\njne #AUDIT_ARCH_X86_64, kill\nld [nr]\njeq #SYS_execve, deny, ok\n"
    "ok: ld [args[1].hi]\njset #1, deny\nret ALLOW\ndeny: ret ERRNO(1)\nkill: ret KILL\n",
    "ldxb 4*([14]&0xf)\nld [x + 2]\nadd x\nst M[3]\nldx M[3]\n.insn 0xffff, 1, 2, 3\nret a\n",
    "{ 0x20, 0, 0, 0x00000004 },\n{ 0x15, 0, 1, 0xc000003e },\n{ 0x06, 0, 0, 0x7fff0000 },\n",
    "#define NR offsetof(struct seccomp_data, nr)\nBPF_STMT(BPF_LD|BPF_W|BPF_ABS, NR),\n"
    "BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, __NR_read, 0, 1),\n"
    "BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),\n",
    "arch=x86_64 nr=openat ip=0x7f0000001000 args=0xffffff9c,0x1000,0,0,0,0\n"
    "arch=i386,x86_64 nr=read,write a0=-1 a5=0x10 # comment\n",
};

std::string Mutate(std::string s, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0: if (at < s.size()) s.erase(at, 1 + rng() % 4); break;
      case 1: s.insert(at, 1, static_cast<char>(rng())); break;
      case 2: if (at < s.size()) s[at] = static_cast<char>(rng()); break;
      case 3: if (at < s.size()) s[at] = static_cast<char>(s[at] ^ (1u << (rng() % 8))); break;
      default: if (!s.empty()) s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16));
    }
  }
  return s;
}

// Each input in a heap block of exactly its size, as libFuzzer passes it: a std::string's
// data ends in a NUL byte, so a read one past the end (`nr=1-`, CI's records finding) went
// unseen by AddressSanitizer under --config=asan.
void Run(const std::string& s) {
  const std::unique_ptr<uint8_t[]> exact(new uint8_t[s.size()]);
  if (!s.empty()) std::memcpy(exact.get(), s.data(), s.size());
  LLVMFuzzerTestOneInput(exact.get(), s.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds(std::begin(kSeeds), std::end(kSeeds));
  std::vector<std::string> findings;
  for (int i = 1; i < argc; ++i) {
    FILE* f = std::fopen(argv[i], "rb");
    if (f == nullptr) {
      std::perror(argv[i]);
      return 2;
    }
    std::string bytes;
    int c;
    while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<char>(c));
    std::fclose(f);
    // A finding (fuzz/regressions/...) is replayed once, not mutated: its neighbours each cost
    // what the fix allows (a parser's full work cap), thousands of times.
    if (std::strstr(argv[i], "/regressions/") != nullptr) {
      findings.push_back(std::move(bytes));
    } else {
      seeds.push_back(std::move(bytes));
    }
  }
  int runs = 0;
  for (const std::vector<std::string>* list : {&findings, &seeds}) {
    for (const std::string& s : *list) {
      Run(s);
      ++runs;
    }
  }
  const char* env = std::getenv("SMOKE_RUNS");
  const int generated = env ? std::atoi(env) : 4000;
  std::mt19937 rng(1234);
  // Three quarters mutate a seed (a chain of mutations, restarted now and then), the rest are
  // random byte strings.
  std::string s;
  for (int i = 0; i < generated; ++i, ++runs) {
    if (i % 4 == 3) {
      std::string bytes(rng() % 512, '\0');
      for (char& b : bytes) b = static_cast<char>(rng());
      Run(bytes);
      continue;
    }
    if (i % 40 == 0) {
      s = seeds[rng() % seeds.size()];
      if (s.size() > 1024) s.resize(1024);  // mutating a 9 KB profile 4000 times is slow
    }
    s = Mutate(s, rng);
    Run(s);
  }
  std::printf("smoke: %d inputs (%zu seeds, %zu findings), no invariant violated\n", runs,
              seeds.size(), findings.size());
  return 0;
}
