// Every tool's --help lists its own options and LLVM's generic ones only,
// never the hundreds LLVM's libraries register (backend flags such as
// --aarch64-*, --amdgpu-*, --x86-*). awq-opt is MLIR's driver and keeps
// them. awq-quantize's subcommands each list their own.
// RUN: awq-compile --help | FileCheck %s --check-prefix=COMPILE --implicit-check-not=aarch64 --implicit-check-not=amdgpu --implicit-check-not=x86
// RUN: awq-quantize --help | FileCheck %s --check-prefix=QUANTIZE --implicit-check-not=aarch64 --implicit-check-not=amdgpu --implicit-check-not=x86
// RUN: awq-quantize rtn --help | FileCheck %s --check-prefix=RTN --implicit-check-not=aarch64 --implicit-check-not=--activations
// RUN: awq-quantize awq --help | FileCheck %s --check-prefix=AWQ --implicit-check-not=aarch64 --implicit-check-not=--tokens
// RUN: awq-quantize bench --help | FileCheck %s --check-prefix=BENCH --implicit-check-not=aarch64 --implicit-check-not=--model
// RUN: awq-quantize inspect --help | FileCheck %s --check-prefix=INSPECT --implicit-check-not=aarch64 --implicit-check-not=--model
// RUN: awq-import --help | FileCheck %s --check-prefix=OTHERS --implicit-check-not=aarch64
// RUN: awq-run --help | FileCheck %s --check-prefix=OTHERS --implicit-check-not=aarch64
// RUN: awq-eval --help | FileCheck %s --check-prefix=OTHERS --implicit-check-not=aarch64
// RUN: awq-build --help | FileCheck %s --check-prefix=OTHERS --implicit-check-not=aarch64
// RUN: awq-tokenize --help | FileCheck %s --check-prefix=OTHERS --implicit-check-not=aarch64
// REQUIRES: awq-quantize, awq-import, awq-run, awq-eval, awq-build, awq-tokenize

// COMPILE: USAGE: awq-compile [options] <model.mlir>
// COMPILE: --arch=<string>
// COMPILE: --emit=<value>
// COMPILE: -o <dir>
// COMPILE: --weights-dir=<string>

// QUANTIZE: SUBCOMMANDS:
// QUANTIZE: awq
// QUANTIZE: rtn

// RTN: USAGE: awq-quantize rtn [options]
// RTN: --group-size=<int>
// RTN: --model=<string>
// RTN: --out=<string>

// AWQ: USAGE: awq-quantize awq [options]
// AWQ: --activations=<string>
// AWQ: --no-clip

// BENCH: USAGE: awq-quantize bench [options]
// BENCH: -n <long>

// INSPECT: USAGE: awq-quantize inspect [options] <file or dir>


// OTHERS: USAGE:
