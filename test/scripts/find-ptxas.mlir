// scripts/find_ptxas.py finds ptxas where PyPI's nvidia-cuda-nvcc-cu12
// wheel puts it (site-packages/nvidia/cuda_nvcc/bin/ptxas) when no CUDA
// toolkit is installed; $AWQ_PTXAS comes first; with neither it fails and
// points to scripts/setup.sh, which installs the wheel. lit.cfg.py takes
// its %ptxas from it, so the ptxas checks run on a fresh machine.
// RUN: rm -rf %t && mkdir -p %t/site/nvidia/cuda_nvcc/bin %t/empty
// RUN: cp %S/Inputs/fake-ptxas %t/site/nvidia/cuda_nvcc/bin/ptxas
// RUN: env -u AWQ_PTXAS PYTHONPATH=%t/site %python %awq_src_root/scripts/find_ptxas.py \
// RUN:   --cuda-root %t/no-cuda --no-path --python %python | FileCheck %s --check-prefix=WHEEL -DSITE=%t/site
// RUN: env AWQ_PTXAS=%S/Inputs/fake-ptxas PYTHONPATH=%t/site %python %awq_src_root/scripts/find_ptxas.py \
// RUN:   --cuda-root %t/no-cuda --no-path --python %python | FileCheck %s --check-prefix=ENV -DINPUTS=%S/Inputs
// RUN: env -u AWQ_PTXAS PYTHONPATH=%t/empty not %python %awq_src_root/scripts/find_ptxas.py \
// RUN:   --cuda-root %t/no-cuda --no-path --python %python 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: FileCheck %s --check-prefix=SETUP < %awq_src_root/scripts/setup.sh
// RUN: FileCheck %s --check-prefix=LITCFG < %awq_src_root/test/lit.cfg.py

// WHEEL: [[SITE]]/nvidia/cuda_nvcc/bin/ptxas
// ENV: [[INPUTS]]/fake-ptxas
// NONE: ptxas not found (looked at $AWQ_PTXAS, {{.*}}no-cuda, the nvidia-cuda-nvcc-cu12 wheel of {{.*}}); scripts/setup.sh installs it from PyPI (nvidia-cuda-nvcc-cu12)
// SETUP: if ! python3 "$ROOT/scripts/find_ptxas.py"
// SETUP-NEXT: echo "setup: no ptxas; installing nvidia-cuda-nvcc-cu12 from PyPI"
// SETUP-NEXT: python3 -m pip install -q nvidia-cuda-nvcc-cu12==
// LITCFG: ptxas = find_ptxas.find_ptxas(
