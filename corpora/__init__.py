"""Experiments shipped with Pretrain Explorer, as data: one folder each, holding experiment.toml."""
