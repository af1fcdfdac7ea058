/* Small helpers shared by the portal pages (no build step). */
(function () {
  "use strict";

  // ECharts follows <html lang>: Chinese UI strings (toolbox, loading) for zh-*, English otherwise.
  window.portalChart = function (element, option) {
    if (!window.echarts || !element) { return null; }
    var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
    var chart = window.echarts.init(element, null, { locale: lang.indexOf("zh") === 0 ? "ZH" : "EN", renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  };

  // Forms with data-confirm ask before submitting (used by destructive actions).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
