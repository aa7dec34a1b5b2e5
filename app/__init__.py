"""The footprints Streamlit app: one module per panel, the session state declared in one place.

The top-level ``app.py`` is the script ``streamlit run app.py`` starts; it sets the session
state up (:mod:`app.start`) and draws the page as a short sequence of panels. Every module
here wires widgets to the library (``footprints``), which never imports Streamlit.
"""
