//===- DriverTest.cpp - behaviour without a usable CUDA driver ------------===//

#include "runtime/CudaDriver.h"
#include "runtime/awq_runtime.h"
#include "runtime/awq_runtime.hpp"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace awq::cuda;

namespace {

TEST(Driver, MissingLibraryIsNoDriver) {
  DriverApi api;
  std::string error;
  DriverFailure failure;
  EXPECT_FALSE(loadDriver("/nonexistent/libcuda.so.1", api, error, failure));
  EXPECT_EQ(failure, DriverFailure::NoDriver);
  EXPECT_EQ(error.rfind("no CUDA driver (/nonexistent/libcuda.so.1 not found",
                        0),
            0u)
      << error;
}

TEST(Driver, ToolkitStubIsNoDriver) {
#ifdef AWQ_TEST_CUDA_STUB
  if (!llvm::sys::fs::exists(AWQ_TEST_CUDA_STUB))
    GTEST_SKIP() << "no stub library at " AWQ_TEST_CUDA_STUB;
  DriverApi api;
  std::string error;
  DriverFailure failure;
  EXPECT_FALSE(loadDriver(AWQ_TEST_CUDA_STUB, api, error, failure));
  EXPECT_EQ(failure, DriverFailure::NoDriver) << error;
  EXPECT_NE(error.find("no CUDA driver"), std::string::npos) << error;
#else
  GTEST_SKIP() << "the build found no CUDA toolkit stub library";
#endif
}

TEST(Driver, ContextCreateReportsMissingGpu) {
  awq_context ctx = nullptr;
  awq_status status = awq_context_create(0, &ctx);
  if (status == AWQ_SUCCESS) {
    awq_context_destroy(ctx);
    GTEST_SKIP() << "this machine has a GPU; the failure path is not reachable";
  }
  EXPECT_TRUE(status == AWQ_ERROR_NO_DRIVER || status == AWQ_ERROR_NO_DEVICE)
      << awq_status_name(status) << ": " << awq_last_error_message();
  EXPECT_EQ(ctx, nullptr);
  std::string message = awq_last_error_message();
  EXPECT_TRUE(message.find("no CUDA driver") == 0 ||
              message.find("no CUDA device") == 0)
      << message;
  // The failure is remembered: a second call reports the same thing.
  EXPECT_EQ(awq_context_create(0, &ctx), status);
  EXPECT_EQ(message, awq_last_error_message());
}

TEST(Driver, CppWrapperCarriesStatusAndMessage) {
  awq::Result<awq::Context> ctx = awq::Context::create(0);
  if (ctx)
    GTEST_SKIP() << "this machine has a GPU; the failure path is not reachable";
  EXPECT_TRUE(ctx.status() == AWQ_ERROR_NO_DRIVER ||
              ctx.status() == AWQ_ERROR_NO_DEVICE);
  EXPECT_EQ(ctx.message().rfind("no CUDA", 0), 0u) << ctx.message();
}

TEST(Driver, NullArgumentsAreErrorsNotCrashes) {
  EXPECT_EQ(awq_context_create(0, nullptr), AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(awq_last_error_message()).find("out is null"),
            std::string::npos);
  awq_artifact artifact;
  EXPECT_EQ(awq_artifact_load(nullptr, "/tmp", &artifact),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(awq_linear_launch(nullptr, 1, 0, 0, 0, 0, 0, 0, nullptr),
            AWQ_ERROR_INVALID_ARGUMENT);
  awq_layer layer;
  EXPECT_EQ(awq_jit_get_layer(nullptr, "k", nullptr, nullptr, &layer),
            AWQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(awq_context_destroy(nullptr), AWQ_SUCCESS);
  EXPECT_EQ(awq_artifact_destroy(nullptr), AWQ_SUCCESS);
  EXPECT_STREQ(awq_status_name(AWQ_ERROR_UNSUPPORTED_ARCH),
               "AWQ_ERROR_UNSUPPORTED_ARCH");
}

TEST(Driver, ErrorMessagesAreThreadLocal) {
  awq_context_create(0, nullptr);
  std::string other;
  std::thread([&] { other = awq_last_error_message(); }).join();
  EXPECT_EQ(other, "");
  EXPECT_NE(std::string(awq_last_error_message()), "");
}

} // namespace
