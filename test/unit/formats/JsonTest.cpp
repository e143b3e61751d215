//===- JsonTest.cpp - integers from a user's JSON -------------------------===//

#include "formats/Json.h"

#include <gtest/gtest.h>

using awq::formats::jsonInteger;
using llvm::json::Object;
using llvm::json::Value;

// fuzz/seeds/tokenizer-gguf/regress-token-type-2pow63.gguf: a GGUF whose
// token types are doubles, one equal to 2^63, which llvm::json's
// getAsInteger converts to int64 (undefined behaviour).
TEST(Json, IntegerRejectsWhatInt64CannotHold) {
  EXPECT_EQ(jsonInteger(Value(9223372036854775808.0)), std::nullopt);
  EXPECT_EQ(jsonInteger(Value(-9223372036854775808.0)), std::nullopt);
  EXPECT_EQ(jsonInteger(Value(1e300)), std::nullopt);
  EXPECT_EQ(jsonInteger(Value(1.5)), std::nullopt);
  EXPECT_EQ(jsonInteger(Value("7")), std::nullopt);
  EXPECT_EQ(jsonInteger(Value(42.0)), 42);
  EXPECT_EQ(jsonInteger(Value(int64_t(-5))), -5);
  Object object{{"n", 3}};
  EXPECT_EQ(jsonInteger(object, "n"), 3);
  EXPECT_EQ(jsonInteger(object, "missing"), std::nullopt);
}
