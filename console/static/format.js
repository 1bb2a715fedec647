"use strict";
// Formatting helpers shared by the pages. Everything shown is escaped.

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function fmtNum(n) {
  return n == null ? "–" : Number(n).toLocaleString("en-US");
}

function fmtBytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  n = Number(n);
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function fmtMs(ms) {
  return ms == null ? "–" : (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) + " ms";
}

// The compaction output bit of a segment ID (fsm.CompactionOutputBit).
const COMPACTION_OUTPUT_BIT = 1 << 23;

// segmentClass names a segment's state in the console's six classes:
// growing, sealed, flushed, indexed (flushed with an index file),
// compacted (a compaction's output) and dropped.
function segmentClass(s) {
  const st = String(s.state || "").toLowerCase();
  if (st === "dropped") return "dropped";
  if (st === "growing" || st === "sealed") return st;
  if ((s.segmentID % (1 << 24)) >= COMPACTION_OUTPUT_BIT) return "compacted";
  if (s.indexFiles && Object.keys(s.indexFiles).length > 0) return "indexed";
  return "flushed";
}

const SEGMENT_CLASSES = ["growing", "sealed", "flushed", "indexed", "compacted", "dropped"];

function stateBadge(cls) {
  return `<span class="state ${esc(cls)}">${esc(cls)}</span>`;
}

function kv(rows) {
  return "<table>" + rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("") + "</table>";
}

function table(head, rows, numeric = []) {
  const th = head.map((h, i) => `<th class="${numeric.includes(i) ? "num" : ""}">${esc(h)}</th>`).join("");
  const tr = rows.map((r) => "<tr>" + r.map((c, i) => `<td class="${numeric.includes(i) ? "num" : ""}">${c}</td>`).join("") + "</tr>").join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr || `<tr><td colspan="${head.length}" class="muted">none</td></tr>`}</tbody></table>`;
}
