//===- ManifestTest.cpp - manifest parsing, validation and the ABI --------===//

#include "runtime/Manifest.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

using namespace awq::runtime;
namespace json = llvm::json;

namespace {

json::Object param(const char *name, const char *dtype,
                   std::vector<int64_t> shape) {
  json::Array dims;
  for (int64_t d : shape)
    dims.push_back(d);
  return json::Object{{"name", name}, {"dtype", dtype}, {"shape", std::move(dims)}};
}

json::Object variant(const char *kernel, int64_t mMin, int64_t mMax,
                     int64_t n = 256, int64_t k = 512) {
  return json::Object{
      {"kernel", kernel},
      {"family", mMax <= 8 ? "gemv" : "gemm"},
      {"m_min", mMin},
      {"m_max", mMax},
      {"m_tile", mMax <= 8 ? 1 : 64},
      {"grid", json::Array{32, 1, 1}},
      {"block", json::Array{128, 1, 1}},
      {"shared_bytes", 0},
      {"params", json::Array{param("x", "f16", {-1, k}),
                             param("qweight", "i32", {n, k / 8}),
                             param("scales", "f16", {n, k / 128}),
                             param("zeros", "f16", {n, k / 128}),
                             param("y", "f16", {-1, n})}}};
}

/// A valid manifest: one layer n=256 k=512 g=128 with two variants.
json::Object validManifest() {
  json::Object layer{
      {"name", "blk.0.up"},
      {"n", 256},
      {"k", 512},
      {"group_size", 128},
      {"bits", 4},
      {"dtype", "f16"},
      {"has_zeros", true},
      {"has_bias", false},
      {"tensors", json::Object{{"qweight", "blk.0.up.qweight"}}},
      {"variants", json::Array{variant("gemm_k", 9, kMaxM),
                               variant("gemv_k", 1, 8)}}};
  return json::Object{{"format", "awq-artifact"},
                      {"version", 1},
                      {"ptx", json::Object{{"sm_90", "kernels.sm_90.ptx"},
                                           {"sm_80", "kernels.sm_80.ptx"}}},
                      {"weights", "weights.safetensors"},
                      {"layers", json::Array{std::move(layer)}}};
}

std::string text(const json::Object &object) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << json::Value(json::Object(object));
  return s;
}

json::Object &layer0(json::Object &manifest) {
  return *(*manifest.getArray("layers"))[0].getAsObject();
}

json::Object &variant0(json::Object &manifest) {
  return *(*layer0(manifest).getArray("variants"))[0].getAsObject();
}

/// Parses and returns the error message ("" on success).
std::string parseError(const json::Object &manifest) {
  llvm::Expected<Manifest> parsed =
      parseManifest(text(manifest), "art/manifest.json");
  if (parsed)
    return "";
  return llvm::toString(parsed.takeError());
}

TEST(Manifest, ParsesValidManifest) {
  llvm::Expected<Manifest> parsed =
      parseManifest(text(validManifest()), "manifest.json");
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  ASSERT_EQ(parsed->layers.size(), 1u);
  const LayerSpec &layer = parsed->layers[0];
  EXPECT_EQ(layer.name, "blk.0.up");
  EXPECT_EQ(layer.n, 256);
  EXPECT_EQ(layer.k, 512);
  EXPECT_EQ(layer.groupSize, 128);
  EXPECT_TRUE(layer.hasZeros);
  EXPECT_EQ(layer.tensors.at("qweight"), "blk.0.up.qweight");
  ASSERT_EQ(layer.variants.size(), 2u);
  // Sorted by m_min regardless of manifest order.
  EXPECT_EQ(layer.variants[0].kernel, "gemv_k");
  EXPECT_EQ(layer.variants[1].kernel, "gemm_k");
  // Five rank-2 memrefs: 5 * (3 + 2*2).
  EXPECT_EQ(layer.variants[0].numScalarParams, 35u);
  EXPECT_EQ(parsed->ptx.at("sm_90"), "kernels.sm_90.ptx");
}

TEST(Manifest, MalformedJson) {
  llvm::Expected<Manifest> parsed =
      parseManifest("{\"format\": \"awq-artifact\",", "x/manifest.json");
  ASSERT_FALSE(static_cast<bool>(parsed));
  std::string message = llvm::toString(parsed.takeError());
  EXPECT_NE(message.find("x/manifest.json: malformed JSON"),
                    std::string::npos)
      << message;
}

TEST(Manifest, TopLevelErrors) {
  json::Object m = validManifest();
  m["format"] = "something-else";
  EXPECT_NE(parseError(m).find("format: expected \"awq-artifact\""),
            std::string::npos);
  m = validManifest();
  m["version"] = 2;
  EXPECT_NE(parseError(m).find("version: 2 is not supported"),
            std::string::npos);
  m = validManifest();
  m.erase("layers");
  EXPECT_NE(parseError(m).find("layers: missing required field"),
            std::string::npos);
  m = validManifest();
  m.erase("ptx");
  EXPECT_NE(parseError(m).find("ptx: missing or empty"), std::string::npos);
  EXPECT_TRUE(static_cast<bool>(
      parseManifest(text(m), "jit", /*requirePtx=*/false)));
  m = validManifest();
  (*m.getObject("ptx"))["sm_90"] = "../../etc/passwd";
  EXPECT_NE(parseError(m).find("not a plain file name"), std::string::npos);
}

TEST(Manifest, UnknownArch) {
  for (const char *arch : {"compute_90", "sm_9", "sm_9x", "sm_", "gfx90a"}) {
    json::Object m = validManifest();
    (*m.getObject("ptx"))[arch] = "k.ptx";
    std::string error = parseError(m);
    EXPECT_NE(error.find(std::string("ptx.") + arch + ": unknown architecture"),
              std::string::npos)
        << arch << ": " << error;
  }
}

TEST(Manifest, MissingLayerField) {
  for (const char *field :
       {"name", "n", "k", "group_size", "bits", "dtype", "has_zeros",
        "has_bias", "variants"}) {
    json::Object m = validManifest();
    layer0(m).erase(field);
    std::string error = parseError(m);
    EXPECT_NE(error.find(std::string(".") + field +
                         ": missing required field"),
              std::string::npos)
        << field << ": " << error;
    EXPECT_NE(error.find("art/manifest.json: layers[0]"), std::string::npos)
        << error;
  }
}

TEST(Manifest, MissingVariantField) {
  for (const char *field : {"kernel", "family", "m_min", "m_max", "m_tile",
                            "grid", "block", "shared_bytes", "params"}) {
    json::Object m = validManifest();
    variant0(m).erase(field);
    std::string error = parseError(m);
    EXPECT_NE(error.find(std::string("layers[0] (blk.0.up).variants[0].") +
                         field + ": missing required field"),
              std::string::npos)
        << field << ": " << error;
  }
}

TEST(Manifest, WrongFieldTypes) {
  json::Object m = validManifest();
  layer0(m)["n"] = "256";
  EXPECT_NE(parseError(m).find(".n: expected an integer"), std::string::npos);
  m = validManifest();
  layer0(m)["has_bias"] = 0;
  EXPECT_NE(parseError(m).find(".has_bias: expected true or false"),
            std::string::npos);
  m = validManifest();
  variant0(m)["grid"] = json::Array{1, 2};
  EXPECT_NE(parseError(m).find(".grid: expected 3 integers"),
            std::string::npos);
  m = validManifest();
  variant0(m)["block"] = json::Array{64, 32, 1};
  EXPECT_NE(parseError(m).find("more than 1024 threads"), std::string::npos);
  m = validManifest();
  layer0(m)["dtype"] = "f32";
  EXPECT_NE(parseError(m).find("'f32' is not an activation dtype"),
            std::string::npos);
  m = validManifest();
  layer0(m)["bits"] = 3;
  EXPECT_NE(parseError(m).find("bits: 3 is not supported"), std::string::npos);
  m = validManifest();
  variant0(m)["family"] = "wgmma";
  EXPECT_NE(parseError(m).find("'wgmma' is neither"), std::string::npos);
}

TEST(Manifest, GroupSizeMustDivideK) {
  json::Object m = validManifest();
  layer0(m)["group_size"] = 96;
  EXPECT_NE(parseError(m).find("group_size 96 does not divide k 512"),
            std::string::npos);
}

TEST(Manifest, GapInMRanges) {
  json::Object m = validManifest();
  layer0(m)["variants"] =
      json::Array{variant("a", 1, 4), variant("b", 9, kMaxM)};
  EXPECT_NE(parseError(m).find("variants leave M in [5, 8] uncovered"),
            std::string::npos)
      << parseError(m);
}

TEST(Manifest, ArchVariantsReplaceTheCommonListForTheirArch) {
  json::Object m = validManifest();
  layer0(m)["arch_variants"] =
      json::Object{{"sm_90", json::Array{variant("wide_k", 9, kMaxM),
                                         variant("gemv_k", 1, 8)}}};
  llvm::Expected<Manifest> parsed = parseManifest(text(m), "manifest.json");
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  ASSERT_EQ(parsed->layers[0].archVariants.count("sm_90"), 1u);
  // Sorted and validated like "variants".
  EXPECT_EQ(parsed->layers[0].archVariants.at("sm_90")[1].kernel, "wide_k");

  Manifest forSm80 = *parsed;
  selectArchVariants(forSm80, "sm_80");
  EXPECT_EQ(forSm80.layers[0].variants[1].kernel, "gemm_k");
  EXPECT_TRUE(forSm80.layers[0].archVariants.empty());
  Manifest forSm90 = *parsed;
  selectArchVariants(forSm90, "sm_90");
  EXPECT_EQ(forSm90.layers[0].variants[1].kernel, "wide_k");
}

TEST(Manifest, ArchVariantsSelectedInJson) {
  json::Object m = validManifest();
  layer0(m)["arch_variants"] = json::Object{
      {"sm_90", json::Array{variant("wide_k", 1, kMaxM)}}};
  json::Object forSm90 = layer0(m);
  selectArchVariants(forSm90, "sm_90");
  EXPECT_EQ(forSm90.get("arch_variants"), nullptr);
  EXPECT_EQ(*(*forSm90.getArray("variants"))[0].getAsObject()->getString(
                "kernel"),
            "wide_k");
  json::Object forSm80 = layer0(m);
  selectArchVariants(forSm80, "sm_80");
  EXPECT_EQ(forSm80.get("arch_variants"), nullptr);
  EXPECT_EQ(forSm80.getArray("variants")->size(), 2u);
}

TEST(Manifest, ArchVariantsErrors) {
  json::Object noPtx = validManifest();
  layer0(noPtx)["arch_variants"] =
      json::Object{{"sm_90a", json::Array{variant("w", 1, kMaxM)}}};
  EXPECT_NE(parseError(noPtx).find("layers[0] (blk.0.up).arch_variants.sm_90a: "
                                   "the artifact has no PTX for sm_90a"),
            std::string::npos)
      << parseError(noPtx);
  json::Object gap = validManifest();
  layer0(gap)["arch_variants"] =
      json::Object{{"sm_90", json::Array{variant("w", 2, kMaxM)}}};
  EXPECT_NE(parseError(gap).find("arch_variants.sm_90: variants leave M in "
                                 "[1, 1] uncovered"),
            std::string::npos)
      << parseError(gap);
  json::Object notList = validManifest();
  layer0(notList)["arch_variants"] = json::Object{{"sm_90", 3}};
  EXPECT_NE(parseError(notList).find("arch_variants.sm_90: expected an array "
                                     "of variants"),
            std::string::npos)
      << parseError(notList);
  json::Object badArch = validManifest();
  layer0(badArch)["arch_variants"] =
      json::Object{{"gfx90a", json::Array{variant("w", 1, kMaxM)}}};
  EXPECT_NE(parseError(badArch).find("arch_variants.gfx90a: unknown "
                                     "architecture"),
            std::string::npos)
      << parseError(badArch);
}

TEST(Manifest, MRangesMustStartAtOne) {
  json::Object m = validManifest();
  layer0(m)["variants"] = json::Array{variant("b", 2, kMaxM)};
  EXPECT_NE(parseError(m).find("variants leave M in [1, 1] uncovered"),
            std::string::npos);
}

TEST(Manifest, MRangesMustReachMax) {
  json::Object m = validManifest();
  layer0(m)["variants"] =
      json::Array{variant("a", 1, 8), variant("b", 9, 4096)};
  EXPECT_NE(parseError(m).find("variants leave M in [4097, 2147483647] "
                               "uncovered"),
            std::string::npos);
}

TEST(Manifest, OverlappingMRanges) {
  json::Object m = validManifest();
  layer0(m)["variants"] =
      json::Array{variant("a", 1, 16), variant("b", 9, kMaxM)};
  EXPECT_NE(parseError(m).find("variant 'b' [9, 2147483647] overlaps"),
            std::string::npos);
}

TEST(Manifest, InvertedMRange) {
  json::Object m = validManifest();
  variant0(m)["m_min"] = 100;
  variant0(m)["m_max"] = 50;
  EXPECT_NE(parseError(m).find("m_min 100 > m_max 50"), std::string::npos);
}

TEST(Manifest, ParamsMustMatchLayer) {
  json::Object m = validManifest();
  (*variant0(m).getArray("params"))[1] = param("qweight", "i32", {256, 32});
  EXPECT_NE(parseError(m).find("'qweight' has shape [256, 32], the layer "
                               "needs [256, 64]"),
            std::string::npos)
      << parseError(m);
  m = validManifest();
  (*variant0(m).getArray("params"))[2] = param("scales", "bf16", {256, 4});
  EXPECT_NE(parseError(m).find("'scales' has dtype bf16, the layer needs f16"),
            std::string::npos);
  m = validManifest();
  (*variant0(m).getArray("params"))[0] = param("x", "f16", {-1, 256});
  EXPECT_NE(parseError(m).find("'x' has shape [-1, 256]"), std::string::npos);
  m = validManifest();
  (*variant0(m).getArray("params"))[0] = param("w", "f16", {-1, 512});
  EXPECT_NE(parseError(m).find("unknown parameter role 'w'"),
            std::string::npos);
  m = validManifest();
  (*variant0(m).getArray("params"))[0] = param("y", "f16", {-1, 256});
  EXPECT_NE(parseError(m).find("parameter 'y' appears twice"),
            std::string::npos);
}

TEST(Manifest, ZerosAndBiasMustMatchFlags) {
  json::Object m = validManifest();
  layer0(m)["has_zeros"] = false;
  EXPECT_NE(parseError(m).find("parameter 'zeros' is present but has_zeros is "
                               "false"),
            std::string::npos)
      << parseError(m);
  m = validManifest();
  layer0(m)["has_bias"] = true;
  EXPECT_NE(parseError(m).find("parameter 'bias' is missing but has_bias is "
                               "true"),
            std::string::npos);
  m = validManifest();
  variant0(m).getArray("params")->erase(
      variant0(m).getArray("params")->begin() + 4);
  EXPECT_NE(parseError(m).find("parameter 'y' is missing"), std::string::npos);
}

TEST(Manifest, DuplicateLayerNames) {
  json::Object m = validManifest();
  json::Value copy = json::Value(json::Object(layer0(m)));
  m.getArray("layers")->push_back(std::move(copy));
  EXPECT_NE(parseError(m).find("layers[1]: duplicate layer name 'blk.0.up' "
                               "(also layers[0])"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Architecture selection
//===----------------------------------------------------------------------===//

Manifest withArchs(std::initializer_list<const char *> archs) {
  Manifest m;
  for (const char *a : archs)
    m.ptx[a] = std::string("kernels.") + a + ".ptx";
  return m;
}

std::string select(const Manifest &m, unsigned major, unsigned minor) {
  llvm::Expected<std::string> arch = selectPtxArch(m, major, minor);
  if (!arch)
    return "error: " + llvm::toString(arch.takeError());
  return *arch;
}

TEST(Arch, Parse) {
  llvm::Expected<Arch> a = parseArch("sm_90a");
  ASSERT_TRUE(static_cast<bool>(a));
  EXPECT_EQ(a->major, 9u);
  EXPECT_EQ(a->minor, 0u);
  EXPECT_TRUE(a->archSpecific);
  llvm::Expected<Arch> b = parseArch("sm_120");
  ASSERT_TRUE(static_cast<bool>(b));
  EXPECT_EQ(b->major, 12u);
  EXPECT_FALSE(b->archSpecific);
  llvm::Expected<Arch> c = parseArch("sm90");
  EXPECT_FALSE(static_cast<bool>(c));
  llvm::consumeError(c.takeError());
}

TEST(Arch, Select) {
  Manifest m = withArchs({"sm_80", "sm_90"});
  EXPECT_EQ(select(m, 9, 0), "sm_90");
  EXPECT_EQ(select(m, 8, 9), "sm_80");
  EXPECT_EQ(select(m, 8, 6), "sm_80");
  EXPECT_EQ(select(m, 12, 0), "sm_90");
  EXPECT_EQ(select(m, 7, 5),
            "error: no PTX usable on sm_75: the artifact has sm_80, sm_90");

  Manifest specific = withArchs({"sm_90a", "sm_90", "sm_80"});
  EXPECT_EQ(select(specific, 9, 0), "sm_90a");
  EXPECT_EQ(select(specific, 10, 0), "sm_90");
  EXPECT_EQ(select(withArchs({"sm_90a"}), 10, 0),
            "error: no PTX usable on sm_100: the artifact has sm_90a");
}

TEST(Arch, SelectSkipsArchsNeedingMoreSharedMemory) {
  // sm_90's tiles take 160 KiB, sm_80's 96 KiB: a 12.0 GPU with 99 KiB per
  // block runs the sm_80 PTX.
  Manifest m = withArchs({"sm_80", "sm_90"});
  LayerSpec layer;
  layer.variants.push_back(VariantSpec());
  layer.variants.back().sharedBytes = 96 * 1024;
  layer.archVariants["sm_90"].push_back(VariantSpec());
  layer.archVariants["sm_90"].back().sharedBytes = 160 * 1024;
  m.layers.push_back(layer);
  llvm::Expected<std::string> small = selectPtxArch(m, 12, 0, 99 * 1024);
  ASSERT_TRUE(static_cast<bool>(small)) << llvm::toString(small.takeError());
  EXPECT_EQ(*small, "sm_80");
  llvm::Expected<std::string> large = selectPtxArch(m, 12, 0, 227 * 1024);
  ASSERT_TRUE(static_cast<bool>(large)) << llvm::toString(large.takeError());
  EXPECT_EQ(*large, "sm_90");
  llvm::Expected<std::string> none = selectPtxArch(m, 12, 0, 64 * 1024);
  ASSERT_FALSE(static_cast<bool>(none));
  EXPECT_EQ(llvm::toString(none.takeError()),
            "no PTX usable on sm_120: the artifact has sm_80, sm_90 (sm_80 "
            "needs 98304 bytes per block, sm_90 needs 163840 bytes per "
            "block of shared memory; the device allows 65536)");
}

//===----------------------------------------------------------------------===//
// PTX scan and parameter packing
//===----------------------------------------------------------------------===//

const char *kPtx = R"(
.version 8.0
.target sm_90
.address_size 64
.visible .entry two_memrefs(
	.param .u64 two_memrefs_param_0,
	.param .u64 two_memrefs_param_1,
	.param .u64 two_memrefs_param_2,
	.param .u64 two_memrefs_param_3,
	.param .u64 two_memrefs_param_4,
	.param .u64 two_memrefs_param_5,
	.param .u64 two_memrefs_param_6
)
{
	ret;
}
.visible .entry mixed(.param .u32 a, .param .align 8 .b8 b[16], .param .u64 .ptr .global .align 16 c)
{
	ret;
}
.visible .entry noparams()
{
	ret;
}
)";

TEST(Ptx, ScanEntries) {
  PtxEntries entries = scanPtxEntries(kPtx);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries["two_memrefs"], std::vector<unsigned>(7, 8));
  EXPECT_EQ(entries["mixed"], (std::vector<unsigned>{4, 16, 8}));
  EXPECT_TRUE(entries["noparams"].empty());
}

TEST(Ptx, EntriesWaitingForPrerequisiteGrids) {
  // Only the entry whose own body waits counts; a module without the
  // instruction (older artifacts, sm_80 code) has none.
  llvm::StringRef ptx = ".version 8.0\n.target sm_90\n"
                        ".visible .entry waits(.param .u64 a)\n{\n"
                        "\tgriddepcontrol.launch_dependents;\n"
                        "\tgriddepcontrol.wait;\n\tret;\n}\n"
                        ".visible .entry triggers_only(.param .u64 a)\n{\n"
                        "\tgriddepcontrol.launch_dependents;\n\tret;\n}\n"
                        ".visible .entry plain()\n{\n\tret;\n}\n";
  llvm::StringSet<> waiting = scanEntriesWaitingForPrerequisiteGrids(ptx);
  EXPECT_EQ(waiting.size(), 1u);
  EXPECT_TRUE(waiting.contains("waits"));
  EXPECT_TRUE(scanEntriesWaitingForPrerequisiteGrids(kPtx).empty());
}

TEST(Ptx, SplitModules) {
  // One module, with a comment before its header: one part, the whole text.
  llvm::StringRef one = "//\n// Generated\n//\n\n.version 8.0\n.target sm_90\n"
                        ".visible .entry a()\n{\n\tret;\n}\n";
  llvm::SmallVector<llvm::StringRef> parts = splitPtxModules(one);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], one);
  // Three modules back to back (the JIT's one module per kernel).
  std::string three;
  for (const char *kernel : {"a", "b", "c"})
    three += std::string("//\n.version 8.0\n.target sm_90\n.visible .entry ") +
             kernel + "()\n{\n\tret;\n}\n";
  parts = splitPtxModules(three);
  ASSERT_EQ(parts.size(), 3u);
  std::string joined;
  for (auto [i, part] : llvm::enumerate(parts)) {
    joined += part.str();
    PtxEntries entries = scanPtxEntries(part);
    EXPECT_EQ(entries.size(), 1u) << part.str();
    EXPECT_EQ(entries.count(std::string(1, "abc"[i])), 1u) << part.str();
    EXPECT_EQ(part.count(".version"), 1u) << part.str();
  }
  EXPECT_EQ(joined, three);
  // No header at all: the text as one part (the driver reports it).
  parts = splitPtxModules("garbage");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], "garbage");
}

TEST(Ptx, CheckKernels) {
  // The valid manifest's kernels need 35 parameters each.
  llvm::Expected<Manifest> m = parseManifest(text(validManifest()), "m.json");
  ASSERT_TRUE(static_cast<bool>(m));
  llvm::Error missing = checkKernelsInPtx(*m, kPtx, "kernels.sm_90.ptx");
  ASSERT_TRUE(static_cast<bool>(missing));
  EXPECT_NE(llvm::toString(std::move(missing))
                .find("kernels.sm_90.ptx: layer 'blk.0.up': kernel 'gemv_k' "
                      "is not an entry of the module"),
            std::string::npos);

  std::string ptx = kPtx;
  ptx += ".visible .entry gemv_k(.param .u64 p)\n{\n}\n";
  ptx += ".visible .entry gemm_k(.param .u64 p)\n{\n}\n";
  llvm::Error count = checkKernelsInPtx(*m, ptx, "k.ptx");
  ASSERT_TRUE(static_cast<bool>(count));
  EXPECT_NE(llvm::toString(std::move(count))
                .find("kernel 'gemv_k' has 1 parameters, the manifest's "
                      "params expand to 35"),
            std::string::npos);

  std::string good = ".visible .entry gemv_k(";
  for (int i = 0; i < 35; ++i)
    good += std::string(i ? "," : "") + ".param .u64 p" + std::to_string(i);
  good += ")\n{\n}\n";
  std::string both = good;
  both += good.substr(0, good.find("gemv_k")) + "gemm_k" +
          good.substr(good.find("gemv_k") + 6);
  llvm::Error ok = checkKernelsInPtx(*m, both, "k.ptx");
  EXPECT_FALSE(static_cast<bool>(ok)) << llvm::toString(std::move(ok));
}

TEST(Abi, PackKernelParams) {
  llvm::Expected<Manifest> m = parseManifest(text(validManifest()), "m.json");
  ASSERT_TRUE(static_cast<bool>(m));
  const VariantSpec &v = m->layers[0].variants[0];
  LaunchPointers p;
  p.byRole[unsigned(Role::X)] = 0x1000;
  p.byRole[unsigned(Role::QWeight)] = 0x2000;
  p.byRole[unsigned(Role::Scales)] = 0x3000;
  p.byRole[unsigned(Role::Zeros)] = 0x4000;
  p.byRole[unsigned(Role::Bias)] = 0xdead0; // not a parameter: unused
  p.byRole[unsigned(Role::Y)] = 0x5000;
  std::vector<uint64_t> out(v.numScalarParams + 1, 0xabababab);
  packKernelParams(v, 7, p, out.data());
  std::vector<uint64_t> expected = {
      0x1000, 0x1000, 0, 7,   512, 512, 1, // x [7, 512]
      0x2000, 0x2000, 0, 256, 64,  64,  1, // qweight [256, 64]
      0x3000, 0x3000, 0, 256, 4,   4,   1, // scales [256, 4]
      0x4000, 0x4000, 0, 256, 4,   4,   1, // zeros [256, 4]
      0x5000, 0x5000, 0, 7,   256, 256, 1, // y [7, 256]
      0xabababab};                         // untouched
  EXPECT_EQ(out, expected);
}

TEST(Abi, PackRank1AndRank3) {
  VariantSpec v;
  v.params.push_back({"bias", Role::Bias, DType::F16, {300}});
  v.params.push_back({"x", Role::X, DType::F16, {2, -1, 5}});
  v.numScalarParams = 5 + 9;
  LaunchPointers p;
  p.byRole[unsigned(Role::Bias)] = 16;
  p.byRole[unsigned(Role::X)] = 32;
  std::vector<uint64_t> out(v.numScalarParams);
  packKernelParams(v, 3, p, out.data());
  EXPECT_EQ(out, (std::vector<uint64_t>{16, 16, 0, 300, 1, 32, 32, 0, 2, 3, 5,
                                        15, 5, 1}));
}

TEST(Abi, SelectVariant) {
  llvm::Expected<Manifest> m = parseManifest(text(validManifest()), "m.json");
  ASSERT_TRUE(static_cast<bool>(m));
  const LayerSpec &layer = m->layers[0];
  EXPECT_EQ(selectVariant(layer, 1)->kernel, "gemv_k");
  EXPECT_EQ(selectVariant(layer, 8)->kernel, "gemv_k");
  EXPECT_EQ(selectVariant(layer, 9)->kernel, "gemm_k");
  EXPECT_EQ(selectVariant(layer, kMaxM)->kernel, "gemm_k");
  EXPECT_EQ(selectVariant(layer, 0), nullptr);
}

} // namespace
