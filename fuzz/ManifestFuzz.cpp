//===- ManifestFuzz.cpp - libFuzzer target: an artifact's manifest.json ---===//
//
// Parses the input as a manifest and, if it is accepted, does what the
// runtime does next: takes an architecture's variants, picks the variant of
// each layer for a few M and packs its kernel parameters (which trusts the
// parser's bound on their number).
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzInput.h"
#include "runtime/Manifest.h"

using namespace awq::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto manifest = parseManifest(awq::fuzz::asText(data, size), "manifest.json");
  if (awq::fuzz::rejected(manifest))
    return 0;
  selectArchVariants(*manifest, "sm_90a");
  uint64_t params[kMaxScalarParams];
  LaunchPointers pointers;
  for (const LayerSpec &layer : manifest->layers)
    for (int64_t m : {int64_t(1), int64_t(17), int64_t(4096), kMaxM})
      if (const VariantSpec *variant = selectVariant(layer, m))
        packKernelParams(*variant, m, pointers, params);
  return 0;
}
