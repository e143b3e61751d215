//===- KernelFamilies.cpp - one interface over the kernel families --------===//
//
// Each family is a Family<Config> specialisation with the same static
// members (check, name, describe, launch, build, format, parse); the free
// functions of KernelFamilies.h dispatch on the variant.
//
//===----------------------------------------------------------------------===//

#include "codegen/KernelFamilies.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::awq;

namespace {

template <typename Config> struct Family;

/// "x"-separated fields of a spec after its family prefix.
SmallVector<StringRef> fields(StringRef spec) {
  SmallVector<StringRef> out;
  spec.split(out, 'x');
  return out;
}

/// Reads `field` as a positive integer into `value`.
bool readInt(StringRef field, int64_t &value) {
  return !field.getAsInteger(10, value) && value > 0;
}

/// A trailing "LETTERn" field (e.g. "k4", "g2"): sets `value` and returns
/// true if `field` is one.
bool readTagged(StringRef field, char letter, int64_t &value) {
  return field.consume_front(StringRef(&letter, 1)) && readInt(field, value);
}

template <> struct Family<GemvConfig> {
  static std::string check(const LinearShape &shape, const GemvConfig &c) {
    if (std::string why = checkGemvSupport(shape); !why.empty())
      return why;
    return checkGemvConfig(shape, c);
  }
  static std::string name(const LinearShape &shape, const GemvConfig &c) {
    std::string name =
        llvm::formatv("awq_gemv_{0}_mt{1}_r{2}_u{3}", shape.tag(), c.mTile,
                      c.rowsPerWarp, c.unroll);
    if (c.warpsPerBlock != 4)
      name += "_w" + std::to_string(c.warpsPerBlock);
    if (c.rowGroups > 1)
      name += "_g" + std::to_string(c.rowGroups);
    if (c.minBlocksPerSM > 0)
      name += "_b" + std::to_string(c.minBlocksPerSM);
    return name;
  }
  static std::string describe(const GemvConfig &c) {
    return llvm::formatv("GEMV tile {0}x{1}", c.mTile, c.rowsPerWarp).str();
  }
  static KernelLaunch launch(const LinearShape &s, const GemvConfig &c) {
    return gemvLaunch(s, c);
  }
  static KernelLaunch build(OpBuilder &b, Location loc, gpu::GPUModuleOp m,
                            StringRef name, const LinearShape &s,
                            const GemvConfig &c) {
    return buildGemvKernel(b, loc, m, name, s, c);
  }
  static std::string format(const GemvConfig &c) {
    std::string spec = llvm::formatv("v{0}x{1}x{2}x{3}", c.mTile, c.rowsPerWarp,
                                     c.warpsPerBlock, c.unroll);
    if (c.rowGroups > 1)
      spec += "xg" + std::to_string(c.rowGroups);
    if (c.minBlocksPerSM > 0)
      spec += "xb" + std::to_string(c.minBlocksPerSM);
    return spec;
  }
  static FailureOr<GemvConfig> parse(StringRef spec) {
    SmallVector<StringRef> f = fields(spec);
    GemvConfig c;
    if (f.size() < 4 || !readInt(f[0], c.mTile) ||
        !readInt(f[1], c.rowsPerWarp) || !readInt(f[2], c.warpsPerBlock) ||
        !readInt(f[3], c.unroll))
      return failure();
    for (StringRef field : ArrayRef(f).drop_front(4))
      if (!readTagged(field, 'g', c.rowGroups) &&
          !readTagged(field, 'b', c.minBlocksPerSM))
        return failure();
    return c;
  }
};

template <> struct Family<GemmConfig> {
  static std::string check(const LinearShape &shape, const GemmConfig &c) {
    return checkGemmSupport(shape, c);
  }
  static std::string name(const LinearShape &shape, const GemmConfig &c) {
    std::string name =
        llvm::formatv("awq_gemm_{0}_bm{1}_bn{2}_w{3}x{4}_s{5}", shape.tag(),
                      c.tileM, c.tileN, c.warpsM, c.warpsN, c.stages);
    if (c.kChunks > 1 || c.warpsK > 1)
      name += llvm::formatv("_bk{0}_wk{1}", 32 * c.kChunks, c.warpsK).str();
    if (c.doubleBufferW)
      name += "_db";
    if (c.dequantInRegisters)
      name += "_rd";
    return name;
  }
  static std::string describe(const GemmConfig &c) {
    return llvm::formatv("GEMM tile {0}x{1}", c.tileM, c.tileN).str();
  }
  static KernelLaunch launch(const LinearShape &s, const GemmConfig &c) {
    return gemmLaunch(s, c);
  }
  static KernelLaunch build(OpBuilder &b, Location loc, gpu::GPUModuleOp m,
                            StringRef name, const LinearShape &s,
                            const GemmConfig &c) {
    return buildGemmKernel(b, loc, m, name, s, c);
  }
  /// BMxBNxWMxWNxSTAGES[xKCHUNKSxWARPSK[xW]], W: 0, 1 (double-buffered
  /// dequantized tile) or r (dequantized in registers). The occupancy hint
  /// is not part of the spec: it is always 1 block per SM.
  static std::string format(const GemmConfig &c) {
    std::string spec = llvm::formatv("{0}x{1}x{2}x{3}x{4}", c.tileM, c.tileN,
                                     c.warpsM, c.warpsN, c.stages);
    bool flag = c.doubleBufferW || c.dequantInRegisters;
    if (c.kChunks > 1 || c.warpsK > 1 || flag)
      spec += llvm::formatv("x{0}x{1}", c.kChunks, c.warpsK).str();
    if (flag)
      spec += c.dequantInRegisters ? "xr" : "x1";
    return spec;
  }
  static FailureOr<GemmConfig> parse(StringRef spec) {
    SmallVector<StringRef> f = fields(spec);
    GemmConfig c;
    if ((f.size() != 5 && f.size() != 7 && f.size() != 8) ||
        !readInt(f[0], c.tileM) || !readInt(f[1], c.tileN) ||
        !readInt(f[2], c.warpsM) || !readInt(f[3], c.warpsN) ||
        !readInt(f[4], c.stages) ||
        (f.size() >= 7 &&
         (!readInt(f[5], c.kChunks) || !readInt(f[6], c.warpsK))) ||
        (f.size() == 8 && f[7] != "0" && f[7] != "1" && f[7] != "r"))
      return failure();
    if (f.size() == 8) {
      c.doubleBufferW = f[7] == "1";
      c.dequantInRegisters = f[7] == "r";
    }
    return c;
  }
};

template <> struct Family<StreamConfig> {
  static std::string check(const LinearShape &shape, const StreamConfig &c) {
    return checkStreamSupport(shape, c);
  }
  static std::string name(const LinearShape &shape, const StreamConfig &c) {
    std::string name =
        llvm::formatv("awq_gemm_{0}_stream_mt{1}_nt{2}_w{3}_u{4}", shape.tag(),
                      c.mTiles, c.nTiles, c.warps, c.unroll);
    if (c.warpsN > 1)
      name += "_wn" + std::to_string(c.warpsN);
    return name + (c.prefetch ? "_p" : "") + (c.weightsAsA ? "_t" : "") +
           (c.stageActivations ? "_s" : "");
  }
  static std::string describe(const StreamConfig &) {
    return "the stream kernel";
  }
  static KernelLaunch launch(const LinearShape &s, const StreamConfig &c) {
    return streamLaunch(s, c);
  }
  static KernelLaunch build(OpBuilder &b, Location loc, gpu::GPUModuleOp m,
                            StringRef name, const LinearShape &s,
                            const StreamConfig &c) {
    return buildStreamKernel(b, loc, m, name, s, c);
  }
  /// sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]].
  static std::string format(const StreamConfig &c) {
    std::string spec = llvm::formatv("s{0}x{1}x{2}x{3}", c.mTiles, c.nTiles,
                                     c.warps, c.unroll);
    bool flags = c.prefetch || c.weightsAsA || c.stageActivations;
    if (c.warpsN > 1 || flags)
      spec += "x" + std::to_string(c.warpsN);
    return spec + (c.prefetch ? "xp" : "") + (c.weightsAsA ? "xt" : "") +
           (c.stageActivations ? "xs" : "");
  }
  static FailureOr<StreamConfig> parse(StringRef spec) {
    if (!spec.consume_front("s"))
      return failure();
    SmallVector<StringRef> f = fields(spec);
    StreamConfig c;
    if (f.size() < 4 || f.size() > 8 || !readInt(f[0], c.mTiles) ||
        !readInt(f[1], c.nTiles) || !readInt(f[2], c.warps) ||
        !readInt(f[3], c.unroll) || (f.size() >= 5 && !readInt(f[4], c.warpsN)))
      return failure();
    // Flags follow WARPSN; "s1x4x8x1" (WARPSN omitted) has none.
    for (StringRef field :
         ArrayRef(f).drop_front(std::min<size_t>(5, f.size()))) {
      bool *flag = field == "p"   ? &c.prefetch
                   : field == "t" ? &c.weightsAsA
                   : field == "s" ? &c.stageActivations
                                  : nullptr;
      if (!flag || *flag)
        return failure();
      *flag = true;
    }
    return c;
  }
};

template <> struct Family<WgmmaConfig> {
  static std::string check(const LinearShape &shape, const WgmmaConfig &c) {
    return checkWgmmaSupport(shape, c);
  }
  static std::string name(const LinearShape &shape, const WgmmaConfig &c) {
    std::string name =
        llvm::formatv("awq_gemm_{0}_wgmma_bm{1}_bn{2}_wg{3}_s{4}", shape.tag(),
                      c.tileM, c.tileN, c.warpgroups, c.stages);
    if (c.splitK > 1)
      name += "_k" + std::to_string(c.splitK);
    if (c.tilesPerStep > 1)
      name += "_u" + std::to_string(c.tilesPerStep);
    if (c.warpSpecialized)
      name += "_ws";
    if (c.weightsAsA)
      name += "_t";
    return name;
  }
  static std::string describe(const WgmmaConfig &c) {
    return llvm::formatv("warpgroup-MMA tile {0}x{1}{2}{3}", c.tileM, c.tileN,
                         c.warpSpecialized ? ", warp-specialised" : "",
                         c.weightsAsA ? ", weights as register A" : "")
        .str();
  }
  static KernelLaunch launch(const LinearShape &s, const WgmmaConfig &c) {
    return wgmmaLaunch(s, c);
  }
  static KernelLaunch build(OpBuilder &b, Location loc, gpu::GPUModuleOp m,
                            StringRef name, const LinearShape &s,
                            const WgmmaConfig &c) {
    return buildWgmmaKernel(b, loc, m, name, s, c);
  }
  /// wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILESPERSTEP][xws][xt].
  static std::string format(const WgmmaConfig &c) {
    std::string spec = llvm::formatv("w{0}x{1}x{2}x{3}", c.tileM, c.tileN,
                                     c.warpgroups, c.stages);
    if (c.splitK > 1)
      spec += "xk" + std::to_string(c.splitK);
    if (c.tilesPerStep > 1)
      spec += "xu" + std::to_string(c.tilesPerStep);
    if (c.warpSpecialized)
      spec += "xws";
    if (c.weightsAsA)
      spec += "xt";
    return spec;
  }
  static FailureOr<WgmmaConfig> parse(StringRef spec) {
    if (!spec.consume_front("w"))
      return failure();
    SmallVector<StringRef> f = fields(spec);
    WgmmaConfig c;
    if (f.size() > 4 && f.back() == "t") {
      c.weightsAsA = true;
      f.pop_back();
    }
    if (f.size() > 4 && f.back() == "ws") {
      c.warpSpecialized = true;
      f.pop_back();
    }
    if (f.size() > 4 && f.back().starts_with("u")) {
      if (!readTagged(f.back(), 'u', c.tilesPerStep))
        return failure();
      f.pop_back();
    }
    if ((f.size() != 4 && f.size() != 5) || !readInt(f[0], c.tileM) ||
        !readInt(f[1], c.tileN) || !readInt(f[2], c.warpgroups) ||
        !readInt(f[3], c.stages) ||
        (f.size() == 5 && !readTagged(f[4], 'k', c.splitK)))
      return failure();
    return c;
  }
};

template <typename Config> FailureOr<KernelConfig> parseAs(StringRef spec) {
  FailureOr<Config> parsed = Family<Config>::parse(spec);
  if (failed(parsed))
    return failure();
  return KernelConfig(*parsed);
}

} // namespace

std::string mlir::awq::checkKernel(const LinearShape &shape,
                                   const KernelConfig &config) {
  return std::visit(
      [&](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::check(shape, c);
      },
      config);
}

std::string mlir::awq::kernelName(const LinearShape &shape,
                                  const KernelConfig &config) {
  return std::visit(
      [&](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::name(shape, c);
      },
      config);
}

std::string mlir::awq::describeKernel(const KernelConfig &config) {
  return std::visit(
      [](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::describe(c);
      },
      config);
}

KernelLaunch mlir::awq::kernelLaunch(const LinearShape &shape,
                                     const KernelConfig &config) {
  return std::visit(
      [&](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::launch(shape, c);
      },
      config);
}

KernelLaunch mlir::awq::buildKernel(OpBuilder &builder, Location loc,
                                    gpu::GPUModuleOp module, StringRef name,
                                    const LinearShape &shape,
                                    const KernelConfig &config) {
  return std::visit(
      [&](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::build(builder, loc, module,
                                                        name, shape, c);
      },
      config);
}

std::string mlir::awq::formatKernelSpec(const KernelConfig &config) {
  return std::visit(
      [](const auto &c) {
        return Family<std::decay_t<decltype(c)>>::format(c);
      },
      config);
}

FailureOr<KernelConfig> mlir::awq::parseKernelSpec(StringRef spec,
                                                   std::string &error) {
  FailureOr<KernelConfig> parsed =
      spec.starts_with("w")   ? parseAs<WgmmaConfig>(spec)
      : spec.starts_with("s") ? parseAs<StreamConfig>(spec)
      : spec.starts_with("v") ? parseAs<GemvConfig>(spec.drop_front())
                              : parseAs<GemmConfig>(spec);
  if (succeeded(parsed))
    return parsed;
  if (spec.starts_with("w"))
    error = "wBMxBNxWARPGROUPSxSTAGES[xkSPLITK][xuTILES][xws][xt] (kSPLITK: "
            "K split over that many blocks of a cluster; uTILES: K tiles of "
            "64 per pipeline step; ws: a producer warpgroup copies and "
            "dequantizes for WARPGROUPS consumers; t: weights as wgmma's A "
            "operand, dequantized into registers)";
  else if (spec.starts_with("s"))
    error = "sMTILESxNTILESxWARPSxUNROLL[xWARPSN[xp][xt][xs]] (p: prefetch "
            "the next step, t: weights as the MMA's A operand, s: "
            "activations staged in shared memory)";
  else if (spec.starts_with("v"))
    error = "vMTILExROWSxWARPSxUNROLL[xgROWGROUPS][xbMINBLOCKS]";
  else
    error = "BMxBNxWMxWNxSTAGES[xKCHUNKSxWK[xW]] with W 0, 1 "
            "(double-buffered dequantized tile) or r (dequantized into "
            "registers)";
  return failure();
}
