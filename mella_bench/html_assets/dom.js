// DOM helpers shared by the report's sample viewer and the labelling page. Every string from a run or
// dataset goes in through textContent (the `text` attribute), never as markup.
var mellaDom = (function () {
  "use strict";
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  // lang and dir attributes for text in language `code` (`langs`: code -> {rtl: bool}, from the page's data)
  function langAttrs(langs, code, extra) {
    var a = extra || {};
    a.lang = code;
    a.dir = langs[code] && langs[code].rtl ? "rtl" : "ltr";
    return a;
  }
  return { el: el, langAttrs: langAttrs };
})();
