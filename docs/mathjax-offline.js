/* MathJax 2 settings for the offline site, loaded as config/local/offline.js (docs/build.py copies it
   there and adds "local/offline" to the MathJax URL).  jupyter_server_mathjax ships only the STIX-Web
   web fonts, while MathJax defaults to its TeX fonts: without this, MathJax asks for files that are
   not there and renders some formulas as "[Math Processing Error]".  These are the settings the
   Jupyter notebook itself uses with that package. */
MathJax.Hub.Config({
  "HTML-CSS": {
    availableFonts: [],
    preferredFont: null,
    webFont: "STIX-Web",
    imageFont: null,
    linebreaks: { automatic: true }
  },
  SVG: { font: "STIX-Web" },
  menuSettings: { zoom: "None" },
  showMathMenu: false
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/offline.js");
