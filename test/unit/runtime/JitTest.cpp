//===- JitTest.cpp - the JIT's compile side, without a GPU ----------------===//
//
// awq-jit-tests (CI, no GPU): the compile callback of awq_jit_linear turns a
// key into a manifest and PTX that the runtime's validator accepts, for f16
// and bf16, GEMV- and GEMM-served shapes, on each supported architecture;
// bad specs, keys and architectures give errors that name the constraint;
// keys are stable and distinct; awq_repack_autoawq matches the KernelLayout
// path and puts a hand-placed nibble where the format says.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JitCompiler.h"
#include "runtime/jit/awq_jit.h"
#include "test/unit/runtime/JitTestUtil.h"

#include "formats/AutoAwq.h"
#include "formats/Half.h"
#include "formats/KernelLayout.h"
#include "runtime/Manifest.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace awq;
using namespace awq::formats;
using namespace awq::jit;
using awq::testutil::makeSpec;

namespace {

/// Each test process starts from an empty cache directory of its own, so
/// that "compiled" means compiled (the callback keeps results on disk).
class FreshCacheDir : public testing::Environment {
public:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("awq-jit-test", path));
    dir = std::string(path);
    setenv("AWQ_CACHE_DIR", dir.c_str(), 1);
    unsetenv("AWQ_CACHE_DISABLE");
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string dir;
};
FreshCacheDir *const cacheDir = static_cast<FreshCacheDir *>(
    testing::AddGlobalTestEnvironment(new FreshCacheDir));

/// Runs the callback as awq_jit_get_layer would, copying what it returns;
/// a deferred part (awq_jit_result::finish) is collected before release.
struct CallbackRun {
  awq_status status = AWQ_ERROR_JIT;
  std::string manifest, ptx, error;
  bool released = false;
  bool deferred = false;
  awq_status finishStatus = AWQ_ERROR_JIT;
  std::string restPtx, finishError;
};
CallbackRun runCallback(const std::string &key, const char *arch,
                        CompileRequest *request = nullptr) {
  CallbackRun run;
  awq_jit_result result{};
  run.status = compileCallback(request, key.c_str(), arch, &result);
  if (result.manifest_json)
    run.manifest.assign(result.manifest_json, result.manifest_size);
  if (result.ptx)
    run.ptx.assign(result.ptx, result.ptx_size);
  if (result.error_message)
    run.error = result.error_message;
  run.deferred = result.finish != nullptr;
  if (run.deferred) {
    awq_jit_result rest{};
    run.finishStatus = result.finish(result.release_data, &rest);
    if (rest.ptx)
      run.restPtx.assign(rest.ptx, rest.ptx_size);
    if (rest.error_message)
      run.finishError = rest.error_message;
  }
  if (result.release) {
    result.release(result.release_data);
    run.released = true;
  }
  return run;
}

struct ShapeCase {
  int64_t n, k, g;
  awq_dtype dtype;
  bool zeros, bias;
  const char *arch;
};

class JitCompile : public testing::TestWithParam<ShapeCase> {};

TEST_P(JitCompile, ManifestAndPtxPassTheRuntimeValidator) {
  const ShapeCase &c = GetParam();
  awq_linear_spec spec = makeSpec(c.n, c.k, c.g, c.dtype, c.zeros, c.bias);
  ASSERT_FALSE(static_cast<bool>(validateSpec(spec)));
  std::string key = linearKey(spec);
  awq_jit_stats before{}, after{};
  ASSERT_EQ(awq_jit_get_stats(&before), AWQ_SUCCESS);
  CallbackRun run = runCallback(key, c.arch);
  ASSERT_EQ(run.status, AWQ_SUCCESS) << run.error;
  EXPECT_TRUE(run.released);
  ASSERT_EQ(awq_jit_get_stats(&after), AWQ_SUCCESS);
  EXPECT_EQ(after.compiles, before.compiles + 1);
  EXPECT_EQ(after.failures, before.failures);
  EXPECT_GT(after.last_compile_seconds, 0.0);
  std::printf("  %s on %s: codegen %.1f ms, PTX %zu bytes\n", key.c_str(),
              c.arch, after.last_compile_seconds * 1e3, run.ptx.size());
  // AWQ_JIT_TEST_DUMP=DIR: keep the PTX (to compare builds).
  if (const char *dump = std::getenv("AWQ_JIT_TEST_DUMP"); dump && *dump) {
    std::string path = std::string(dump) + "/" +
                       testing::UnitTest::GetInstance()
                           ->current_test_info()
                           ->name() +
                       ".ptx";
    for (char &ch : path)
      if (ch == '/' && &ch > path.data() + std::strlen(dump))
        ch = '_';
    if (FILE *f = std::fopen(path.c_str(), "w")) {
      std::fwrite(run.ptx.data(), 1, run.ptx.size(), f);
      std::fclose(f);
    }
  }

  llvm::Expected<runtime::Manifest> manifest =
      runtime::parseManifest(run.manifest, "jit manifest", /*requirePtx=*/false);
  ASSERT_TRUE(static_cast<bool>(manifest))
      << llvm::toString(manifest.takeError()) << "\n"
      << run.manifest;
  ASSERT_EQ(manifest->layers.size(), 1u);
  const runtime::LayerSpec &layer = manifest->layers[0];
  EXPECT_EQ(layer.n, c.n);
  EXPECT_EQ(layer.k, c.k);
  EXPECT_EQ(layer.groupSize, c.g);
  EXPECT_EQ(layer.bits, 4);
  EXPECT_EQ(layer.dtype, c.dtype == AWQ_DTYPE_BF16 ? runtime::DType::BF16
                                                   : runtime::DType::F16);
  EXPECT_EQ(layer.hasZeros, c.zeros);
  EXPECT_EQ(layer.hasBias, c.bias);
  ASSERT_FALSE(layer.variants.empty());
  EXPECT_EQ(layer.variants.front().mMin, 1);
  EXPECT_EQ(layer.variants.back().mMax, runtime::kMaxM);
  llvm::Error ptxCheck =
      runtime::checkKernelsInPtx(*manifest, run.ptx, "jit PTX");
  EXPECT_FALSE(static_cast<bool>(ptxCheck)) << llvm::toString(std::move(ptxCheck));
  EXPECT_NE(run.ptx.find(std::string(".target ") + c.arch), std::string::npos)
      << "PTX is not for " << c.arch;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, JitCompile,
    testing::Values(
        // GEMV + GEMM variants, asymmetric, f16: the GPU test's fresh shape.
        ShapeCase{1536, 2304, 128, AWQ_DTYPE_F16, true, false, "sm_90"},
        // bf16 (GEMV family only), symmetric, bias.
        ShapeCase{1280, 3072, 64, AWQ_DTYPE_BF16, false, true, "sm_90"},
        // Small odd-but-legal N, per-channel groups, older archs.
        ShapeCase{40, 192, 192, AWQ_DTYPE_F16, true, true, "sm_80"},
        ShapeCase{72, 256, 32, AWQ_DTYPE_BF16, true, false, "sm_86"}),
    [](const testing::TestParamInfo<ShapeCase> &info) {
      const ShapeCase &c = info.param;
      return "n" + std::to_string(c.n) + "_k" + std::to_string(c.k) + "_g" +
             std::to_string(c.g) +
             (c.dtype == AWQ_DTYPE_BF16 ? "_bf16" : "_f16") +
             (c.zeros ? "_z" : "_sym") + (c.bias ? "_b" : "") + "_" + c.arch;
    });

/// What one compile of `spec` for sm_90 produced, or its error.
std::string compileOutput(const awq_linear_spec &spec) {
  CallbackRun run = runCallback(linearKey(spec), "sm_90");
  return run.status == AWQ_SUCCESS ? run.manifest + "\n" + run.ptx
                                   : "error: " + run.error;
}

// The codegen from 8 threads at once (4 shapes, each compiled by two
// threads), as racing awq_jit_linear callers on distinct keys run it:
// every result equals the single-threaded one. Run under ThreadSanitizer
// by scripts/sanitize.sh (docs/reliability.md).
TEST(JitCompile, EightThreadsGiveTheSingleThreadedResults) {
  std::vector<awq_linear_spec> specs = {
      makeSpec(256, 512, 128, AWQ_DTYPE_F16, true, false),
      makeSpec(384, 256, 64, AWQ_DTYPE_BF16, false, true),
      makeSpec(512, 1024, 32, AWQ_DTYPE_F16, false, true),
      makeSpec(128, 768, 128, AWQ_DTYPE_BF16, true, false)};
  std::vector<std::string> want;
  for (const awq_linear_spec &spec : specs)
    want.push_back(compileOutput(spec));
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back(
        [&got, &specs, t] { got[t] = compileOutput(specs[t % specs.size()]); });
  for (std::thread &thread : threads)
    thread.join();
  for (size_t t = 0; t < got.size(); ++t) {
    EXPECT_EQ(got[t].rfind("error: ", 0), std::string::npos) << got[t];
    EXPECT_TRUE(got[t] == want[t % specs.size()])
        << "thread " << t << " compiled " << linearKey(specs[t % specs.size()])
        << " differently from a single thread";
  }
}

TEST(JitCompileErrors, ShapeTheCodegenRejectsNamesTheConstraint) {
  // k = 100 passes the C-side checks (g | k) but not the kernels' K % 32.
  std::string key =
      linearKey(makeSpec(64, 100, 50, AWQ_DTYPE_F16, true, false));
  awq_jit_stats before{}, after{};
  awq_jit_get_stats(&before);
  CallbackRun run = runCallback(key, "sm_90");
  EXPECT_EQ(run.status, AWQ_ERROR_JIT);
  EXPECT_TRUE(run.released);
  EXPECT_TRUE(run.manifest.empty() && run.ptx.empty());
  EXPECT_NE(run.error.find("n64_k100_g50"), std::string::npos) << run.error;
  EXPECT_NE(run.error.find("multiple of 32"), std::string::npos) << run.error;
  awq_jit_get_stats(&after);
  EXPECT_EQ(after.failures, before.failures + 1);
}

TEST(JitCompileErrors, BadSpecs) {
  struct Bad {
    awq_linear_spec spec;
    const char *needle;
  };
  awq_linear_spec bits8 = makeSpec(64, 128, 32, AWQ_DTYPE_F16, true, false);
  bits8.bits = 8;
  awq_linear_spec dtype = makeSpec(64, 128, 32, AWQ_DTYPE_F16, true, false);
  awq_test_set_raw_dtype(&dtype, 7);
  for (const Bad &bad : {
           Bad{bits8, "4-bit"},
           Bad{dtype, "unsupported dtype 7"},
           Bad{makeSpec(0, 128, 32, AWQ_DTYPE_F16, true, false), "n=0"},
           Bad{makeSpec(64, -128, 32, AWQ_DTYPE_F16, true, false), "k=-128"},
           Bad{makeSpec(64, 128, 0, AWQ_DTYPE_F16, true, false),
               "group_size=0"},
           Bad{makeSpec(64, 128, 96, AWQ_DTYPE_F16, true, false),
               "group_size = 96 does not divide k = 128"},
       }) {
    llvm::Error e = validateSpec(bad.spec);
    ASSERT_TRUE(static_cast<bool>(e)) << bad.needle;
    std::string message = llvm::toString(std::move(e));
    EXPECT_NE(message.find(bad.needle), std::string::npos) << message;
    // The C entry points report the same, with the function's name.
    char buf[8];
    EXPECT_EQ(awq_jit_linear_key(&bad.spec, buf, sizeof(buf), nullptr),
              AWQ_ERROR_INVALID_ARGUMENT);
    std::string cMessage = awq_jit_last_error_message();
    EXPECT_NE(cMessage.find("awq_jit_linear_key: "), std::string::npos);
    EXPECT_NE(cMessage.find(bad.needle), std::string::npos) << cMessage;
  }
  // A key naming 8 bits reaches the callback only if someone builds it by
  // hand; it is rejected with the same reason.
  CallbackRun run =
      runCallback("awq.linear.v1:n=64,k=128,g=32,b=8,f16,zeros=1,bias=0",
                  "sm_90");
  EXPECT_EQ(run.status, AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(run.error.find("4-bit"), std::string::npos) << run.error;
  EXPECT_TRUE(run.released);
}

TEST(JitCompileErrors, NullArguments) {
  awq_linear_spec spec = makeSpec(64, 128, 32, AWQ_DTYPE_F16, true, false);
  awq_layer layer = reinterpret_cast<awq_layer>(1);
  EXPECT_EQ(awq_jit_linear(nullptr, &spec, &layer), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(awq_jit_last_error_message(), "awq_jit_linear: null argument");
  EXPECT_EQ(awq_jit_linear_key(nullptr, nullptr, 0, nullptr),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(awq_jit_get_stats(nullptr), AWQ_ERROR_INVALID_ARGUMENT);
}

TEST(JitArch, DeviceToCodegenArch) {
  struct Case {
    int major, minor;
    const char *arch;
  };
  for (const Case &c :
       {Case{8, 0, "sm_80"}, Case{8, 6, "sm_86"}, Case{8, 7, "sm_86"},
        Case{8, 9, "sm_89"}, Case{9, 0, "sm_90a"}, Case{9, 1, "sm_90"},
        Case{10, 0, "sm_90"}, Case{12, 0, "sm_90"}}) {
    llvm::Expected<std::string> arch = codegenArch(c.major, c.minor);
    ASSERT_TRUE(static_cast<bool>(arch)) << llvm::toString(arch.takeError());
    EXPECT_EQ(*arch, c.arch) << c.major << "." << c.minor;
  }
  for (auto [major, minor] : {std::pair{7, 5}, std::pair{7, 0},
                              std::pair{6, 1}}) {
    llvm::Expected<std::string> arch = codegenArch(major, minor);
    ASSERT_FALSE(static_cast<bool>(arch));
    std::string message = llvm::toString(arch.takeError());
    EXPECT_NE(message.find("unsupported GPU: compute capability " +
                           std::to_string(major) + "." +
                           std::to_string(minor)),
              std::string::npos)
        << message;
  }
  llvm::Expected<std::string> fromName = codegenArch("sm_120");
  ASSERT_TRUE(static_cast<bool>(fromName));
  EXPECT_EQ(*fromName, "sm_90");
  std::string key =
      linearKey(makeSpec(64, 128, 32, AWQ_DTYPE_F16, true, false));
  CallbackRun old = runCallback(key, "sm_75");
  EXPECT_EQ(old.status, AWQ_ERROR_UNSUPPORTED_ARCH);
  EXPECT_NE(old.error.find("unsupported GPU"), std::string::npos) << old.error;
  CallbackRun junk = runCallback(key, "gfx90a");
  EXPECT_NE(junk.status, AWQ_SUCCESS);
  EXPECT_FALSE(junk.error.empty());
}

TEST(JitKey, StableAndDistinct) {
  awq_linear_spec base = makeSpec(1536, 2304, 128, AWQ_DTYPE_F16, true, false);
  // The spelling is part of the contract (other processes, logs).
  EXPECT_EQ(linearKey(base),
            "awq.linear.v1:n=1536,k=2304,g=128,b=4,f16,zeros=1,bias=0");
  char buf[128];
  size_t length = 0;
  ASSERT_EQ(awq_jit_linear_key(&base, buf, sizeof(buf), &length), AWQ_SUCCESS);
  EXPECT_EQ(std::string(buf), linearKey(base));
  EXPECT_EQ(length, linearKey(base).size());
  // Truncation keeps the NUL and still reports the full length.
  ASSERT_EQ(awq_jit_linear_key(&base, buf, 5, &length), AWQ_SUCCESS);
  EXPECT_STREQ(buf, "awq.");
  EXPECT_EQ(length, linearKey(base).size());

  // Every field changes the key; nothing else (has_zeros = 2 is "true").
  std::vector<awq_linear_spec> specs = {base};
  auto with = [&](auto edit) {
    awq_linear_spec s = base;
    edit(s);
    specs.push_back(s);
  };
  with([](awq_linear_spec &s) { s.n = 1544; });
  with([](awq_linear_spec &s) { s.k = 2560; });
  with([](awq_linear_spec &s) { s.group_size = 64; });
  with([](awq_linear_spec &s) { s.dtype = AWQ_DTYPE_BF16; });
  with([](awq_linear_spec &s) { s.has_zeros = 0; });
  with([](awq_linear_spec &s) { s.has_bias = 1; });
  with([](awq_linear_spec &s) { s.n = 2304, s.k = 1536; });
  std::set<std::string> keys;
  for (const awq_linear_spec &s : specs) {
    std::string key = linearKey(s);
    EXPECT_TRUE(keys.insert(key).second) << "duplicate key " << key;
    llvm::Expected<awq_linear_spec> parsed = parseLinearKey(key);
    ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
    EXPECT_EQ(linearKey(*parsed), key);
    EXPECT_EQ(parsed->n, s.n);
    EXPECT_EQ(parsed->k, s.k);
    EXPECT_EQ(parsed->group_size, s.group_size);
    EXPECT_EQ(parsed->dtype, s.dtype);
    EXPECT_EQ(parsed->has_zeros, s.has_zeros);
    EXPECT_EQ(parsed->has_bias, s.has_bias);
  }
  awq_linear_spec truthy = base;
  truthy.has_zeros = 2;
  EXPECT_EQ(linearKey(truthy), linearKey(base));

  for (const char *bad : {
           "",
           "awq.linear.v1:",
           "awq.linear.v2:n=1536,k=2304,g=128,b=4,f16,zeros=1,bias=0",
           "awq.linear.v1:n=01536,k=2304,g=128,b=4,f16,zeros=1,bias=0",
           "awq.linear.v1:n=1536,k=2304,g=128,b=4,f32,zeros=1,bias=0",
           "awq.linear.v1:n=1536,k=2304,g=128,b=4,f16,zeros=2,bias=0",
           "awq.linear.v1:n=1536,k=2304,g=128,b=4,f16,zeros=1,bias=0,x=1",
           "awq.linear.v1:k=2304,n=1536,g=128,b=4,f16,zeros=1,bias=0",
           "awq.linear.v1:n=1536,k=2304,g=100,b=4,f16,zeros=1,bias=0",
       }) {
    llvm::Expected<awq_linear_spec> parsed = parseLinearKey(bad);
    EXPECT_FALSE(static_cast<bool>(parsed)) << bad;
    if (!parsed)
      EXPECT_NE(llvm::toString(parsed.takeError()).find("JIT key"),
                std::string::npos);
  }
}

//===----------------------------------------------------------------------===//
// awq_repack_autoawq
//===----------------------------------------------------------------------===//

TEST(RepackAutoAwq, MatchesKernelLayoutPacking) {
  std::mt19937_64 rng(42);
  for (awq_dtype dtype : {AWQ_DTYPE_F16, AWQ_DTYPE_BF16}) {
    const int64_t n = 48, k = 256, g = 64, groups = k / g;
    QuantizedWeight w;
    w.n = n;
    w.k = k;
    w.groupSize = g;
    w.q.resize(n * k);
    w.zeros.resize(n * groups);
    w.scales.resize(n * groups);
    std::uniform_int_distribution<int> nib(0, 15);
    std::uniform_real_distribution<float> sc(1e-3f, 2e-2f);
    for (auto &q : w.q)
      q = nib(rng);
    for (auto &z : w.zeros)
      z = nib(rng);
    // f16-exact scales (AutoAWQ stores f16).
    for (auto &s : w.scales)
      s = halfToFloat(floatToHalf(sc(rng)));
    llvm::Expected<AwqGemmWeights> autoawq = packAwqGemm(w);
    ASSERT_TRUE(static_cast<bool>(autoawq));
    std::vector<int32_t> qweight(n * k / 8);
    std::vector<uint16_t> scales(n * groups), zeros(n * groups);
    ASSERT_EQ(awq_repack_autoawq(n, k, g, dtype, autoawq->qweight.data(),
                                 autoawq->qzeros.data(),
                                 autoawq->scales.data(), qweight.data(),
                                 scales.data(), zeros.data()),
              AWQ_SUCCESS)
        << awq_jit_last_error_message();
    DType act = dtype == AWQ_DTYPE_BF16 ? DType::BF16 : DType::F16;
    llvm::Expected<KernelWeights> direct = packKernelLayout(w, act);
    ASSERT_TRUE(static_cast<bool>(direct));
    EXPECT_EQ(qweight, direct->qweight);
    EXPECT_EQ(scales, direct->scales);
    EXPECT_EQ(zeros, direct->zeros);
    // And back: the kernel layout decodes to the original weights.
    KernelWeights kw = *direct;
    kw.qweight = qweight;
    kw.scales = scales;
    kw.zeros = zeros;
    llvm::Expected<QuantizedWeight> back = unpackKernelLayout(kw);
    ASSERT_TRUE(static_cast<bool>(back));
    EXPECT_EQ(back->q, w.q);
    EXPECT_EQ(back->zeros, w.zeros);
  }
}

TEST(RepackAutoAwq, OneNibbleByHand) {
  // n = 16, k = 32, g = 32: q[n=9][k=5] = 7 (all else 0), zero of channel 9
  // = 3 (else 0), scale of channel 9 = 0.5 (else 1).
  const int64_t n = 16, k = 32, g = 32;
  // AutoAWQ: channel 9 = 8*1 + interleave[i] with interleave[i] = 1 -> i = 4.
  std::vector<int32_t> qweight(k * n / 8, 0), qzeros(n / 8, 0);
  qweight[5 * 2 + 1] = 7 << (4 * 4);
  qzeros[1] = 3 << (4 * 4);
  std::vector<uint16_t> scales(n, floatToHalf(1.0f));
  scales[9] = floatToHalf(0.5f);
  std::vector<int32_t> outQ(n * k / 8, -1);
  std::vector<uint16_t> outS(n), outZ(n);
  ASSERT_EQ(awq_repack_autoawq(n, k, g, AWQ_DTYPE_F16, qweight.data(),
                               qzeros.data(), scales.data(), outQ.data(),
                               outS.data(), outZ.data()),
            AWQ_SUCCESS)
      << awq_jit_last_error_message();
  // Kernel layout: row 9 holds k = 5 at the (word, nibble) whose
  // kernelLayoutElement is 5: 32c + 8(p mod 4) + 2t + (p div 4) = 5 ->
  // c = 0, p = 4, t = 2.
  ASSERT_EQ(kernelLayoutElement(2, 4), 5);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t word = 0; word < k / 8; ++word) {
      uint32_t expected = (row == 9 && word == 2) ? (7u << 16) : 0u;
      EXPECT_EQ(static_cast<uint32_t>(outQ[row * (k / 8) + word]), expected)
          << "row " << row << " word " << word;
    }
  for (int64_t row = 0; row < n; ++row) {
    EXPECT_EQ(outZ[row], floatToHalf(row == 9 ? 3.0f : 0.0f)) << row;
    EXPECT_EQ(outS[row], floatToHalf(row == 9 ? 0.5f : 1.0f)) << row;
  }
}

TEST(RepackAutoAwq, Errors) {
  std::vector<int32_t> q(4096), z(4096);
  std::vector<uint16_t> s(4096), os(4096), oz(4096);
  std::vector<int32_t> oq(4096);
  auto repack = [&](int64_t n, int64_t k, int64_t g, awq_dtype dtype) {
    return awq_repack_autoawq(n, k, g, dtype, q.data(), z.data(), s.data(),
                              oq.data(), os.data(), oz.data());
  };
  EXPECT_EQ(repack(12, 64, 32, AWQ_DTYPE_F16), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_jit_last_error_message()).find("n=12"),
            std::string::npos);
  EXPECT_EQ(repack(16, 48, 16, AWQ_DTYPE_F16), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_jit_last_error_message()).find("k of 32"),
            std::string::npos);
  EXPECT_EQ(repack(16, 64, 48, AWQ_DTYPE_F16), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(awq_test_repack_with_raw_dtype(3, 16, 64, 32, q.data(), z.data(),
                                           s.data(), oq.data(), os.data(),
                                           oz.data()),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(awq_repack_autoawq(16, 64, 32, AWQ_DTYPE_F16, nullptr, z.data(),
                               s.data(), oq.data(), os.data(), oz.data()),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(awq_jit_last_error_message(), "awq_repack_autoawq: null argument");
  EXPECT_EQ(repack(16, 64, 32, AWQ_DTYPE_F16), AWQ_SUCCESS);
}

/// The files of the JIT's result cache in the test's cache directory.
std::vector<std::string> resultCacheFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(cacheDir->dir, ec), end;
       it != end && !ec; it.increment(ec))
    if (llvm::StringRef(it->path()).ends_with(".awqjit"))
      files.push_back(it->path());
  return files;
}

TEST(JitResultCache, ASecondAskReadsTheDiskAndACorruptEntryRecompiles) {
  std::string key =
      linearKey(makeSpec(328, 640, 64, AWQ_DTYPE_F16, true, false));
  awq_jit_stats s0{}, s1{}, s2{}, s3{};
  const size_t files = resultCacheFiles().size(); // other tests' entries
  ASSERT_EQ(awq_jit_get_stats(&s0), AWQ_SUCCESS);
  CallbackRun first = runCallback(key, "sm_90");
  ASSERT_EQ(first.status, AWQ_SUCCESS) << first.error;
  ASSERT_EQ(awq_jit_get_stats(&s1), AWQ_SUCCESS);
  EXPECT_EQ(s1.compiles, s0.compiles + 1);
  EXPECT_EQ(s1.disk_hits, s0.disk_hits);
  ASSERT_EQ(resultCacheFiles().size(), files + 1);

  auto start = std::chrono::steady_clock::now();
  CallbackRun second = runCallback(key, "sm_90");
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  ASSERT_EQ(awq_jit_get_stats(&s2), AWQ_SUCCESS);
  EXPECT_EQ(s2.compiles, s1.compiles) << "a cached result was compiled";
  EXPECT_EQ(s2.disk_hits, s1.disk_hits + 1);
  EXPECT_EQ(second.manifest, first.manifest);
  EXPECT_EQ(second.ptx, first.ptx);
  EXPECT_TRUE(second.released);
  std::printf("  from disk: %.2f ms (codegen was %.1f ms)\n", ms,
              s1.last_compile_seconds * 1e3);

  // Another architecture is another entry.
  ASSERT_EQ(runCallback(key, "sm_80").status, AWQ_SUCCESS);
  EXPECT_EQ(resultCacheFiles().size(), files + 2);

  // A damaged entry is a miss (removed, compiled again, rewritten).
  for (const std::string &file : resultCacheFiles()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(file, ec);
    os << "AWQCUBN1 not a checksum";
  }
  ASSERT_EQ(awq_jit_get_stats(&s2), AWQ_SUCCESS);
  CallbackRun third = runCallback(key, "sm_90");
  ASSERT_EQ(awq_jit_get_stats(&s3), AWQ_SUCCESS);
  EXPECT_EQ(s3.compiles, s2.compiles + 1);
  EXPECT_EQ(s3.disk_hits, s2.disk_hits);
  EXPECT_EQ(third.ptx, first.ptx);
}

} // namespace

namespace {

/// The `.entry` names of `ptx`, sorted.
std::set<std::string> entriesOf(const std::string &ptx) {
  std::set<std::string> names;
  for (const auto &entry : runtime::scanPtxEntries(ptx))
    names.insert(entry.getKey().str());
  return names;
}

/// The kernel of the manifest's variant serving `rows`.
std::string kernelForRows(const runtime::LayerSpec &layer, int64_t rows) {
  for (const runtime::VariantSpec &variant : layer.variants)
    if (rows >= variant.mMin && rows <= variant.mMax)
      return variant.kernel;
  return "";
}

/// A callback run with CompileRequest::firstRows.
CallbackRun runFirstRows(const std::string &key, const char *arch,
                         int64_t rows) {
  CompileRequest request;
  request.firstRows = rows;
  return runCallback(key, arch, &request);
}

} // namespace

// awq_jit_linear_for_rows's compile: the callback hands over only the kernel
// of the variant serving the first M, `finish` the others; together they
// are exactly the whole compile's kernels, and the whole result then lands
// in the disk cache (a second ask gets everything at once, no finish).
TEST(JitFirstRows, FirstKernelThenTheOthersMakeTheWholeCompile) {
  std::string key =
      linearKey(makeSpec(1792, 2560, 128, AWQ_DTYPE_F16, true, false));
  CallbackRun whole = runCallback(key, "sm_90a");
  ASSERT_EQ(whole.status, AWQ_SUCCESS) << whole.error;
  llvm::Expected<runtime::Manifest> manifest = runtime::parseManifest(
      whole.manifest, "jit manifest", /*requirePtx=*/false);
  ASSERT_TRUE(static_cast<bool>(manifest))
      << llvm::toString(manifest.takeError());
  const std::set<std::string> all = entriesOf(whole.ptx);
  ASSERT_GE(all.size(), 3u) << "the shape should need several kernels";

  // Other keys of the shape (with a bias; symmetric), so that the disk
  // cache of `whole` does not answer.
  std::string biasKey =
      linearKey(makeSpec(1792, 2560, 128, AWQ_DTYPE_F16, true, true));
  std::string symKey =
      linearKey(makeSpec(1792, 2560, 128, AWQ_DTYPE_F16, false, false));
  for (int64_t rows : {int64_t(1), int64_t(64), int64_t(5000)}) {
    SCOPED_TRACE("first rows " + std::to_string(rows));
    std::string rowsKey = rows == 1 ? key : rows == 64 ? biasKey : symKey;
    if (rows == 1) {
      // `key` is on disk now: a first-rows ask gets the whole result.
      CallbackRun cached = runFirstRows(key, "sm_90a", rows);
      ASSERT_EQ(cached.status, AWQ_SUCCESS) << cached.error;
      EXPECT_FALSE(cached.deferred);
      EXPECT_EQ(cached.ptx, whole.ptx);
      continue;
    }
    CallbackRun run = runFirstRows(rowsKey, "sm_90a", rows);
    ASSERT_EQ(run.status, AWQ_SUCCESS) << run.error;
    ASSERT_TRUE(run.deferred);
    EXPECT_TRUE(run.released);
    ASSERT_EQ(run.finishStatus, AWQ_SUCCESS) << run.finishError;
    llvm::Expected<runtime::Manifest> m = runtime::parseManifest(
        run.manifest, "jit manifest", /*requirePtx=*/false);
    ASSERT_TRUE(static_cast<bool>(m)) << llvm::toString(m.takeError());
    const std::set<std::string> first = entriesOf(run.ptx);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(*first.begin(), kernelForRows(m->layers[0], rows));
    const std::set<std::string> rest = entriesOf(run.restPtx);
    EXPECT_EQ(rest.count(*first.begin()), 0u) << "lowered twice";
    std::set<std::string> together = rest;
    together.insert(*first.begin());
    std::set<std::string> expected;
    for (const runtime::VariantSpec &variant : m->layers[0].variants)
      expected.insert(variant.kernel);
    EXPECT_EQ(together, expected);
    llvm::Error check = runtime::checkKernelsInPtx(
        *m, run.ptx + run.restPtx, "first + rest PTX");
    EXPECT_FALSE(static_cast<bool>(check)) << llvm::toString(std::move(check));
    llvm::Error partial = runtime::checkKernelsInPtx(
        *m, run.ptx, "first PTX", /*requireAll=*/false);
    EXPECT_FALSE(static_cast<bool>(partial))
        << llvm::toString(std::move(partial));
    EXPECT_TRUE(static_cast<bool>(
        runtime::checkKernelsInPtx(*m, run.ptx, "first PTX")))
        << "the first PTX alone should lack kernels";
  }
  // biasKey went to the disk cache whole after its finish.
  CallbackRun again = runFirstRows(biasKey, "sm_90a", 64);
  ASSERT_EQ(again.status, AWQ_SUCCESS) << again.error;
  EXPECT_FALSE(again.deferred);
  EXPECT_EQ(entriesOf(again.ptx).size(), all.size());
}

TEST(JitFirstRows, RowsOutsideTheRangeAreRejected) {
  awq_linear_spec spec = makeSpec(1536, 2304, 128, AWQ_DTYPE_F16, true, false);
  awq_layer layer = nullptr;
  for (int64_t rows : {int64_t(0), int64_t(-3), int64_t(1) << 31}) {
    EXPECT_EQ(awq_jit_linear_for_rows(nullptr, &spec, rows, &layer),
              AWQ_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(awq_jit_last_error_message()).find("rows = "),
              std::string::npos)
        << awq_jit_last_error_message();
  }
  EXPECT_EQ(awq_jit_linear_for_rows(nullptr, &spec, 1, &layer),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(awq_jit_last_error_message(),
               "awq_jit_linear_for_rows: null argument");
}
