"""`python -m awq_mlir`: the package version and what it sees of the GPU."""
import awq_mlir

print(f"awq_mlir {awq_mlir.__version__}: {awq_mlir.gpu_status()}")
