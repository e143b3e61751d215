//===- KernelSpecTest.cpp - kernel specs: parse, format, refuse -----------===//
//
// The spec strings of codegen/KernelFamilies.h are what kernel choices
// (#awq.kernel_choice), --gemm-tiles and tuning tables carry: awq-compile
// and the JIT format a choice and parse it back before building, so a
// spec must survive the round trip exactly, and a malformed one must be
// refused without reading past its fields.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelFamilies.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;
using namespace mlir::awq;

namespace {

std::string roundTrip(const std::string &spec) {
  std::string error;
  FailureOr<KernelConfig> parsed = parseKernelSpec(spec, error);
  if (failed(parsed))
    return "refused: " + error;
  return formatKernelSpec(*parsed);
}

TEST(KernelSpec, CanonicalSpecsOfEveryFamilyRoundTrip) {
  for (const char *spec :
       {// GEMV: row groups, occupancy hint.
        "v1x4x4x1", "v1x4x4x2xg2", "v1x4x8x1xg2xb6",
        // Stream kernel: WARPSN, then the flags in order.
        "s1x4x8x1", "s2x4x4x1x2", "s1x4x8x1x1xp", "s1x4x4x1x1xt",
        "s1x2x2x1x2xpxtxs",
        // mma.sync GEMM: K chunks and warps, double buffer, registers.
        "64x64x2x2x3", "128x128x4x2x3x2x1", "128x128x4x2x3x2x1x1",
        "64x32x2x1x2x2x1xr",
        // wgmma: split K, warp specialisation.
        "w64x64x1x6", "w64x64x1x6xk4", "w256x128x2x4xws",
        "w64x64x1x8xu2", "w64x64x1x8xk2xu2", "w64x64x1x12xu4",
        "w128x64x2x3xws",
        // wgmma with the weights as register A.
        "w64x64x1x6xt", "w128x64x1x6xk2xt", "w64x128x1x8xu2xt"})
    EXPECT_EQ(roundTrip(spec), spec);
}

TEST(KernelSpec, DefaultFieldsAreDroppedWhenFormatted) {
  // WARPSN = 1 without flags, one K chunk on one warp: the short forms.
  EXPECT_EQ(roundTrip("s1x4x8x1x1"), "s1x4x8x1");
  EXPECT_EQ(roundTrip("64x64x2x2x3x1x1"), "64x64x2x2x3");
  EXPECT_EQ(roundTrip("w64x64x1x6xk1"), "w64x64x1x6");
  EXPECT_EQ(roundTrip("w64x64x1x6xu1"), "w64x64x1x6");
}

TEST(KernelSpec, MalformedSpecsAreRefusedWithTheirSyntax) {
  for (const char *spec :
       {"", "w", "w64x64", "w64x64x1x6xk", "w64x64x1x6xq", "w64x64x1x6xwsxws",
        "w64x64x1x6xk2x3", "w64x64x1x6xu", "w64x64x1x6xu2xk2",
        "w64x64x1x6xtxt", "w64x64x1x6xtxk2", "s1x4x8", "s1x4x8x1xp", "s1x4x8x1x1xq",
        "s1x4x8x1x1xpxp", "s1x4x8x1x1xpxtxsxp", "v1x4", "v1x4x4x1xq",
        "64x64", "64x64x2x2x3x2", "64x64x2x2x3x2x1xz", "w-64x64x1x6"}) {
    std::string error;
    EXPECT_TRUE(failed(parseKernelSpec(spec, error))) << spec;
    EXPECT_FALSE(error.empty()) << spec;
  }
}

TEST(KernelSpec, TheRefusalNamesTheFamilysSyntax) {
  std::string error;
  ASSERT_TRUE(failed(parseKernelSpec("w64x64x1x6xq", error)));
  EXPECT_NE(error.find("wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws][xt]"),
            std::string::npos)
      << error;
  ASSERT_TRUE(failed(parseKernelSpec("s1x4x8", error)));
  EXPECT_NE(error.find("sMTILESxNTILESxWARPSxUNROLL"), std::string::npos)
      << error;
}

} // namespace
