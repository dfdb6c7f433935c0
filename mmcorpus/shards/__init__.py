"""The three WebDataset shard sets: sample layout, atomic writer, bucketed sets, reader."""
