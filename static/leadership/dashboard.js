/* Leadership dashboards: draws every chart container that names its json_script data ("data-chart"), through
   window.portalChart (ECharts, vendored). Kinds: bar, hbar, stacked_bar, funnel, pie, line. Clicking a bar, slice or
   point follows drill_urls[i] when the chart has one for that category. Charts resize for printing (A4). */
(function () {
  "use strict";

  var PALETTE = ["#1f4e9c", "#2e7d32", "#f0ad4e", "#c0392b", "#7c3aed", "#0891b2", "#64748b", "#d9822b"];
  // Keyed by the series code (the RAG value), so the colours survive translation of the series names.
  var RAG = { green: "#2e7d32", amber: "#f0ad4e", red: "#c0392b", done: "#1f4e9c", not_started: "#94a3b8", suspended: "#64748b" };
  var charts = [];

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function seriesColor(series, index) {
    return (series.code && RAG[series.code]) || PALETTE[index % PALETTE.length];
  }

  function axisChart(data, horizontal, stacked) {
    var category = {
      type: "category", data: data.categories, inverse: horizontal,
      axisLabel: horizontal ? { width: 200, overflow: "truncate" }
        : { interval: 0, rotate: data.categories.length > 6 ? 30 : 0, width: 110, overflow: "truncate" }
    };
    var value = { type: "value" };
    var many = data.series.length > 1;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: many ? { top: 0, type: "scroll" } : undefined,
      grid: { left: 8, right: 24, bottom: 8, top: many ? 36 : 16, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map(function (s, i) {
        return {
          name: s.name, type: data.kind === "line" ? "line" : "bar", data: s.values,
          stack: stacked ? (s.stack || "total") : undefined,
          barMaxWidth: horizontal ? 18 : 28, color: seriesColor(s, i), connectNulls: true,
          label: { show: !stacked && !many && data.categories.length <= 12, position: horizontal ? "right" : "top" },
          cursor: data.drill_urls && data.drill_urls.length ? "pointer" : "default"
        };
      })
    };
  }

  function itemData(data) {
    var values = (data.series[0] || { values: [] }).values;
    return data.categories.map(function (name, i) { return { name: name, value: values[i] }; });
  }

  function option(data) {
    switch (data.kind) {
      case "hbar": return axisChart(data, true, false);
      case "stacked_bar": return axisChart(data, data.categories.length > 8, true);
      case "line": return axisChart(data, false, false);
      case "pie":
        return {
          color: PALETTE,
          tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
          legend: { bottom: 0, type: "scroll" },
          series: [{ name: data.title, type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"],
            label: { formatter: "{b}\n{c}" }, data: itemData(data) }]
        };
      case "funnel":
        return {
          color: PALETTE,
          tooltip: { trigger: "item", formatter: "{b}: {c}" },
          series: [{ name: data.title, type: "funnel", sort: "none", left: "10%", width: "80%", top: 8, bottom: 8,
            minSize: "10%", label: { show: true, position: "inside", formatter: "{b}\n{c}" }, data: itemData(data) }]
        };
      default: return axisChart(data, false, false);
    }
  }

  function draw(element) {
    var data = read(element.getAttribute("data-chart"));
    if (!data || !window.portalChart) { return; }
    var chart = window.portalChart(element, option(data));
    if (!chart) { return; }
    // "finished": the first rendering (with its animation) is complete; browser tests and printing wait for it
    chart.on("finished", function () { element.setAttribute("data-rendered", "true"); });
    chart.on("click", function (params) {
      var url = data.drill_urls && data.drill_urls[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  }

  document.querySelectorAll("[data-chart]").forEach(draw);

  // Printing: tables open, charts redrawn at the printed width (the print CSS sizes the containers for A4).
  function resizeAll() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
