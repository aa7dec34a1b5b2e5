"""User text in Streamlit's Markdown: one escaping helper for every notice, caption and help.

Streamlit renders the text of ``st.markdown``, ``st.caption``, ``st.info``, ``st.success``,
``st.error``, ``st.warning``, ``st.toast``, ``st.write`` and a widget's ``help`` or progress
text as Markdown, with LaTeX between ``$`` signs and colour directives (``:red[…]``). A
practice, network or area name, a file name or a message quoting a file is the user's text:
:func:`plain` escapes it, so ``**bold**`` shows its asterisks, ``![x](http://…)`` fetches
nothing and ``$x$`` is no formula.
"""

from __future__ import annotations

import re
import string

__all__ = ["plain", "shown"]

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def plain(text: object) -> str:
    """Return ``text`` as Markdown that shows exactly that text.

    Every ASCII punctuation character gets a backslash in front: CommonMark (and Streamlit's
    ``$`` and ``:`` extensions) read a backslashed punctuation character as itself.
    """
    return _PUNCTUATION.sub(r"\\\1", str(text))


_ESCAPED = re.compile(r"\\([" + re.escape(string.punctuation) + "])")


def shown(markdown: str) -> str:
    """Return the text that Markdown made by :func:`plain` shows (its backslashes undone)."""
    return _ESCAPED.sub(r"\1", markdown)
