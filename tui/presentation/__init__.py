"""Every sentence, number format, colour and chart made from an engine result, for the panes, the text
report and the JSON report alike; never imports textual (plain strings and Rich Text)."""
