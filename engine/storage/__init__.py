"""Files: the vectors file format, the disk cache, path kinds and atomic writes."""
