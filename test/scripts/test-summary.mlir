// scripts/test.sh ends with every skipped check and its reason: lit's
// UNSUPPORTED tests (missing features, from the XML the `lit` ctest test
// writes) and ctest's skipped tests (GoogleTest's skip messages, or the
// last line a skipping script printed).
// RUN: %python %awq_src_root/scripts/test-summary.py --lit %S/Inputs/lit-results.xml \
// RUN:   --ctest %S/Inputs/ctest-results.xml | FileCheck %s
// RUN: %python %awq_src_root/scripts/test-summary.py --lit %t.none --ctest %t.none \
// RUN:   | FileCheck %s --check-prefix=NONE
// RUN: FileCheck %s --check-prefix=TESTSH < %awq_src_root/scripts/test.sh
// RUN: FileCheck %s --check-prefix=CMAKE < %awq_src_root/test/CMakeLists.txt

// CHECK: lit {{UNSUPPORTED}}: tools/awq-compile/ptxas-matrix.mlir: Missing required feature(s): ptxas
// CHECK-NEXT: lit {{UNSUPPORTED}}: model/smollm2.mlir: Missing required feature(s): smollm2
// CHECK-NEXT: ctest skipped: awq-gpu-tests: 2 case(s): AWQ_GPU_TEST_ARTIFACT is not set
// CHECK-NEXT: ctest skipped: AwqTokenizerOracle: tokenizer oracle: the tokenizers package is not installed
// CHECK-NEXT: test summary: 4 checks skipped (2 lit UNSUPPORTED, 2 ctest skipped; reasons above)
// NONE: test summary: no checks skipped
// TESTSH: ctest {{.*}}--output-junit "$BUILD/ctest-results.xml"
// TESTSH: scripts/test-summary.py" --lit test/lit-results.xml
// CMAKE: --xunit-xml-output=${CMAKE_CURRENT_BINARY_DIR}/lit-results.xml
