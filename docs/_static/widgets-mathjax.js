// ipywidgets' embedder typesets a widget's text with MathJax 2's `MathJax.Hub.Queue`; the site runs MathJax 3,
// whose `typesetPromise` does the same. This file loads after MathJax (deferred) and before the widgets are drawn
// (on the page's load event); on a page without formulas there is no MathJax, and widgets skip typesetting.
(function () {
  const mathjax = window.MathJax;
  if (!mathjax || !mathjax.startup || mathjax.Hub) return;
  mathjax.Hub = {
    Queue(job) {
      const node = Array.isArray(job) ? job[2] : null;
      if (!node) return;
      mathjax.startup.promise
        .then(() => mathjax.typesetPromise([node]))
        .catch((error) => console.warn("MathJax could not typeset a widget:", error));
    },
  };
})();
