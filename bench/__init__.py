"""headrace's benchmarks: `make bench` runs them and writes bench/RESULTS.md."""
