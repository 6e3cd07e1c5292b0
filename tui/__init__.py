"""Pretrain Explorer's terminal interface: the Textual app, its CLI, charts and report rendering."""
