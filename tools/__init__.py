"""Scripts that maintain files the repository ships; never part of the installed package.

The library never imports from here; a tool may import the library.
"""
