"""Reference KOSMOS-style trainer over the three shard sets (docs/training.md).

``data`` (webdataset streams, packing, token-budget mixing), ``tokenizer`` (bytes or a byte-level
BPE), ``model`` (ViT, resampler, decoder with Sub-LN and xPos), ``train`` (the loop). Importing
this package does not import torch; its modules do.
"""
