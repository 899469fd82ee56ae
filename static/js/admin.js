/* The admin, for everyone (loaded by templates/admin/base_site.html):
 * - a refused form opens with its error note focused, and the note links to each field with an
 *   error (WCAG 3.3.1, 2.4.3);
 * - fields without a visible label of their own (a tabular inline's cells, the autocomplete's
 *   box) are named by their column or their label (WCAG 4.1.2);
 * - a table that scrolls sideways can be reached and scrolled with the keyboard (WCAG 2.1.1). */
(function () {
  "use strict";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").replace(/[:*]\s*$/, "").trim() : "";
  }

  function labelOf(field) {
    if (field.id) {
      const label = document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
      if (label) return text(label);
    }
    if (field.getAttribute("aria-label")) return field.getAttribute("aria-label");
    const cell = field.closest("td");
    if (cell) {
      const table = cell.closest("table");
      const header = table && table.tHead && table.tHead.rows[0] &&
        table.tHead.rows[0].cells[cell.cellIndex];
      if (header) return text(header);
    }
    return field.name || "";
  }

  function nameUnlabelled(root) {
    root.querySelectorAll("td input:not([type=hidden]), td select, td textarea").forEach(function (field) {
      if (field.labels && field.labels.length) return;
      if (field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")) return;
      const name = labelOf(field);
      if (name) field.setAttribute("aria-label", name);
    });
    // A field whose only name is text beside it (a date and a time: "Date: [ ] Time: [ ]"):
    // named by its row's label and that text.
    root.querySelectorAll(".form-row input:not([type=hidden]), .form-row select, .form-row textarea").forEach(function (field) {
      if ((field.labels && field.labels.length) || field.getAttribute("aria-label") ||
          field.getAttribute("aria-labelledby") || field.closest(".select2-container")) return;
      const row = field.closest(".form-row");
      const label = row && row.querySelector("label");
      let beside = field.previousSibling;
      while (beside && beside.nodeType === Node.TEXT_NODE && !beside.textContent.trim()) beside = beside.previousSibling;
      const words = [label ? text(label) : "", beside && beside.nodeType === Node.TEXT_NODE ? text(beside) : ""];
      const name = words.filter(Boolean).join(", ");
      if (name) field.setAttribute("aria-label", name);
    });
    // The autocomplete's box (select2) is named by the label of the list it stands for.
    root.querySelectorAll(".select2-container").forEach(function (container) {
      const select = container.previousElementSibling;
      if (!select || select.tagName !== "SELECT") return;
      const name = labelOf(select);
      if (!name) return;
      container.querySelectorAll(
        ".select2-selection[role=combobox], .select2-selection__rendered[role=textbox], " +
        ".select2-search__field"
      ).forEach(function (box) {
        if (!box.getAttribute("aria-label")) box.setAttribute("aria-label", name);
      });
    });
  }

  function summarise() {
    const note = document.querySelector("#content-main .errornote, #content-main .error-summary-note");
    if (!note) return;
    const form = note.closest("form") || document.querySelector("#content-main form");
    if (form && !note.querySelector("ul.error-summary")) {
      const items = [];
      form.querySelectorAll("ul.errorlist:not(.nonfield)").forEach(function (list) {
        const box = list.closest(".form-row, .fieldBox, td, .form-group") || list.parentElement;
        let field = box.querySelector("input:not([type=hidden]), select, textarea");
        if (!field && list.nextElementSibling) field = list.nextElementSibling.querySelector("input, select, textarea");
        if (!field || !field.id) return;
        items.push({ id: field.id, label: labelOf(field), message: text(list) });
      });
      if (items.length) {
        const ul = document.createElement("ul");
        ul.className = "error-summary";
        items.forEach(function (item) {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = "#" + item.id;
          a.textContent = item.label ? item.label + ": " + item.message : item.message;
          a.addEventListener("click", function (event) {
            const target = document.getElementById(item.id);
            if (!target) return;
            event.preventDefault();
            target.scrollIntoView({ block: "center" });
            target.focus();
          });
          li.appendChild(a);
          ul.appendChild(li);
        });
        note.appendChild(ul);
      }
    }
    note.setAttribute("tabindex", "-1");
    note.focus();
    // The admin's own scripts (calendars, select2, a first field's autofocus) may take the focus
    // while the page finishes loading, before anyone could act: give it back to the note.
    window.addEventListener("load", function () {
      if (!note.contains(document.activeElement)) note.focus();
    });
  }

  function scrollRegions() {
    document.querySelectorAll(".inline-group, .results, #changelist .results, .module table").forEach(function (el) {
      const box = el.classList.contains("results") || el.classList.contains("inline-group") ? el : el.parentElement;
      if (!box || box.hasAttribute("tabindex")) return;
      if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1) {
        if (!box.querySelector("a[href], button, input:not([type=hidden]), select, textarea")) {
          box.setAttribute("tabindex", "0");
          box.classList.add("scroll-region");
          const heading = box.querySelector("h2, caption");
          box.setAttribute("role", "region");
          if (heading) {
            if (!heading.id) heading.id = "scroll-" + Math.random().toString(36).slice(2);
            box.setAttribute("aria-labelledby", heading.id);
          }
        }
      }
    });
  }

  function ready() {
    nameUnlabelled(document);
    scrollRegions();
    summarise();
    // select2 draws its boxes after the page is ready, and inlines add rows later.
    new MutationObserver(function () { nameUnlabelled(document); })
      .observe(document.getElementById("content") || document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  // Widths are final once the page has loaded (images, fonts) and change when it is resized.
  window.addEventListener("load", scrollRegions);
  window.addEventListener("resize", scrollRegions);
})();
