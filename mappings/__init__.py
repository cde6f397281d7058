"""Vendor mapping tables (YAML data), shipped inside the package."""
