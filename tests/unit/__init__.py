"""In-memory tests, one module per part of the package: stages, models, plugins, runtime, I/O."""
