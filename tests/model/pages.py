"""Reading a page as a browser would: its forms (with their fields, choices and buttons) and its
links, so that the state machine submits what the page offers instead of guessing internals."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, textarea, select, radio, checkbox, date, time, datetime-local, …
    value: str = ""  # what the page filled in (the chosen option, a checked box's value)
    options: list[str] = field(default_factory=list)  # select and radio: the values offered
    checked: bool = False  # checkbox


@dataclass
class Button:
    name: str
    value: str
    formaction: str
    label: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.fields


@dataclass
class Link:
    href: str
    text: str
    attrs: dict[str, str]


class _PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[Link] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._link: Link | None = None
        self._button: Button | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "") for key, value in attrs}
        if tag == "a" and "href" in attrs:
            self._link = Link(href=attrs["href"], text="", attrs=attrs)
            self.links.append(self._link)
        if tag == "form":
            self._form = Form(
                action=attrs.get("action", ""), method=(attrs.get("method") or "get").lower()
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append(
                    Button(name, attrs.get("value", ""), attrs.get("formaction", ""))
                )
            elif not name or kind in ("button", "reset", "file"):
                return
            elif kind == "radio":
                existing = self._form.fields.setdefault(name, Field(name, "radio"))
                existing.options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    existing.value = attrs.get("value", "on")
            elif kind == "checkbox":
                existing = self._form.fields.get(name)
                if existing is None:
                    self._form.fields[name] = Field(
                        name,
                        "checkbox",
                        value=attrs.get("value", "on"),
                        options=[attrs.get("value", "on")],
                        checked="checked" in attrs,
                    )
                else:  # several boxes of one name: a multiple choice
                    existing.kind = "checkboxes"
                    existing.options.append(attrs.get("value", "on"))
            else:
                self._form.fields[name] = Field(name, kind, value=attrs.get("value", ""))
        elif tag == "button":
            kind = (attrs.get("type") or "submit").lower()
            if kind == "submit":
                self._button = Button(name, attrs.get("value", ""), attrs.get("formaction", ""))
                self._form.buttons.append(self._button)
        elif tag == "select" and name:
            self._select = Field(name, "select")
            self._form.fields[name] = self._select
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.options.append(value)
            if "selected" in attrs:
                self._select.value = value
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            self._form.fields[name] = self._textarea

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._link is not None:
            self._link.text += data
        if self._button is not None:
            self._button.label += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                # A browser drops the newline that starts a textarea's content.
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._form = None


@dataclass
class Page:
    path: str
    status: int
    forms: list[Form]
    links: list[Link]

    def post_forms(self) -> list[Form]:
        return [form for form in self.forms if form.method == "post"]

    def own_forms(self) -> list[Form]:
        """The page's own POST forms, not the header's log-out or language forms."""
        return [
            form
            for form in self.post_forms()
            if not form.action.endswith(("/logout/", "/setlang/", "/leave/"))
        ]

    def main_form(self) -> Form | None:
        """The page's own POST form with the most fields."""
        return max(self.own_forms(), key=lambda form: len(form.fields), default=None)

    def form_with(self, *names: str) -> Form | None:
        for form in self.post_forms():
            if all(form.has(name) for name in names):
                return form
        return None


def read_page(path: str, response) -> Page:
    reader = _PageReader()
    if "html" in response.get("Content-Type", ""):
        reader.feed(response.content.decode())
    return Page(path=path, status=response.status_code, forms=reader.forms, links=reader.links)
