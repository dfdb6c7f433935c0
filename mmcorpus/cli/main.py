"""The ``mmcorpus`` command line: one sub-command per tool, each in its own module of ``mmcorpus/cli/``.

Command modules are imported only when their command runs, so ``mmcorpus --help`` is instant
and a command never pays for another's heavy imports (Beam, PIL, fastText).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from mmcorpus import __version__

# name -> (module, one-line help). A new command is a module in mmcorpus/cli/ with
# add_arguments(parser) and run(args), and one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "warc-stats": ("mmcorpus.cli.warc_stats", "count WARC records by type, HTTP status and content type"),
    "run": ("mmcorpus.cli.run", "the whole job: WARC files to interleaved/, pairs/, text/ shards (Beam)"),
    "extract": ("mmcorpus.cli.extract", "extract interleaved documents from WARC files to JSONL or Parquet"),
    "inspect": ("mmcorpus.cli.inspect", "statistics of written shards: totals, per-shard table, distributions"),
    "show": ("mmcorpus.cli.show", "print one sample as the model sees it (and save its images)"),
    "view": ("mmcorpus.cli.view", "write a static, self-contained HTML gallery of sampled documents and pairs"),
    "validate": ("mmcorpus.cli.validate", "check shards: tar integrity, keys, schemas, images, indexes, manifest"),
    "export": ("mmcorpus.cli.export", "write a run's documents as OBELICS parquet or MMC4/OpenFlamingo tars"),
    "config": ("mmcorpus.cli.config", "print the effective configuration (defaults, --config file, --set overrides)"),
    "train": ("mmcorpus.cli.train", "train the reference KOSMOS-style model on a run's three shard sets"),
    "train-tokenizer": ("mmcorpus.cli.train_tokenizer", "learn a byte-level BPE tokenizer from a run's text"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just that sub-command's module is imported.

    Arguments are declared by each command's module, and some of those import heavy packages
    (``run`` imports Beam), so ``main`` builds only the command being run: ``mmcorpus show`` and
    ``mmcorpus --help`` never pay for Beam.
    """
    parser = argparse.ArgumentParser(
        prog="mmcorpus",
        description="Turn web crawls (WARC files) into multimodal training data, KOSMOS-1 style.",
    )
    parser.add_argument("--version", action="version", version=f"mmcorpus {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--log-level", default="WARNING", help="Python logging level (default WARNING)")
        p.set_defaults(_module=module_name)
        if only is None or name == only:
            importlib.import_module(module_name).add_arguments(p)
    return parser


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The two configuration flags every processing command shares."""
    parser.add_argument("--config", metavar="FILE", help="YAML, TOML or JSON config file (see docs/configuration.md)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config value, e.g. --set text.min_words=30 (repeatable)",
    )


def load_config(args: argparse.Namespace):
    from mmcorpus.config import Config

    return Config.load(getattr(args, "config", None), getattr(args, "overrides", None))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        return _main(argv, command)
    except KeyboardInterrupt:  # a Ctrl-C while the command's modules load (Beam takes seconds)
        print(f"mmcorpus{' ' + command if command in COMMANDS else ''}: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str], command: str | None) -> int:
    parser = build_parser(only=command if command in COMMANDS else "")
    args, extra = parser.parse_known_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(levelname)s %(name)s: %(message)s")
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("warcio").setLevel(logging.ERROR)  # per-record URI fix-ups are noise
    from mmcorpus.errors import UserError

    module = importlib.import_module(args._module)
    if extra and not getattr(module, "PASS_THROUGH", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if getattr(module, "PASS_THROUGH", False):
            return int(module.run(args, extra) or 0)
        return int(module.run(args) or 0)
    except UserError as e:
        print(f"mmcorpus {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mmcorpus {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
