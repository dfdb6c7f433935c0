"""Apache Beam pipelines: thin composite transforms that wire ``mmcorpus`` functions together."""
