"""Every sentence, number format, colour and chart made from an engine result, in one place.

The explorer's panes, the text report and the JSON report all take their wording from here, so
the copies cannot drift. This package never imports textual: it returns plain strings and Rich
Text, which the report prints and the panes lay out.
"""
