"""Labeled sentences -> classifiers: the labeled data, the centroid, softmax training, the bag of words, the approach registry."""
