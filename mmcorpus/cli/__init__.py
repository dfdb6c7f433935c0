"""The ``mmcorpus`` command line: one module per sub-command, registered in :mod:`mmcorpus.cli.main`."""
