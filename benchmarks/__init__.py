"""Speed benchmarks of the engine against PyTorch CPU: `python -m benchmarks` (or `make bench`)."""
