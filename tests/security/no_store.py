"""What privacy.middleware.NoStoreMiddleware promises of every answer, checked on the answers the
permission matrix's walk gets anyway (tests/security/test_permission_matrix.py): every page a
role may open says ``no-store``, except the few public pages asked for by a visitor nobody
knows, which stay cacheable (tests/security/test_no_store.py has the findings' own pages)."""

from privacy.middleware import PUBLIC_PAGES
from tests.security import permission_matrix as matrix

# Forms answer POSTs with what was typed: the public forms and the host's own are sent too.
POSTED_BY = (matrix.ANONYMOUS, matrix.HOST, matrix.HOUSEHOLD)


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


class NoStoreWalk:
    """One role's answers, seen one by one (``see``); ``problems()`` says what is wrong."""

    def __init__(self, role: str):
        self.role = role
        self.found: list[str] = []
        self.cacheable: set[str] = set()
        self.requests = 0

    def see(self, key: str, method: str, variant: str, path: str, response) -> None:
        """An answer to the role's ``method`` on the matrix's ``key``: checked if the page is
        the role's own (with their own objects) and the role may open it."""
        if variant != "own" or (method == "POST" and self.role not in POSTED_BY):
            return
        if matrix.expected(key, self.role, method, variant) != matrix.OK:
            return  # not reachable for the role: a log-in page, a refusal
        self.requests += 1
        public = self.role == matrix.ANONYMOUS and method == "GET" and key in PUBLIC_PAGES
        if public and response.status_code == 200:
            self.cacheable.add(key)
            if no_store(response):
                self.found.append(f"{method} {path}: a public page, but no-store")
        elif not no_store(response):
            self.found.append(
                f"{method} {path} ({response.status_code}): "
                f"Cache-Control {response.get('Cache-Control')!r}"
            )

    def problems(self) -> list[str]:
        problems = [f"no-store: {line}" for line in self.found]
        if self.requests <= 10:
            problems.append(f"no-store: only {self.requests} pages of {self.role} were checked")
        if self.role == matrix.ANONYMOUS and self.cacheable != set(PUBLIC_PAGES):
            problems.append(
                f"no-store: cacheable for a visitor {sorted(self.cacheable)}, "
                f"not {sorted(PUBLIC_PAGES)}"
            )
        return problems
