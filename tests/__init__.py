"""fer-video's tests. ``unit/`` mirrors the package and runs in memory; ``e2e/`` starts the ``fer-video``
command, installs plugins or drives a browser, as a user would. ``support.py`` holds the helpers both use."""
