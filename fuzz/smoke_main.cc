// A plain driver for the fuzz targets, so they build and run with gcc in the normal test
// suite: runs LLVMFuzzerTestOneInput on each file named on the command line, or else on a
// deterministic stream of random and mutated inputs. The real fuzzing is the libFuzzer build
// (bazel build --config=fuzz //fuzz:all).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
};

std::string Mutate(std::string s, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 4) {
      case 0: if (at < s.size()) s.erase(at, 1 + rng() % 4); break;
      case 1: s.insert(at, 1, static_cast<char>(rng())); break;
      case 2: if (at < s.size()) s[at] = static_cast<char>(rng()); break;
      default: if (!s.empty()) s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 16));
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    for (int i = 1; i < argc; ++i) {
      FILE* f = std::fopen(argv[i], "rb");
      if (f == nullptr) {
        std::perror(argv[i]);
        return 2;
      }
      std::vector<uint8_t> bytes;
      int c;
      while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
      std::fclose(f);
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
    return 0;
  }
  std::mt19937 rng(1234);
  int runs = 0;
  for (const char* seed : kSeeds) {
    std::string s = seed;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    for (int i = 0; i < 3000; ++i, ++runs) {
      s = (i % 50 == 0) ? std::string(seed) : Mutate(s, rng);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
  }
  for (int i = 0; i < 3000; ++i, ++runs) {
    std::vector<uint8_t> bytes(rng() % 256);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("smoke: %d inputs, no invariant violated\n", runs);
  return 0;
}
