//===- _ext.cpp - awq_mlir._C: nanobind binding of the runtime and JIT -----===//
//
// The Python package's native part: a thin binding of the C APIs in
// runtime/awq_runtime.h and runtime/jit/awq_jit.h (libawq_jit.so). Handles
// travel as integers and device pointers and streams as integers
// (torch.Tensor.data_ptr(), the raw cudaStream_t), so that this module
// needs neither PyTorch nor DLPack at build or run time and the launch path
// costs one C call. Every failing call raises awq_mlir.AwqError carrying the
// runtime's status name and message (python/awq_mlir/_errors.py).
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/awq_jit.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Raises awq_mlir.AwqError(status, message). The class lives in Python so
/// that it can be caught without the native module (and subclasses
/// RuntimeError there).
[[noreturn]] void raise(const char *status, const std::string &message) {
  nb::object cls = nb::module_::import_("awq_mlir._errors").attr("AwqError");
  nb::object err = cls(status, message);
  PyErr_SetObject(cls.ptr(), err.ptr());
  throw nb::python_error();
}

/// Checks a runtime call; `jit` picks the JIT's message slot (awq_jit.h).
void check(awq_status status, bool jit = false) {
  if (status == AWQ_SUCCESS)
    return;
  raise(awq_status_name(status),
        jit ? awq_jit_last_error_message() : awq_last_error_message());
}

template <typename T> T fromHandle(uintptr_t h) {
  if (!h)
    raise("AWQ_ERROR_INVALID_ARGUMENT", "null handle");
  return reinterpret_cast<T>(h);
}

template <typename T> uintptr_t toHandle(T p) {
  return reinterpret_cast<uintptr_t>(p);
}

nb::dict loadInfo(const awq_load_info &info) {
  nb::dict d;
  d["ptx_arch"] = std::string(info.ptx_arch);
  d["cubin_cache_hit"] = bool(info.cubin_cache_hit);
  d["load_seconds"] = info.load_seconds;
  d["jit_seconds"] = info.jit_seconds;
  return d;
}

} // namespace

NB_MODULE(_C, m) {
  m.doc() = "awq_mlir native binding (libawq_jit.so C API)";
  m.attr("API_VERSION") = AWQ_RUNTIME_API_VERSION;

  //===--- contexts --------------------------------------------------------===//
  m.def("context_create", [](int ordinal) {
    awq_context ctx = nullptr;
    check(awq_context_create(ordinal, &ctx));
    return toHandle(ctx);
  });
  m.def("context_destroy", [](uintptr_t ctx) {
    check(awq_context_destroy(reinterpret_cast<awq_context>(ctx)));
  });
  m.def("device_info", [](uintptr_t ctx) {
    awq_device_info info{};
    check(awq_context_get_device_info(fromHandle<awq_context>(ctx), &info));
    nb::dict d;
    d["name"] = std::string(info.name);
    d["cc"] = nb::make_tuple(info.cc_major, info.cc_minor);
    d["sm_count"] = info.sm_count;
    d["l2_bytes"] = info.l2_bytes;
    d["driver_version"] = info.driver_version;
    return d;
  });
  m.def("set_programmatic_launch", [](uintptr_t ctx, bool enable) {
    check(awq_context_set_programmatic_launch(fromHandle<awq_context>(ctx),
                                              enable ? 1 : 0));
  });

  //===--- artifacts -------------------------------------------------------===//
  m.def("artifact_load", [](uintptr_t ctx, const std::string &dir) {
    awq_artifact art = nullptr;
    check(awq_artifact_load(fromHandle<awq_context>(ctx), dir.c_str(), &art));
    return toHandle(art);
  });
  m.def("artifact_destroy", [](uintptr_t art) {
    check(awq_artifact_destroy(reinterpret_cast<awq_artifact>(art)));
  });
  m.def("artifact_layers", [](uintptr_t art) {
    auto a = fromHandle<awq_artifact>(art);
    size_t n = 0;
    check(awq_artifact_num_layers(a, &n));
    std::vector<uintptr_t> layers(n);
    for (size_t i = 0; i < n; ++i) {
      awq_layer layer = nullptr;
      check(awq_artifact_get_layer_at(a, i, &layer));
      layers[i] = toHandle(layer);
    }
    return layers;
  });
  m.def("artifact_layer", [](uintptr_t art, const std::string &name) {
    awq_layer layer = nullptr;
    check(awq_artifact_get_layer(fromHandle<awq_artifact>(art), name.c_str(),
                                 &layer));
    return toHandle(layer);
  });
  m.def("artifact_load_info", [](uintptr_t art) {
    awq_load_info info{};
    check(awq_artifact_get_load_info(fromHandle<awq_artifact>(art), &info));
    return loadInfo(info);
  });

  //===--- layers ----------------------------------------------------------===//
  m.def("layer_info", [](uintptr_t layer) {
    awq_layer_info info{};
    check(awq_layer_get_info(fromHandle<awq_layer>(layer), &info));
    nb::dict d;
    d["name"] = std::string(info.name ? info.name : "");
    d["n"] = info.n;
    d["k"] = info.k;
    d["group_size"] = info.group_size;
    d["bits"] = info.bits;
    d["dtype"] = info.dtype == AWQ_DTYPE_BF16 ? "bf16" : "f16";
    d["has_zeros"] = bool(info.has_zeros);
    d["has_bias"] = bool(info.has_bias);
    d["num_variants"] = info.num_variants;
    return d;
  });
  // The hot path: one awq_linear_launch, no allocation, no synchronisation.
  m.def(
      "launch",
      [](uintptr_t layer, int64_t m, uint64_t x, uint64_t qweight,
         uint64_t scales, uint64_t zeros, uint64_t bias, uint64_t y,
         uintptr_t stream) {
        check(awq_linear_launch(reinterpret_cast<awq_layer>(layer), m, x,
                                qweight, scales, zeros, bias, y,
                                reinterpret_cast<CUstream>(stream)));
      },
      nb::arg("layer"), nb::arg("m"), nb::arg("x"), nb::arg("qweight"),
      nb::arg("scales"), nb::arg("zeros"), nb::arg("bias"), nb::arg("y"),
      nb::arg("stream"));

  //===--- JIT ---------------------------------------------------------===//
  m.def(
      "jit_linear",
      [](uintptr_t ctx, int64_t n, int64_t k, int64_t groupSize, int dtype,
         bool hasZeros, bool hasBias, int64_t firstRows) {
        awq_linear_spec spec{n,
                             k,
                             groupSize,
                             4,
                             static_cast<awq_dtype>(dtype),
                             hasZeros ? 1 : 0,
                             hasBias ? 1 : 0};
        awq_layer layer = nullptr;
        awq_status status;
        {
          // A first compile takes ~0.5 s: let other Python threads run.
          nb::gil_scoped_release release;
          // first_rows > 0: the kernel of that M first, the rest in the
          // background (awq_jit_linear_for_rows).
          status = firstRows > 0
                       ? awq_jit_linear_for_rows(fromHandle<awq_context>(ctx),
                                                 &spec, firstRows, &layer)
                       : awq_jit_linear(fromHandle<awq_context>(ctx), &spec,
                                        &layer);
        }
        check(status, /*jit=*/true);
        return toHandle(layer);
      },
      nb::arg("ctx"), nb::arg("n"), nb::arg("k"), nb::arg("group_size"),
      nb::arg("dtype"), nb::arg("has_zeros"), nb::arg("has_bias"),
      nb::arg("first_rows") = 0);
  m.def("layer_wait", [](uintptr_t layer) {
    awq_status status;
    {
      nb::gil_scoped_release release;
      status = awq_layer_wait(fromHandle<awq_layer>(layer));
    }
    check(status);
  });
  m.def("jit_load_info", [](uintptr_t layer) {
    awq_load_info info{};
    check(awq_jit_get_load_info(fromHandle<awq_layer>(layer), &info));
    return loadInfo(info);
  });
  m.def("jit_stats", []() {
    awq_jit_stats s{};
    check(awq_jit_get_stats(&s), /*jit=*/true);
    nb::dict d;
    d["compiles"] = s.compiles;
    d["failures"] = s.failures;
    d["last_compile_seconds"] = s.last_compile_seconds;
    d["disk_hits"] = s.disk_hits;
    d["total_compile_seconds"] = s.total_compile_seconds;
    return d;
  });

  //===--- host-side weight conversion ---------------------------------===//
  // Pointers are host addresses of contiguous buffers (see awq_jit.h).
  m.def(
      "repack_autoawq",
      [](int64_t n, int64_t k, int64_t groupSize, int dtype, uintptr_t qweight,
         uintptr_t qzeros, uintptr_t scales, uintptr_t outQweight,
         uintptr_t outScales, uintptr_t outZeros) {
        awq_status status;
        {
          nb::gil_scoped_release release;
          status = awq_repack_autoawq(
              n, k, groupSize, static_cast<awq_dtype>(dtype),
              reinterpret_cast<const int32_t *>(qweight),
              reinterpret_cast<const int32_t *>(qzeros),
              reinterpret_cast<const uint16_t *>(scales),
              reinterpret_cast<int32_t *>(outQweight),
              reinterpret_cast<uint16_t *>(outScales),
              reinterpret_cast<uint16_t *>(outZeros));
        }
        check(status, /*jit=*/true);
      });
}
