"""HTML page to interleaved :class:`~mmcorpus.data.Document`: decode, page tree, block labels, main content."""
