// Coverage counts and feasibility, and the CFG's blocks and edges.
#include <gtest/gtest.h>

#include "analysis/cfg.h"
#include "analysis/coverage.h"
#include "vm/bpf.h"
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

}  // namespace
}  // namespace sckit::analysis
