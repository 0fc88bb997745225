/* book/_ext/reader.py: toggle titles, and search that knows the glossary's spellings. */
"use strict";

/* A click anywhere in a toggle's title (its text, maths, code) opens or closes it.
   sphinx-togglebutton only handles clicks on the title element itself and throws on
   clicks inside it; this sends them to the title. */
document.addEventListener("click", (event) => {
  const title = event.target.closest && event.target.closest(".admonition.toggle > .admonition-title");
  if (!title || event.target === title || event.target.closest(".toggle-button")) return;
  event.preventDefault();
  event.stopPropagation();
  title.click();
}, true);

/* The theme's search buttons read "Search Ctrl+K" but are named "Search": a speech-input
   user saying what they see would not reach them. Their name comes from their text. */
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".search-button__button[aria-label]").forEach((button) => {
    if (button.textContent.trim()) button.removeAttribute("aria-label");
  });
});

/* Search. BU_SPELLINGS (written by reader.py from book/glossary.yml) maps a glossary
   term to its other spellings; a query that uses one of them runs as the glossary's. */
(() => {
  const rules = [];
  for (const [term, others] of Object.entries(typeof BU_SPELLINGS === "undefined" ? {} : BU_SPELLINGS)) {
    for (const other of others) rules.push([other, term]);
  }
  rules.sort((a, b) => b[0].length - a[0].length);
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const canonical = (query) => {
    let out = query;
    for (const [other, term] of rules) {
      out = out.replace(new RegExp("(^|[^\\w-])" + escape(other) + "(?![\\w-])", "gi"),
                        (m, before) => before + term);
    }
    return out;
  };
  // What a result's snippet must not be drawn from: navigation, code, raw maths.
  // (The page's title, its print-only contents list and the theme's "Contents" sidebar
  // come first on every page, so a snippet drawn from them says nothing.)
  const NOT_PROSE = "nav, .bd-toc, .bd-sidebar-secondary, .onlyprint, .toctree-wrapper, " +
                    ".contents, h1, .cell_input, .math, div.highlight, .bu-report, " +
                    ".prev-next-area";
  const patch = () => {
    if (typeof Search === "undefined" || Search.buPatched) return;
    Search.buPatched = true;
    const parse = Search._parseQuery;
    Search._parseQuery = (query) => parse(canonical(query));
    const toText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(NOT_PROSE).forEach((el) => el.remove());
      return toText(doc.documentElement.outerHTML, anchor);
    };
  };
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();

/* Saved Jupyter widgets (ipywidgets) render without accessible names: their sliders have a
   visible description but no name, their play/step buttons only an icon, their pictures no
   alt text. Name them from what the reader sees, as the widget manager draws them. */
(() => {
  const ICONS = {play: "play", pause: "pause", stop: "stop", repeat: "repeat",
                 "step-forward": "step", "forward-step": "step", redo: "reset", undo: "reset",
                 refresh: "reset", "rotate-left": "reset", "arrows-rotate": "reset"};
  const described = (el) => {
    const box = el.closest(".widget-inline-hbox, .widget-hbox, .jupyter-widgets");
    const label = box && box.querySelector(".widget-label, label");
    return label ? label.textContent.trim() : "";
  };
  const nameWidgets = (root) => {
    root.querySelectorAll(".jupyter-widgets [role=slider], .jupyter-widgets input, " +
                          ".jupyter-widgets select, .jupyter-widgets textarea").forEach((el) => {
      if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") ||
          (el.labels && el.labels.length && el.labels[0].textContent.trim())) return;
      const name = described(el) || el.getAttribute("title") || el.getAttribute("placeholder");
      el.setAttribute("aria-label", name || (el.getAttribute("role") === "slider" ? "slider" : "value"));
    });
    root.querySelectorAll(".jupyter-widgets button").forEach((button) => {
      if (button.textContent.trim() || button.getAttribute("aria-label")) return;
      const icon = button.querySelector("i[class*='fa-']");
      const kind = icon && [...icon.classList].map((c) => c.replace(/^fa-/, "")).find((c) => ICONS[c]);
      button.setAttribute("aria-label", button.getAttribute("title") || (kind ? ICONS[kind] : "button"));
    });
    root.querySelectorAll(".jupyter-widgets img:not([alt])").forEach((img) => {
      img.setAttribute("alt", "The widget's picture as it was when the book was built; " +
                              "run the notebook to change it.");
    });
  };
  document.addEventListener("DOMContentLoaded", () => {
    if (!document.querySelector("script[type='application/vnd.jupyter.widget-view+json']")) return;
    nameWidgets(document);
    let queued = false;   // once per frame, however many nodes the widgets add
    new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; nameWidgets(document); });
    }).observe(document.body, {childList: true, subtree: true});
  });
})();
