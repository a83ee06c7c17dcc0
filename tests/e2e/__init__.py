"""End-to-end tests: the installed ``fer-video`` command, pip-installed plugins, the pages in a browser."""
