//===- awq_runtime.hpp - C++ wrapper of the awq runtime C API ---*- C++ -*-===//
//
// RAII owners for contexts and artifacts and a value type for layers, over
// runtime/awq_runtime.h. No exceptions (the project builds without them):
// fallible operations return awq::Result<T>, holding a value or a status and
// its message.
//
//===----------------------------------------------------------------------===//

#ifndef AWQ_RUNTIME_AWQ_RUNTIME_HPP
#define AWQ_RUNTIME_AWQ_RUNTIME_HPP

#include "runtime/awq_runtime.h"

#include <string>
#include <utility>

namespace awq {

/// A value or the status and message of a failed call.
template <typename T> class Result {
public:
  Result(T value) : value_(std::move(value)) {}
  static Result failure(awq_status status) {
    Result r;
    r.status_ = status;
    r.message_ = awq_last_error_message();
    return r;
  }
  explicit operator bool() const { return status_ == AWQ_SUCCESS; }
  awq_status status() const { return status_; }
  const std::string &message() const { return message_; }
  T &operator*() { return value_; }
  T *operator->() { return &value_; }

private:
  Result() = default;
  T value_{};
  awq_status status_ = AWQ_SUCCESS;
  std::string message_;
};

/// A linear layer; a non-owning handle valid while its owner lives.
class Layer {
public:
  Layer() = default;
  explicit Layer(awq_layer layer) : layer_(layer) {}
  awq_layer get() const { return layer_; }

  awq_layer_info info() const {
    awq_layer_info out{};
    awq_layer_get_info(layer_, &out);
    return out;
  }

  /// See awq_linear_launch; `zeros`/`bias` are ignored if the layer has
  /// none.
  awq_status launch(int64_t m, CUdeviceptr x, CUdeviceptr qweight,
                    CUdeviceptr scales, CUdeviceptr zeros, CUdeviceptr bias,
                    CUdeviceptr y, CUstream stream) const {
    return awq_linear_launch(layer_, m, x, qweight, scales, zeros, bias, y,
                             stream);
  }

private:
  awq_layer layer_ = nullptr;
};

/// A loaded artifact; unloads on destruction.
class Artifact {
public:
  Artifact() = default;
  explicit Artifact(awq_artifact artifact) : artifact_(artifact) {}
  ~Artifact() { awq_artifact_destroy(artifact_); }
  Artifact(Artifact &&other) noexcept
      : artifact_(std::exchange(other.artifact_, nullptr)) {}
  Artifact &operator=(Artifact &&other) noexcept {
    std::swap(artifact_, other.artifact_);
    return *this;
  }
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;

  awq_artifact get() const { return artifact_; }

  size_t numLayers() const {
    size_t n = 0;
    awq_artifact_num_layers(artifact_, &n);
    return n;
  }
  Result<Layer> layer(const char *name) const {
    awq_layer layer;
    awq_status s = awq_artifact_get_layer(artifact_, name, &layer);
    return s == AWQ_SUCCESS ? Result<Layer>(Layer(layer))
                            : Result<Layer>::failure(s);
  }
  Result<Layer> layerAt(size_t index) const {
    awq_layer layer;
    awq_status s = awq_artifact_get_layer_at(artifact_, index, &layer);
    return s == AWQ_SUCCESS ? Result<Layer>(Layer(layer))
                            : Result<Layer>::failure(s);
  }

private:
  awq_artifact artifact_ = nullptr;
};

/// A device's primary context; released on destruction (after every
/// Artifact loaded through it is gone).
class Context {
public:
  /// Creates a context for device `ordinal`.
  static Result<Context> create(int ordinal = 0) {
    awq_context ctx;
    awq_status s = awq_context_create(ordinal, &ctx);
    return s == AWQ_SUCCESS ? Result<Context>(Context(ctx))
                            : Result<Context>::failure(s);
  }
  Context() = default;
  ~Context() { awq_context_destroy(ctx_); }
  Context(Context &&other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}
  Context &operator=(Context &&other) noexcept {
    std::swap(ctx_, other.ctx_);
    return *this;
  }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  awq_context get() const { return ctx_; }

  awq_device_info deviceInfo() const {
    awq_device_info out{};
    awq_context_get_device_info(ctx_, &out);
    return out;
  }

  /// See awq_context_set_programmatic_launch.
  awq_status setProgrammaticLaunch(bool enable) {
    return awq_context_set_programmatic_launch(ctx_, enable ? 1 : 0);
  }

  Result<Artifact> load(const char *dir) const {
    awq_artifact artifact;
    awq_status s = awq_artifact_load(ctx_, dir, &artifact);
    return s == AWQ_SUCCESS ? Result<Artifact>(Artifact(artifact))
                            : Result<Artifact>::failure(s);
  }

  /// See awq_jit_get_layer.
  Result<Layer> jitLayer(const char *key, awq_jit_compile_fn compile,
                         void *userData) const {
    awq_layer layer;
    awq_status s = awq_jit_get_layer(ctx_, key, compile, userData, &layer);
    return s == AWQ_SUCCESS ? Result<Layer>(Layer(layer))
                            : Result<Layer>::failure(s);
  }

private:
  explicit Context(awq_context ctx) : ctx_(ctx) {}
  awq_context ctx_ = nullptr;
};

} // namespace awq

#endif // AWQ_RUNTIME_AWQ_RUNTIME_HPP
