"""``python -m mmcorpus``: the same command line as the ``mmcorpus`` script."""

import sys

from mmcorpus.cli.main import main

sys.exit(main())
