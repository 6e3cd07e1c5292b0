"""The command's exit statuses, as the README's "Limits" section lists them."""

FAILED = 1  # a write failed, or a bug (an internal error)
BAD_INPUT = 2  # the user's files or options: one line names the file and the problem
INTERRUPTED = 130  # Ctrl-C; SIGTERM and SIGHUP end a shell command (report, pretrain ...) the same way
BROKEN_PIPE = 141  # the reader of the output went away
