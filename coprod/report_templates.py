"""The report's templates (``coprod/templates``): one Jinja environment, every value escaped."""

from __future__ import annotations

from functools import cache

from sim.errors import printable


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("coprod", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                       finalize=_shown)


def _shown(value):
    """Every value a template shows, its control characters as '?' (escaped after).

    Autoescape keeps markup out; this keeps terminal escapes read from a manifest (a
    tampered ``years`` or ``posterior``) out of the page. Markup a macro built is already
    made of shown values.
    """
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, keep="\n\t")
    return value


def render(template: str, **values) -> str:
    """A template of ``coprod/templates`` rendered with ``values`` (every value escaped)."""
    return _environment().get_template(template).render(**values)
