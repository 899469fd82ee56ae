"""axe-core in the browser tests: WCAG 2.0 and 2.1, levels A and AA.

``axe-core`` is vendored for the tests only (tests/browser/vendor/axe-core, see its SOURCE.md) and
injected into the page under test through the DevTools protocol, so the portal's Content Security
Policy stays as it is. A page on which axe has run once gets axe's source as an init script
(``Page.addScriptToEvaluateOnNewDocument``) wrapped in a function that is only called when axe
is to run on the document, so each later document of that page has it at hand instead of being
sent the 500 KB again (0.12–0.14 s a document), and a document axe does not check only has it
parsed, not run; a page axe never checks never gets it. ``violations(page)`` returns what axe
found, one readable line per rule and element; ``assert_accessible(page)`` fails with those lines.
"""

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# The rules of WCAG 2.0 and 2.1 at levels A and AA, which EN 301 549 and the Swedish law on
# accessible digital public services (DOS-lagen) require. Best practices are not asked for.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# The init script's function that runs axe's source in the document (see the docstring).
_LOADER = "__testsLoadAxe"
_LOAD = f"""() => {{
    if (typeof window.axe !== 'object' && typeof window.{_LOADER} === 'function') {{
        window.{_LOADER}();
    }}
    return typeof window.axe === 'object';
}}"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """What axe finds on the page as it is now: "rule (impact): help, at selector: summary"."""
    if not page.evaluate(_LOAD):
        page.evaluate(_source())
        if not getattr(page, "_axe_on_new_documents", False):
            page.add_init_script(f"window.{_LOADER} = function () {{\n{_source()}\n}};")
            page._axe_on_new_documents = True
    found = page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            const result = await axe.run(context, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(' '),
                                             summary: n.failureSummary || ''})),
            }));
        }""",
        [WCAG_AA, list(exclude)],
    )
    lines = []
    for rule in found:
        for node in rule["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(
                f"{rule['id']} ({rule['impact']}): {rule['help']}, at {node['target']}: {summary}"
            )
    return lines


def assert_accessible(page, what: str = "") -> None:
    found = violations(page)
    assert not found, f"axe found WCAG 2.1 A/AA violations on {what or page.url}:\n" + "\n".join(
        found
    )
