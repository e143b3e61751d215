// cmake/AwqTuningTables.cmake, the configure step's check of tuning/*.json
// (run here in CMake's script mode on made-up trees): every table names
// its device and chip, no two the same pair; a violation names the files.
// RUN: rm -rf %t && mkdir -p %t/good/tuning %t/twice/tuning %t/nochip/tuning
// RUN: printf '{"device": "GPU A", "chip": "sm_90a", "shapes": []}' > %t/good/tuning/a.json
// RUN: printf '{"device": "GPU A", "chip": "sm_80", "shapes": []}' > %t/good/tuning/b.json
// RUN: cmake -DAWQ_TUNING_ROOT=%t/good -P %awq_src_root/cmake/AwqTuningTables.cmake 2>&1 | FileCheck %s --check-prefix=GOOD
// RUN: cp %t/good/tuning/a.json %t/twice/tuning/a.json
// RUN: cp %t/good/tuning/a.json %t/twice/tuning/copy.json
// RUN: not cmake -DAWQ_TUNING_ROOT=%t/twice -P %awq_src_root/cmake/AwqTuningTables.cmake 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: printf '{"device": "GPU A", "shapes": []}' > %t/nochip/tuning/a.json
// RUN: not cmake -DAWQ_TUNING_ROOT=%t/nochip -P %awq_src_root/cmake/AwqTuningTables.cmake 2>&1 | FileCheck %s --check-prefix=NOCHIP
// And the shipped tables pass.
// RUN: cmake -DAWQ_TUNING_ROOT=%awq_src_root -P %awq_src_root/cmake/AwqTuningTables.cmake 2>&1 | FileCheck %s --check-prefix=SHIPPED
// GOOD: 2 tuning tables, one per GPU and chip
// (CMake wraps the message's lines.)
// TWICE: tuning/copy.json and tuning/a.json are both tuning tables for GPU A,
// TWICE-NEXT: sm_90a: keep one in tuning/
// NOCHIP: tuning/a.json: a tuning table needs "chip"
// SHIPPED: tuning tables, one per GPU and chip
