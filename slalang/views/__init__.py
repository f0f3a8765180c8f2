"""Views over the runtime: command output for eval, report, docs and diff."""
