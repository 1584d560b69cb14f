"""The course's notebooks in a real browser: JupyterLab driven by headless Chromium (pytest -m browser).

A package, so that its conftest is ``browser.conftest`` and the tests' ``from conftest import ...`` keeps meaning
tests/conftest.py.
"""
