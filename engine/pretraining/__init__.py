"""Corpus -> word vectors: reading, counting, the vocabulary cut, weighting, SVD, skip-gram."""
