//===- Manifest.h - artifact manifest parsing and kernel ABI ----*- C++ -*-===//
//
// The host-only half of the runtime: parses and validates manifest.json
// (docs/artifact-format.md), chooses a PTX architecture, scans PTX entry
// points, and packs kernel parameters for a given M. Nothing here touches the
// GPU, so all of it is unit-tested in CI.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_MANIFEST_H
#define AWQ_RUNTIME_MANIFEST_H

#include "formats/DType.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llvm::json {
class Object;
} // namespace llvm::json

namespace awq {
namespace runtime {

/// Element types that appear in the manifest: F16, BF16 and I32 of the one
/// project-wide enum.
using formats::DType;

/// The roles a kernel parameter may play (its "name" in the manifest).
enum class Role { X, QWeight, Scales, Zeros, Bias, Y };
constexpr unsigned kNumRoles = 6;

/// Largest M the ABI admits: variants cover 1 .. 2^31-1.
constexpr int64_t kMaxM = (int64_t(1) << 31) - 1;
/// Upper bound on the 64-bit PTX parameters of one kernel, so that a launch
/// can pack them into a stack array (6 memrefs of rank <= 4 need 66).
constexpr unsigned kMaxScalarParams = 96;
constexpr unsigned kMaxRank = 4;

/// One memref parameter of a kernel.
struct ParamSpec {
  std::string name;
  Role role;
  DType dtype;
  /// -1 stands for M.
  llvm::SmallVector<int64_t, 2> shape;
};

/// One M-range variant of a layer.
struct VariantSpec {
  std::string kernel;
  std::string family;
  int64_t mMin = 0, mMax = 0, mTile = 1;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned sharedBytes = 0;
  std::vector<ParamSpec> params;
  /// Number of 64-bit PTX parameters the params expand to (3 + 2*rank each).
  unsigned numScalarParams = 0;
};

struct LayerSpec {
  std::string name;
  int64_t n = 0, k = 0, groupSize = 0;
  int bits = 0;
  DType dtype = DType::F16;
  bool hasZeros = false, hasBias = false;
  std::map<std::string, std::string> tensors;
  /// Sorted by mMin; validated to cover [1, kMaxM] without gaps or overlaps.
  std::vector<VariantSpec> variants;
  /// Lists for single archs whose kernels differ from `variants` (the
  /// manifest's "arch_variants"), validated alike.
  std::map<std::string, std::vector<VariantSpec>> archVariants;
};

struct Manifest {
  int version = 0;
  /// Architecture ("sm_90") -> PTX file name, relative to the artifact.
  std::map<std::string, std::string> ptx;
  std::string weights;
  std::vector<LayerSpec> layers;
};

/// Parses and validates a manifest. `source` names the file in messages.
/// With `requirePtx` false (JIT results) the "ptx" map may be absent.
llvm::Expected<Manifest> parseManifest(llvm::StringRef json,
                                       llvm::StringRef source,
                                       bool requirePtx = true);

/// A parsed "sm_XY" / "sm_XYa" architecture name.
struct Arch {
  unsigned major = 0, minor = 0;
  /// The "a" suffix: arch-specific features (wgmma), runs only on exactly
  /// this compute capability.
  bool archSpecific = false;
};
/// Parses "sm_90", "sm_90a", "sm_120"; fails for anything else.
llvm::Expected<Arch> parseArch(llvm::StringRef name);

/// Chooses the manifest "ptx" key for a device of compute capability
/// major.minor: the exact match (the "a" variant first), else the highest
/// plain arch below the device's, skipping archs whose variants need more
/// than `maxSharedBytes` of shared memory per block (0: no limit). Fails,
/// listing what the artifact has, if no arch qualifies.
llvm::Expected<std::string> selectPtxArch(const Manifest &manifest,
                                          unsigned major, unsigned minor,
                                          uint64_t maxSharedBytes = 0);

/// Makes every layer's `variants` the list for `arch` (its arch_variants
/// entry where it has one) and drops the other archs' lists.
void selectArchVariants(Manifest &manifest, llvm::StringRef arch);

/// The same on one manifest "layers" element, as JSON: what a JIT result
/// built from an artifact's layer must carry (it may not have per-arch
/// lists).
void selectArchVariants(llvm::json::Object &layer, llvm::StringRef arch);

/// The PTX modules of a PTX text: a text may hold several complete modules
/// back to back, each from its `.version` line on (comments before the
/// first `.version` belong to the first module).
llvm::SmallVector<llvm::StringRef> splitPtxModules(llvm::StringRef ptx);

/// Sizes in bytes of each parameter of each `.entry` in a PTX module.
using PtxEntries = llvm::StringMap<std::vector<unsigned>>;
PtxEntries scanPtxEntries(llvm::StringRef ptx);

/// The `.entry` kernels of `ptx` whose body executes griddepcontrol.wait:
/// they wait for the stream's previous kernel before touching their
/// inputs, so they may take a programmatic dependent launch. Kernels
/// compiled before awq emitted it (or for sm_80/86/89) have none.
llvm::StringSet<> scanEntriesWaitingForPrerequisiteGrids(llvm::StringRef ptx);

/// Checks that every kernel of every variant is an entry of `ptx` with
/// exactly numScalarParams 8-byte parameters. `ptxName` names the file.
/// Unless `requireAll`, kernels absent from `ptx` are not checked (a JIT
/// result whose other kernels come later, awq_jit_result::finish).
llvm::Error checkKernelsInPtx(const Manifest &manifest, llvm::StringRef ptx,
                              llvm::StringRef ptxName,
                              bool requireAll = true);

/// The device pointers of one launch, by role.
struct LaunchPointers {
  uint64_t byRole[kNumRoles] = {0, 0, 0, 0, 0, 0};
};

/// Writes the numScalarParams 64-bit PTX parameter values of `variant` for M
/// into `out` (docs/artifact-format.md, "Kernel parameters"): per memref its
/// pointer twice, offset 0, the sizes with -1 replaced by `m`, then row-major
/// strides. Allocation-free; this runs on the launch path.
void packKernelParams(const VariantSpec &variant, int64_t m,
                      const LaunchPointers &pointers, uint64_t *out);

/// The variant serving `m`, or null if none does.
const VariantSpec *selectVariant(const LayerSpec &layer, int64_t m);

llvm::StringRef manifestDTypeName(DType dtype);
llvm::StringRef roleName(Role role);

} // namespace runtime
} // namespace awq

#endif // AWQ_RUNTIME_MANIFEST_H
