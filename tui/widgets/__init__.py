"""The explorer's panes and small widgets, one module each."""
