"""mmcorpus: Common Crawl WARC files to interleaved image-text training data (KOSMOS-1 recipe)."""

__version__ = "0.1.0"
