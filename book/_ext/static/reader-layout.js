// The sidebar buttons readers can see work on every screen (book/_ext/reader_layout.py).
// pydata-sphinx-theme 0.17 renders a ☰ in its own header (#pst-header, which
// sphinx-book-theme hides) and sphinx-book-theme renders the visible ☰ and "contents"
// buttons in the article header. Both themes' scripts bind document.querySelector(
// ".primary-toggle"), the first, hidden button, so the visible ones did nothing (upstream
// pydata-sphinx-theme #2451, sphinx-book-theme #988). A click on a visible button is passed
// on to the bound one, which opens the drawer on narrow screens and hides the sidebar on
// wide ones.
(function () {
  "use strict";
  function forward(kind) {
    var all = document.querySelectorAll("." + kind + "-toggle");
    if (all.length < 2) return;              // a fixed theme binds the only button
    var bound = all[0];
    for (var i = 1; i < all.length; i++) {
      all[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        this.blur();                         // drop the tooltip the tap showed
        bound.click();
      }, true);
    }
  }
  // The sidebar's expand/collapse toggles are <summary> elements holding only an icon:
  // give each the name of the section it opens, for screen readers (axe: summary-name).
  function nameToggles() {
    document.querySelectorAll("summary").forEach(function (summary) {
      if (summary.textContent.trim() || summary.hasAttribute("aria-label")) return;
      var item = summary.parentElement && summary.parentElement.parentElement;
      var link = item && item.querySelector(":scope > a");
      var name = link ? link.textContent.trim() : "this section";
      summary.setAttribute("aria-label", "Show or hide the pages of " + name);
    });
  }
  function setup() {
    forward("primary");
    forward("secondary");
    nameToggles();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
