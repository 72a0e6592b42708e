"""Bench-only views, mounted at /__bench/ when settings.BENCH_VIEWS is on."""

app_name = "bench"
urlpatterns: list = []
