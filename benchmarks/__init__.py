"""Benchmarks that print figures: throughput, memory and streaming latency of the pipeline."""
