"""Looking at written shards: statistics, validation, HTML gallery."""
