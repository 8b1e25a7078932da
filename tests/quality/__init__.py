"""Quality gates: pa11y-ci, real-browser checks, HTML validity, links and weight budgets (issue 8).

A package so that its conftest and helpers never clash with tests/conftest.py on sys.path.
"""
