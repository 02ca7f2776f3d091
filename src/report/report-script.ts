/**
 * The report's own client-side script, inlined into the page after uPlot. It is plain ES2020
 * kept as a string, not compiled TypeScript, because it runs in the reader's browser with no
 * build step and must not depend on anything but the page.
 *
 * It draws the charts from the JSON block `#report-data` (metrics as bar charts, each failing
 * run's derived counters as step lines), switches each timeline between step order and
 * virtual time, scrolls timelines to their violation, and copies replay commands. Anything
 * that can fail (a clipboard the browser refuses) is caught: the report must load with no
 * console error.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var dataEl = document.getElementById('report-data');
  var data = dataEl ? JSON.parse(dataEl.textContent || '{}') : {};
  var palette = ['#1f5fa8', '#d9730d', '#2e7d32', '#7b3fa0', '#c62828', '#00838f'];

  function fmtNs(v) {
    if (v == null) return '';
    var a = Math.abs(v);
    if (a < 1e3) return v + ' ns';
    if (a < 1e6) return +(v / 1e3).toPrecision(3) + ' \\u00b5s';
    if (a < 1e9) return +(v / 1e6).toPrecision(3) + ' ms';
    return +(v / 1e9).toPrecision(3) + ' s';
  }
  function fmtCount(v) { return v == null ? '' : String(+v.toPrecision(4)); }
  function widthOf(el) { return Math.max(300, Math.min(el.clientWidth || 420, 900)); }

  function barChart(el, title, names, values, fmt, colour) {
    var xs = names.map(function (_, i) { return i; });
    var max = 0;
    values.forEach(function (v) { if (v != null && v > max) max = v; });
    var opts = {
      title: title,
      width: widthOf(el),
      height: 220,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: [-0.5, names.length - 0.5] },
        y: { range: [0, max > 0 ? max * 1.15 : 1] }
      },
      axes: [
        {
          splits: function () { return xs; },
          values: function (u, splits) { return splits.map(function (i) { return names[i] == null ? '' : names[i]; }); },
          grid: { show: false }
        },
        { values: function (u, splits) { return splits.map(fmt); }, size: 70 }
      ],
      series: [
        {},
        {
          label: title,
          stroke: colour,
          fill: colour + 'aa',
          width: 1,
          paths: uPlot.paths.bars({ size: [0.6, 80] }),
          points: { show: false }
        }
      ]
    };
    return new uPlot(opts, [xs, values], el);
  }

  function counterChart(el, series) {
    var set = {};
    series.forEach(function (s) { s.points.forEach(function (p) { set[p[0]] = true; }); });
    var xs = Object.keys(set).map(Number).sort(function (a, b) { return a - b; });
    if (xs.length < 2) return null;
    var cols = series.map(function (s) {
      var out = [];
      var k = 0;
      var last = null;
      xs.forEach(function (x) {
        while (k < s.points.length && s.points[k][0] <= x) { last = s.points[k][1]; k++; }
        out.push(last);
      });
      return out;
    });
    var opts = {
      title: 'Counters (virtual time)',
      width: widthOf(el),
      height: 200,
      scales: { x: { time: false } },
      axes: [{ values: function (u, splits) { return splits.map(fmtNs); } }, { size: 50 }],
      series: [{ label: 'time', value: function (u, v) { return fmtNs(v); } }].concat(series.map(function (s, i) {
        return {
          label: s.name,
          stroke: palette[i % palette.length],
          width: 1.5,
          paths: uPlot.paths.stepped({ align: 1 }),
          points: { show: false }
        };
      }))
    };
    return new uPlot(opts, [xs].concat(cols), el);
  }

  if (typeof uPlot === 'function' && data.metrics) {
    var m = data.metrics;
    var charts = [
      ['chart-latency', 'Reset latency', m.resetLatencyNs, fmtNs, palette[0]],
      ['chart-innocent', 'Innocent work lost', m.innocentLost, fmtCount, palette[4]],
      ['chart-completed', 'Jobs completed', m.jobsCompleted, fmtCount, palette[2]]
    ];
    charts.forEach(function (c) {
      var el = document.getElementById(c[0]);
      if (el && m.designs.length > 0) barChart(el, c[1], m.designs, c[2], c[3], c[4]);
    });
  }
  if (typeof uPlot === 'function' && data.counters) {
    data.counters.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (el && c.series.length > 0) counterChart(el, c.series);
    });
  }

  function scrollToViolation(box) {
    var line = box.querySelector('.violation-marker line');
    if (!line) return;
    // The plot sits right of the pinned lane labels: its own x plus the labels' width.
    var svg = line.ownerSVGElement;
    var off = svg ? svg.getBoundingClientRect().left - box.getBoundingClientRect().left + box.scrollLeft : 0;
    var x = Number(line.getAttribute('x1'));
    box.scrollLeft = Math.max(0, off + x - box.clientWidth * 0.65);
  }

  document.querySelectorAll('.timeline-block').forEach(function (block) {
    var buttons = block.querySelectorAll('button[data-mode]');
    var boxes = block.querySelectorAll('.timeline-scroll');
    function show(mode) {
      boxes.forEach(function (b) {
        var on = b.getAttribute('data-mode') === mode;
        b.hidden = !on;
        if (on) scrollToViolation(b);
      });
      buttons.forEach(function (btn) {
        btn.setAttribute('aria-pressed', btn.getAttribute('data-mode') === mode ? 'true' : 'false');
      });
    }
    buttons.forEach(function (btn) {
      btn.addEventListener('click', function () { show(btn.getAttribute('data-mode')); });
    });
    show('order');
  });

  document.querySelectorAll('button.copy').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var text = btn.getAttribute('data-copy') || '';
      var done = function () { btn.textContent = 'copied'; };
      try {
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { btn.textContent = 'select and copy'; });
        }
      } catch (e) {
        btn.textContent = 'select and copy';
      }
    });
  });
})();
`;
