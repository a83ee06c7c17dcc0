// fer-video report: draws each face's scores over time with uPlot (inlined above). Drag across a
// chart to zoom into that stretch, double-click to see the whole again. Everything it needs is in
// the page: no request leaves it.
"use strict";

(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);

  function clock(seconds, places = 1) {
    const scale = 10 ** places;
    const units = Math.round(Math.max(0, seconds) * scale);
    const minutes = Math.floor(units / (60 * scale));
    const rest = ((units % (60 * scale)) / scale).toFixed(places).padStart(places ? places + 3 : 2, "0");
    const hours = Math.floor(minutes / 60);
    return hours ? `${hours}:${String(minutes % 60).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }
  const place = (x, places = 1) => (data.timed ? clock(x, places) : `#${Math.round(x)}`);
  const decimals = (step) => {  // as many as the ticks' step needs: 0.25 s ticks read 0:01.25, 0:01.50
    let places = 0;
    while (places < 3 && Math.abs(step * 10 ** places - Math.round(step * 10 ** places)) > 1e-6) places += 1;
    return places;
  };
  const percent = (v) => (v == null ? "–" : `${Math.round(v * 100)}%`);
  const axis = { stroke: "#9aa3b2", grid: { stroke: "#2b3140" }, ticks: { stroke: "#2b3140" } };
  const charts = [];

  for (const face of data.faces) {
    const box = document.querySelector(`.chart[data-face-id="${face.id}"]`);
    const chart = new uPlot({
      width: Math.max(300, box.clientWidth), height: 220,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [
        { ...axis, values: (u, splits, i, space, step) => splits.map((x) => place(x, decimals(step))) },
        { ...axis, size: 50, values: (u, splits) => splits.map(percent) },
      ],
      series: [
        { label: data.timed ? "time" : "picture", value: (u, v) => (v == null ? "–" : place(v, 2)) },
        ...data.emotions.map((name, i) => ({
          label: name, stroke: data.colours[i], dash: data.dashes[i], width: data.widths[i],
          spanGaps: false,  // a null is a stretch the face was not seen: the line breaks there
          value: (u, v) => percent(v),
          ...(face.x.length === 1 ? { points: { show: true, size: 9 } } : {}),  // one moment: a dot, not a line
        })),
      ],
      hooks: {
        setScale: [(u, key) => {
          if (key !== "x") return;
          box.dataset.xmin = u.scales.x.min;
          box.dataset.xmax = u.scales.x.max;
        }],
      },
    }, [face.x, ...face.scores], box);
    box.dataset.ready = "true";
    charts.push([box, chart]);
  }

  window.addEventListener("resize", () => {
    for (const [box, chart] of charts) chart.setSize({ width: Math.max(300, box.clientWidth), height: 220 });
  });
})();
