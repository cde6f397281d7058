"""Jinja2 report templates, shipped inside the package."""
