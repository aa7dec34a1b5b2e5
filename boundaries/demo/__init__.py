"""The shipped demo region's files, installed as package data ``footprints.demo_data``.

``pyproject.toml`` maps this folder into the package; ``footprints.demo`` reads the files.
"""
