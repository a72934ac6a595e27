// Coverage counts and feasibility, the CFG's blocks and edges, and the size rule that keeps
// `sckit cfg --format svg` away from layouts Graphviz needs minutes for.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "analysis/cfg.h"
#include "analysis/coverage.h"
#include "vm/bpf.h"
#include "formats/codec.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "verifier/verifier.h"

namespace sckit::analysis {
namespace {

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

SeccompData Nr(int32_t nr) {
  SeccompData d;
  d.arch = 0xc000003e;
  d.nr = nr;
  return d;
}

// 0 ld [nr]; 1 jeq #1 ? 2 : 3; 2 ret ALLOW; 3 ld #5; 4 jeq #5 ? 6 : 5; 5 ret KILL (dead);
// 6 ret ERRNO(1)
Program P() {
  return Program{{Stmt(0x20, 0), Jump(0x15, 1, 0, 1), Stmt(0x06, 0x7fff0000), Stmt(0x00, 5),
                  Jump(0x15, 5, 1, 0), Stmt(0x06, 0), Stmt(0x06, 0x00050001)}};
}

TEST(Coverage, CountsHitsAndBranchDirections) {
  const VerifiedProgram p = V(P());
  CoverageCollector c({&p});
  c.Add(Nr(1));
  c.Add(Nr(1));
  std::vector<FilterCoverage> r = c.Finish();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].insns[0].hits, 2u);
  EXPECT_EQ(r[0].insns[1].taken, 2u);
  EXPECT_EQ(r[0].insns[1].not_taken, 0u);
  EXPECT_EQ(r[0].insns[3].hits, 0u);
  // pc 5 and the false edge of pc 4 are infeasible: not counted against coverage.
  EXPECT_FALSE(r[0].insns[5].feasible);
  EXPECT_TRUE(r[0].insns[4].taken_feasible);
  EXPECT_FALSE(r[0].insns[4].not_taken_feasible);
  EXPECT_EQ(r[0].insns_feasible, 6u);
  EXPECT_EQ(r[0].insns_hit, 3u);
  EXPECT_EQ(r[0].branches_feasible, 3u);
  EXPECT_EQ(r[0].branches_hit, 1u);
}

TEST(Coverage, FullCoverageIsHundredPercent) {
  const VerifiedProgram p = V(P());
  CoverageCollector c({&p});
  c.Add(Nr(1));
  c.Add(Nr(2));
  std::vector<FilterCoverage> r = c.Finish();
  EXPECT_DOUBLE_EQ(r[0].InsnPercent(), 100.0);
  EXPECT_DOUBLE_EQ(r[0].BranchPercent(), 100.0);
}

TEST(Coverage, EveryFilterOfAStackRuns) {
  const VerifiedProgram a = V(P());
  const VerifiedProgram b = V(Program{{Stmt(0x06, 0x7fff0000)}});
  CoverageCollector c({&a, &b});
  c.Add(Nr(3));
  std::vector<FilterCoverage> r = c.Finish();
  EXPECT_EQ(r[1].insns[0].hits, 1u);
  EXPECT_EQ(r[0].insns[6].hits, 1u);
}

TEST(Cfg, BlocksAndEdges) {
  const Program p = P();
  std::vector<BasicBlock> blocks = BasicBlocks(p);
  ASSERT_EQ(blocks.size(), 5u);  // [0,1] [2] [3,4] [5] [6]
  EXPECT_EQ(blocks[0].last, 1u);
  EXPECT_EQ(blocks[2].first, 3u);
  EXPECT_EQ(blocks[2].last, 4u);
  const std::string dot = ToDot(p, "t");
  EXPECT_NE(dot.find("b0 -> b2 [label=\"true\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("b0 -> b3 [label=\"false\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("fillcolor=palegreen"), std::string::npos);
  EXPECT_NE(dot.find("fillcolor=khaki"), std::string::npos);
}

// n compares on nr whose true edges all meet in three shared returns at the end: the shape of
// real allow-lists, and what makes dot slow (edge i crosses n - i ranks).
Program SharedReturns(uint32_t n) {
  Program p{{Stmt(0x20, 0)}};
  for (uint32_t i = 0; i < n; ++i) {
    p.insns.push_back(Jump(0x15, i, static_cast<uint8_t>(n - 1 - i + i % 3), 0));
  }
  for (uint32_t k : {0x00050001u, 0x00050002u, 0x7fff0000u, 0x00050003u}) {
    p.insns.push_back(Stmt(0x06, k));
  }
  return p;
}

// n compares whose true edge returns at once: a chain, no edge crosses a rank.
Program Chain(uint32_t n) {
  Program p{{Stmt(0x20, 0)}};
  for (uint32_t i = 0; i < n; ++i) {
    p.insns.push_back(Jump(0x15, i, 0, 1));
    p.insns.push_back(Stmt(0x06, 0x00050000 | i));
  }
  p.insns.push_back(Stmt(0x06, 0x7fff0000));
  return p;
}

TEST(Cfg, LayoutSizeCountsTheRanksEdgesCross) {
  // P(): ranks b0=0, b2=1, b3=1, b5=2, b6=2; no edge skips a rank.
  EXPECT_EQ(DotLayoutSize(P()).blocks, 5u);
  EXPECT_EQ(DotLayoutSize(P()).virtual_nodes, 0u);
  EXPECT_EQ(DotLayoutSize(Chain(100)).blocks, 201u);
  EXPECT_EQ(DotLayoutSize(Chain(100)).virtual_nodes, 0u);
  // ld; jeq 0..n-1, every true edge to one ALLOW after a KILL: compare i sits at rank i (the
  // first shares block 0 with the load), KILL and ALLOW at rank n, so compare i's true edge
  // crosses n - i - 1 ranks: n (n - 1) / 2 virtual nodes.
  auto one_shared = [](uint32_t n) {
    Program p{{Stmt(0x20, 0)}};
    for (uint32_t i = 0; i < n; ++i) {
      p.insns.push_back(Jump(0x15, i, static_cast<uint8_t>(n - i), 0));
    }
    p.insns.push_back(Stmt(0x06, 0));
    p.insns.push_back(Stmt(0x06, 0x7fff0000));
    return p;
  };
  EXPECT_EQ(DotLayoutSize(one_shared(3)).blocks, 5u);
  EXPECT_EQ(DotLayoutSize(one_shared(3)).virtual_nodes, 3u);
  EXPECT_EQ(DotLayoutSize(one_shared(100)).blocks, 102u);
  EXPECT_EQ(DotLayoutSize(one_shared(100)).virtual_nodes, 4950u);
}

std::string WriteFilter(const std::string& name, const Program& p) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  const std::vector<uint8_t> raw = EncodeRaw(p);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  return path;
}

// Refused before Graphviz runs (so whether it is installed does not matter): exit 2 and a
// message naming the size and --format dot. The dot output of the same filters still works.
TEST(Cfg, SvgRefusesLayoutsPastTheLimits) {
  for (const auto& [name, program] :
       {std::pair{"shared.bpf", SharedReturns(120)}, std::pair{"chain.bpf", Chain(800)}}) {
    const std::string file = WriteFilter(name, program);
    const LayoutSize size = DotLayoutSize(program);
    EXPECT_TRUE(size.blocks > kSvgMaxBlocks || size.nodes() > kSvgMaxLayoutNodes) << name;
    const testing::CliRun svg =
        testing::CaptureCli(tools::CmdCfg, {"--format", "svg", "-o", file + ".svg", file});
    EXPECT_EQ(svg.code, 2) << name;
    const std::string& err = svg.err;
    EXPECT_NE(err.find("too large for an SVG layout"), std::string::npos) << err;
    EXPECT_NE(err.find("use --format dot"), std::string::npos) << err;
    EXPECT_EQ(tools::CmdCfg({"--format", "dot", "-o", file + ".dot", file}), 0) << name;
  }
  // Just under the limits: not refused for its size (it may still fail without Graphviz).
  const std::string file = WriteFilter("small.bpf", SharedReturns(90));
  ASSERT_LE(DotLayoutSize(SharedReturns(90)).nodes(), kSvgMaxLayoutNodes);
  const testing::CliRun svg =
      testing::CaptureCli(tools::CmdCfg, {"--format", "svg", "-o", file + ".svg", file});
  EXPECT_EQ(svg.err.find("too large"), std::string::npos) << svg.err;
}

}  // namespace
}  // namespace sckit::analysis
