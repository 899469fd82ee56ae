"""The admin's menu of models (``admin/app_list.html``: the side menu of every admin page and the
index's list), written in Python: the same HTML as Django 5.2's template, which costs about 6 ms
of CPU a page over the fifty models (a template tag, a filter and a translation per cell).
``tests/test_admin_menu.py`` compares the two for each role, in both languages, on several
addresses, so a Django upgrade that changes the template fails there."""

from urllib.parse import quote

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .form_renderer import escaped as escape


def _within(url, path: str) -> bool:
    """``{% if url in request.path|urlencode %}``: False where the template's ``in`` fails
    (no address)."""
    try:
        return url in path
    except TypeError:
        return False


def _model_row(app, model, path: str, show_changelinks, words) -> str:
    label = escape(app["app_label"])
    model_name = escape(model["object_name"].lower())
    described = f"{label}-{model_name}"
    admin_url = model.get("admin_url")
    current = " current-model" if _within(admin_url, path) else ""
    if admin_url:
        here = ' aria-current="page"' if _within(admin_url, path) else ""
        name = (
            f'\n                  <a href="{escape(admin_url)}"{here}>'
            f"{escape(model['name'])}</a>\n                "
        )
    else:
        name = f"\n                  {escape(model['name'])}\n                "
    if model.get("add_url"):
        add = (
            f'\n                <td><a href="{escape(model["add_url"])}" class="addlink" '
            f'aria-describedby="{described}">{words["add"]}</a></td>\n              '
        )
    else:
        add = "\n                <td></td>\n              "
    if admin_url and show_changelinks:
        kind, word = (
            ("viewlink", words["view"])
            if model.get("view_only")
            else (
                "changelink",
                words["change"],
            )
        )
        change = (
            f'\n                \n                  <td><a href="{escape(admin_url)}" '
            f'class="{kind}" aria-describedby="{described}">{word}</a></td>\n'
            "                \n              "
        )
    elif show_changelinks:
        change = "\n                <td></td>\n              "
    else:
        change = ""
    return (
        f'\n          \n            <tr class="model-{model_name}{current}">\n'
        f'              <th scope="row" id="{described}">\n                {name}\n'
        f"              </th>\n\n              {add}\n\n              {change}\n"
        "            </tr>\n          \n        "
    )


def app_list_html(app_list, show_changelinks, request) -> str:
    """django/contrib/admin/templates/admin/app_list.html."""
    if not app_list:
        return SafeString(
            "\n\n\n  <p>"
            + gettext("You don’t have permission to view or edit anything.")
            + "</p>\n\n"
        )
    path = quote(getattr(request, "path", "") or "")
    words = {
        "add": gettext("Add"),
        "view": gettext("View"),
        "change": gettext("Change"),
    }
    head = (
        f'          <tr>\n            <th scope="col">{gettext("Model name")}</th>\n'
        f'            <th scope="col">{gettext("Add link")}</th>\n'
        f'            <th scope="col">{gettext("Change or view list link")}</th>\n'
        "          </tr>\n"
    )
    models_in = gettext("Models in the %(name)s application")
    parts = ["\n\n\n  "]
    for app in app_list:
        current = " current-app" if _within(app["app_url"], path) else ""
        name = escape(app["name"])
        parts.append(
            f'\n    <div class="app-{escape(app["app_label"])} module{current}">\n'
            "      <table>\n        <caption>\n"
            f'          <a href="{escape(app["app_url"])}" class="section" '
            f'title="{models_in % {"name": name}}">{name}</a>\n'
            "        </caption>\n"
            '        <thead class="visually-hidden">\n'
            f"{head}        </thead>\n        "
        )
        parts.extend(
            _model_row(app, model, path, show_changelinks, words) for model in app["models"]
        )
        parts.append("\n      </table>\n    </div>\n  ")
    parts.append("\n\n")
    return SafeString("".join(parts))
