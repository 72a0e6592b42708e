from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's data seeder (`seed_bench`) and, only when BENCH_VIEWS is on, its ceiling views."""

    name = "partnerhub.bench"
    label = "bench"
    verbose_name = "Benchmark"
