"""Test fixture: a module whose import fails, as with a missing dependency.

``--adapter snakepit_test_adapters.import_error.ImportErrorAdapter``
makes a worker write ``{"status": "error", "stage": "import", "type":
"ImportError", ...}`` to its ready file and exit with code 3. Exists only for
tests.
"""

raise ImportError("simulated import failure: missing_dependency")
