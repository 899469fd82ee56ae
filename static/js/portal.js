// The portal's one script of its own (the site's CSP allows no inline script).
// A failed submit: the error summary (templates/hosts/_form_errors.html) takes the focus, so that
// a person on a phone sees it and a screen reader reads it, and each of its links moves the focus
// to its field with the field's question in view.
(function () {
  "use strict";

  function fieldWrapper(target) {
    // crispy-forms wraps each field (with its label or legend) in an element "div_<id>".
    return target.closest("[id^='div_id_'], fieldset, .mb-3") || target;
  }

  function start() {
    const summary = document.querySelector(".error-summary");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      const link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) {
        return;
      }
      event.preventDefault();
      fieldWrapper(target).scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
