"""python -m bench NAME [--scale N] [--rebuild] | --list"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from . import BENCHMARKS
from .database import bench_database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", nargs="?", choices=sorted(BENCHMARKS))
    parser.add_argument("--scale", type=int, help="dataset size (each benchmark says what)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args(argv)
    if args.list or not args.name:
        for name, (_module, description) in sorted(BENCHMARKS.items()):
            print(f"{name}: {description}")
        return 0

    os.environ["DATABASE_URL"] = bench_database_url(args.name, fresh=args.rebuild)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    module = importlib.import_module(BENCHMARKS[args.name][0])
    scale = args.scale or module.DEFAULT_SCALE
    print(f"benchmark: {args.name}")
    print(f"database: {django.db.connection.vendor}")
    print(f"scale: {scale}")
    started = time.perf_counter()
    built = module.build(scale)
    print(f"build_s: {time.perf_counter() - started:.1f}{'' if built else ' (reused)'}")
    for figure, value in module.run(scale).items():
        print(f"{figure}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
