"""The harness: load/ (`make bench`, `make bench-mail`), chaos/ (`make chaos`) and seeding/ (`seed_bench` and the
ceiling views, installed only by bench.settings). See bench/README.md."""
