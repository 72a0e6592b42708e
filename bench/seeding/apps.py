from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's data seeder (`seed_bench`) and its ceiling views: installed only by bench.settings."""

    name = "bench.seeding"
    label = "bench"
    verbose_name = "Benchmark"
