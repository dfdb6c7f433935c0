"""``mmcorpus config [--config FILE] [--set k=v]``: print the effective configuration.

Defaults, then the file, then the overrides, validated exactly as a run would use them (a value
out of range is the same one-line error, exit status 2). The output is YAML (or JSON with
``--json``) and can be saved and passed back with ``--config``.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from mmcorpus.cli.main import add_config_arguments

    add_config_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of YAML")


def run(args: argparse.Namespace) -> int:
    import json

    from mmcorpus.cli.main import load_config

    cfg = load_config(args).to_dict()
    if args.json:
        print(json.dumps(cfg, indent=2))
        return 0
    import yaml

    print(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=100).rstrip())
    return 0
