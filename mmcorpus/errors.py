"""Errors a person can act on: the CLI prints their message (no traceback) and exits with 2."""


class UserError(ValueError):
    """A bad path, option, config value or file: the message says what and where."""
