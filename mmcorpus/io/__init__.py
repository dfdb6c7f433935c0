"""Reading and writing files: input expansion, WARC/ARC records, document files, filesystem helpers."""
