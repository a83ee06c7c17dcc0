"""Plugin machinery: the hooks a plugin implements, the factories it returns, and the manager that finds plugins."""
