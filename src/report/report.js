// The report page's own script: draws each chart of #report-data with uPlot,
// writes its numbers into the "data" table under it, and marks the page ready
// (body[data-ready], figure[data-painted] = pixels drawn) for the browser test.
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function day(ts) {
    return new Date(ts * 1000).toISOString().slice(0, 10);
  }
  function fmtX(kind, v) {
    if (v == null) return "–";
    if (kind === "date") return day(v);
    if (kind === "quarter") {
      var d = new Date(v * 1000);
      return d.getUTCFullYear() + " Q" + (Math.floor(d.getUTCMonth() / 3) + 1);
    }
    if (kind === "day_of_year") {
      // A leap year, so day 60 is 29 Feb and every later day lines up.
      var t = new Date(Date.UTC(2000, 0, Math.round(v)));
      return t.getUTCDate() + " " + months[t.getUTCMonth()];
    }
    if (v < 120) return v + " s";
    if (v < 7200) return Math.round(v / 6) / 10 + " min";
    return Math.round(v / 360) / 10 + " h";
  }
  function fmtV(v, unit) {
    if (v == null) return "–";
    return (Math.round(v * 100) / 100).toLocaleString("en-US") + (unit ? " " + unit : "");
  }
  var xLabel = { date: "date", quarter: "quarter", day_of_year: "day of year", seconds: "duration" };

  function draw(c, fig) {
    var el = fig.querySelector(".plot");
    var stacked = c.series.some(function (s) { return s.style === "stacked"; });
    var order = c.series.map(function (s, j) { return j; });
    var values = c.series.map(function (s) { return s.values; });
    if (stacked) {
      var sum = c.x.map(function () { return 0; });
      values = c.series.map(function (s) {
        return s.values.map(function (v, k) { sum[k] += v || 0; return sum[k]; });
      });
      // The tallest stack is drawn first so the lower ones stay visible.
      order.reverse();
    }
    var data = [c.x];
    var series = [{ label: xLabel[c.x_kind], value: function (u, v) { return fmtX(c.x_kind, v); } }];
    order.forEach(function (j) {
      var s = c.series[j];
      var color = palette[j % palette.length];
      var opt = {
        label: s.label + " (" + s.unit + ")",
        stroke: color,
        width: 1.6,
        scale: s.right ? "y2" : "y",
        spanGaps: c.x_kind === "day_of_year" || c.x_kind === "seconds",
        points: { show: false },
        value: function (u, v, si, idx) { return idx == null ? "–" : fmtV(s.values[idx], s.unit); }
      };
      if (s.style === "bars" || s.style === "stacked") {
        opt.paths = uPlot.paths.bars({ size: [0.8, 40] });
        opt.fill = color + (s.style === "bars" ? "55" : "cc");
        opt.width = s.style === "bars" ? 0 : 1;
      }
      if (s.style === "dashed") opt.dash = [6, 4];
      data.push(values[j]);
      series.push(opt);
    });
    var right = c.series.some(function (s) { return s.right; });
    var axes = [
      { values: function (u, ticks) { return ticks.map(function (t) { return c.x_kind === "day_of_year" || c.x_kind === "seconds" ? fmtX(c.x_kind, t) : null; }); } },
      { label: c.y_unit, size: 60 }
    ];
    if (c.x_kind === "date" || c.x_kind === "quarter") delete axes[0].values;
    if (right) axes.push({ scale: "y2", side: 1, label: c.y2_unit || "", grid: { show: false }, size: 60 });
    var scales = { x: { time: c.x_kind === "date" || c.x_kind === "quarter" } };
    if (c.x_kind === "seconds") scales.x.distr = 3;
    if (c.x_kind === "day_of_year") scales.x.range = [1, 366];
    var width = Math.max(320, el.clientWidth || 900);
    var opts = {
      width: width,
      height: 300,
      series: series,
      axes: axes,
      scales: scales,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      cursor: { drag: { x: true, y: false } },
      legend: { live: true }
    };
    var plot = new uPlot(opts, data, el);
    table(c, fig.querySelector(".data"));
    return plot;
  }

  function table(c, el) {
    var head = "<tr><th>" + xLabel[c.x_kind] + "</th>" + c.series.map(function (s) {
      return "<th>" + esc(s.label) + " (" + esc(s.unit) + ")</th>";
    }).join("") + "</tr>";
    var rows = c.x.map(function (x, k) {
      var cells = c.series.map(function (s) { return "<td>" + (s.values[k] == null ? "" : s.values[k]) + "</td>"; });
      return "<tr><td>" + fmtX(c.x_kind, x) + "</td>" + cells.join("") + "</tr>";
    });
    el.innerHTML = "<table><thead>" + head + "</thead><tbody>" + rows.join("") + "</tbody></table>";
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[ch];
    });
  }

  function painted(fig) {
    var canvas = fig.querySelector("canvas");
    if (!canvas) return 0;
    var img = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    var n = 0;
    for (var k = 3; k < img.length; k += 16) if (img[k] !== 0) n++;
    return n;
  }

  var plots = [];
  charts.forEach(function (c, i) {
    var fig = document.querySelector('[data-chart="' + i + '"]');
    if (fig) plots.push([fig, draw(c, fig)]);
  });
  window.addEventListener("resize", function () {
    plots.forEach(function (p) {
      var w = Math.max(320, p[0].querySelector(".plot").clientWidth);
      p[1].setSize({ width: w, height: 300 });
    });
  });
  window.addEventListener("beforeprint", function () {
    plots.forEach(function (p) { p[1].setSize({ width: 680, height: 260 }); });
  });
  // uPlot paints on the next frame; count what it drew once it has.
  requestAnimationFrame(function () {
    setTimeout(function () {
      plots.forEach(function (p) { p[0].setAttribute("data-painted", painted(p[0])); });
      document.body.setAttribute("data-charts", String(plots.length));
      document.body.setAttribute("data-ready", "1");
    }, 50);
  });
})();
