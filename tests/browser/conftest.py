"""The browser fixtures (``browser``, ``screenshot_dir``) are in tests/conftest.py, shared by
browser tests in every folder."""
