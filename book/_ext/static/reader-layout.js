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
  // A figure of side-by-side panels (class "bu-panels bu-split-0-4993-10000": where its
  // columns split, in ten-thousandths of the width; "bu-top-800": the title's band at the
  // top, left out since the caption repeats it) gets a copy made of one crop per
  // column, which reader-layout.css shows instead of the figure on a phone: each panel at
  // the column's full width, one under another, all cut from the same image file.
  function stackPanels() {
    document.querySelectorAll("img.bu-panels").forEach(function (img) {
      var cls = [].find.call(img.classList, function (c) {
        return c.indexOf("bu-split-") === 0;
      });
      if (!cls) return;
      var splits = cls.slice(9).split("-").map(function (x) { return x / 10000; });
      var topCls = [].find.call(img.classList, function (c) {
        return c.indexOf("bu-top-") === 0;
      });
      var top = topCls ? topCls.slice(7) / 10000 : 0;  // the title band, left out
      var stack = document.createElement("div");
      stack.className = "bu-panel-stack";
      stack.setAttribute("role", "img");
      stack.setAttribute("aria-label", img.getAttribute("alt") || "figure");
      function layout() {
        var w = img.naturalWidth, h = img.naturalHeight;
        if (!w || !h) return;
        stack.textContent = "";
        for (var i = 0; i + 1 < splits.length; i++) {
          var part = splits[i + 1] - splits[i];
          var panel = document.createElement("div");
          panel.className = "bu-panel";
          panel.style.aspectRatio = (part * w) + " / " + (h * (1 - top));
          var copy = document.createElement("img");
          copy.src = img.currentSrc || img.src;
          copy.alt = "";
          copy.style.width = (100 / part) + "%";
          copy.style.marginLeft = (-100 * splits[i] / part) + "%";
          // margins in % are of the panel's width: the band is top·h of an image w/part wide
          copy.style.marginTop = (-100 * top * h / (w * part)) + "%";
          panel.appendChild(copy);
          stack.appendChild(panel);
        }
      }
      img.parentNode.insertBefore(stack, img.nextSibling);
      if (img.complete) layout(); else img.addEventListener("load", layout);
    });
  }
  function setup() {
    forward("primary");
    forward("secondary");
    nameToggles();
    stackPanels();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
