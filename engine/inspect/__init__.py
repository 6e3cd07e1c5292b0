"""Questions asked of vectors and results: neighbours, group similarity, explanations, word pairs, coverage."""
