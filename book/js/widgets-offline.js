// Loaded (by myst-nb's nb_ipywidgets_js, see _config.yml) only on pages that carry saved
// widget state, after require.js and before the widget manager embed-amd.js.
// It fixes two things the stock set-up gets wrong, online or offline:
(function () {
  "use strict";
  // 1. embed-amd.js looks for its icon fonts in the folder of the URL require.js gives its
  //    module "@jupyter-widgets/html-manager", which resolves against the *page*
  //    ("<page dir>/@jupyter-widgets/"): 404s. Map the module ids into the folder the book
  //    serves the manager from (both map to files directly inside _static/widgets/).
  var root = document.documentElement.getAttribute("data-content_root") || "./";
  var here = new URL(root + "_static/widgets", document.baseURI).href;
  require.config({ paths: {
    "@jupyter-widgets/html-manager": here + "/html-manager",
    "@jupyter-widgets/html-manager/dist": here
  } });

  // 2. ipywidgets typesets labels with the MathJax 2 call MathJax.Hub.Queue(["Typeset",
  //    MathJax.Hub, element]); Sphinx loads MathJax 3, which has no Hub. Provide one that
  //    forwards to MathJax 3, and remember elements that arrive before MathJax is ready.
  var waiting = [];
  function queue(call) {
    var element = call && call[2];
    var mj = window.MathJax;
    if (mj && typeof mj.typesetPromise === "function") {
      mj.typesetPromise(element ? [element] : undefined);
    } else if (element) {
      waiting.push(element);
    }
  }
  var config = window.MathJax = window.MathJax || {};
  config.Hub = { Queue: queue };
  config.startup = config.startup || {};
  config.startup.ready = function () {
    window.MathJax.startup.defaultReady();
    window.MathJax.Hub = { Queue: queue };
    window.MathJax.startup.promise.then(function () {
      if (waiting.length) {
        window.MathJax.typesetPromise(waiting.splice(0));
      }
    });
  };
})();
