"use strict";
// Small SVG charts: no library, no network.

const STATE_COLORS = {
  growing: "#8fb8ff", sealed: "#f4b740", flushed: "#3aa675", indexed: "#2f6fdf", compacted: "#9b6ad6", dropped: "#b0b7c3",
};

// stackedChart draws samples [{t, values: {class: n}}] as stacked areas,
// one per key, with a time axis and the largest total on the y axis.
function stackedChart(samples, keys, opts = {}) {
  const w = opts.width || 640, h = opts.height || 180, pad = 36;
  if (samples.length < 2) {
    return `<svg class="chart" width="${w}" height="${h}"><text x="${pad}" y="${h / 2}" fill="#667085">sampling… (one point every few seconds while this page is open)</text></svg>`;
  }
  const t0 = samples[0].t, t1 = samples[samples.length - 1].t;
  const totals = samples.map((s) => keys.reduce((a, k) => a + (s.values[k] || 0), 0));
  const ymax = Math.max(1, ...totals);
  const x = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - pad - 8);
  const y = (v) => h - 20 - (v / ymax) * (h - 32);
  const base = samples.map(() => 0);
  let paths = "";
  for (const k of keys) {
    const top = samples.map((s, i) => base[i] + (s.values[k] || 0));
    const up = samples.map((s, i) => `${x(s.t).toFixed(1)},${y(top[i]).toFixed(1)}`);
    const down = samples.map((s, i) => `${x(s.t).toFixed(1)},${y(base[i]).toFixed(1)}`).reverse();
    paths += `<polygon points="${up.concat(down).join(" ")}" fill="${STATE_COLORS[k] || "#999"}" opacity="0.9"><title>${esc(k)}</title></polygon>`;
    top.forEach((v, i) => { base[i] = v; });
  }
  const fmt = opts.format || fmtNum;
  const secs = Math.round((t1 - t0) / 1000);
  return `<svg class="chart" width="${w}" height="${h}" role="img" aria-label="${esc(opts.label || "chart")}">
    <line x1="${pad}" y1="${h - 20}" x2="${w - 8}" y2="${h - 20}" stroke="#cfd5df"/>
    <text x="2" y="${y(ymax) + 4}" font-size="10" fill="#667085">${esc(fmt(ymax))}</text>
    <text x="2" y="${h - 22}" font-size="10" fill="#667085">0</text>
    ${paths}
    <text x="${pad}" y="${h - 4}" font-size="10" fill="#667085">${secs} s ago</text>
    <text x="${w - 40}" y="${h - 4}" font-size="10" fill="#667085">now</text>
  </svg>`;
}

function legend(keys) {
  return `<div class="legend">` + keys.map((k) => `<span><i style="background:${STATE_COLORS[k] || "#999"}"></i>${esc(k)}</span>`).join("") + `</div>`;
}

// barChart draws labelled horizontal bars ([{label, value, note}]).
function barChart(bars, opts = {}) {
  const w = opts.width || 640, rowH = 24, h = bars.length * rowH + 8, labelW = opts.labelWidth || 230;
  const vmax = Math.max(1e-9, ...bars.map((b) => b.value));
  const rows = bars.map((b, i) => {
    const bw = Math.max(2, (b.value / vmax) * (w - labelW - 90));
    const yy = 4 + i * rowH;
    return `<text x="0" y="${yy + 15}" font-size="12">${esc(b.label)}</text>
      <rect x="${labelW}" y="${yy + 3}" width="${bw.toFixed(1)}" height="16" rx="3" fill="${b.color || "#2f6fdf"}"><title>${esc(b.note || "")}</title></rect>
      <text x="${labelW + bw + 6}" y="${yy + 15}" font-size="12" fill="#334155">${esc(b.text || String(b.value))}</text>`;
  });
  return `<svg class="chart" width="${w}" height="${h}" role="img" aria-label="${esc(opts.label || "bars")}">${rows.join("")}</svg>`;
}
