// With no input file and stdin on a terminal, awq-compile prints its usage
// and exits instead of waiting silently for IR to be typed; piped IR and an
// explicit '-' still read stdin.
// RUN: %python %S/../Inputs/run_on_tty.py awq-compile -o %t | FileCheck %s --check-prefix=TTY
// RUN: rm -rf %t && awq-compile -o %t --arch=sm_90 < %awq_src_root/examples/llama7b-linears.mlir
// RUN: ls %t | FileCheck %s --check-prefix=PIPED

// TTY: awq-compile: no input file, and stdin is a terminal
// TTY-NEXT: usage: awq-compile <model.mlir> -o DIR
// TTY: exit code 2
// TTY-NOT: TIMEOUT
// PIPED: manifest.json
