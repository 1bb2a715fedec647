"use strict";
// The life of a datum: one primary key's shard, Raft group, segment and
// row, chunk objects, delta log, index files and replicas, as a picture.

PAGES.datum = {
  async render(el, args) {
    el.innerHTML = `<h2>Life of a datum</h2>
      <div class="card"><form id="datumform" class="inline">
        <label>collection <select id="dcoll"></select></label>
        <label>primary key <input id="dpk" placeholder="e.g. 42"></label>
        <button type="submit">Trace</button></form></div>
      <div id="dresult"></div>`;
    const form = el.querySelector("#datumform");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      location.hash = `#/datum/${encodeURIComponent(el.querySelector("#dcoll").value)}/${encodeURIComponent(el.querySelector("#dpk").value.trim())}`;
    });
    await guard(el, async () => {
      const names = (await v2("collections/list")) || [];
      el.querySelector("#dcoll").innerHTML = names.map((n) => `<option ${n === args[0] ? "selected" : ""}>${esc(n)}</option>`).join("");
    });
    if (args[0] && args[1]) {
      el.querySelector("#dpk").value = args[1];
      await this.trace(el, args[0], args[1]);
    }
  },
  async trace(el, coll, pk) {
    const out = el.querySelector("#dresult");
    out.innerHTML = `<p class="muted">tracing…</p>`;
    await guard(el, async () => {
      const t = await api(`/v1/collections/${encodeURIComponent(coll)}/entities/${encodeURIComponent(pk)}/trace`);
      if (!t.found) {
        out.innerHTML = `<div class="card"><p>No live row with primary key <code>${esc(pk)}</code> in <b>${esc(coll)}</b>: it would live in shard ${esc(t.shard)} (Raft group <code>${esc(t.raftGroup)}</code>), read at applied index ${fmtNum(t.appliedIndex)}.</p></div>`;
        return;
      }
      const d = await v2("collections/describe", { collectionName: coll });
      const pkField = (d.fields || []).find((f) => f.primaryKey);
      const isStr = pkField && pkField.type === "VarChar";
      const rows = await v2("entities/get", { collectionName: coll, id: [isStr ? pk : Number(pk)], outputFields: ["*"] }).catch(() => []);
      out.innerHTML = `<div class="card" id="datumpicture">${datumSVG(t)}</div>
        <div class="cols"><div class="card"><h3>Where it lives</h3>${datumTable(t)}</div>
        <div class="card"><h3>The row</h3><pre class="mono">${esc(JSON.stringify(rows[0] || {}, null, 1).slice(0, 4000))}</pre></div></div>`;
    });
  },
};

function datumTable(t) {
  return kv([
    ["primary key", `<code>${esc(t.pk)}</code>`], ["shard", esc(t.shard)], ["Raft group", `<code>${esc(t.raftGroup)}</code>`],
    ["written by log entry", t.logIndex ? `#${fmtNum(t.logIndex)} (${esc(t.writtenBy)})` : "not recorded"],
    ["group leader", esc(t.leader || "none")], ["applied index (answering replica)", fmtNum(t.appliedIndex)], ["answered by", esc(t.servedBy)],
    ["segment", `<code>${esc(t.segmentID)}</code> ${stateBadge(segmentClass({ state: t.segmentState, segmentID: t.segmentID, indexFiles: t.indexFiles }))}`],
    ["partition", esc(t.partitionID)], ["row in segment", fmtNum(t.row)], ["chunk", t.chunk < 0 ? "not flushed yet (in the Raft log and memory)" : fmtNum(t.chunk)],
    ["chunk objects", (t.chunkObjects || []).map((k) => `<code>${esc(k)}</code>`).join("<br>") || "–"],
    ["delta log", t.deltaLog ? `<code>${esc(t.deltaLog)}</code>` : "–"],
    ["index files", Object.entries(t.indexFiles || {}).map(([n, k]) => `${esc(n)}: <code>${esc(k)}</code>`).join("<br>") || "–"],
    ["replicas that can serve it", (t.replicas || []).map(esc).join(", ")],
  ]);
}

// datumSVG draws the path of a row: key → shard → Raft group → segment →
// its objects in storage → the replicas that serve it.
function datumSVG(t) {
  const W = 1240, boxW = 200, gap = 30, top = 30;
  const col = (i) => 10 + i * (boxW + gap);
  const box = (x, y, h, title, lines, color) => `<g><rect x="${x}" y="${y}" width="${boxW}" height="${h}" rx="8" fill="#fff" stroke="${color}" stroke-width="2"/>
    <rect x="${x}" y="${y}" width="${boxW}" height="22" rx="8" fill="${color}"/><rect x="${x}" y="${y + 12}" width="${boxW}" height="10" fill="${color}"/>
    <text x="${x + 8}" y="${y + 16}" font-size="12" font-weight="600" fill="#fff">${esc(title)}</text>
    ${lines.map((l, i) => `<text x="${x + 8}" y="${y + 40 + i * 16}" font-size="11" fill="#1d2330"><title>${esc(l)}</title>${esc(clip(l, 31))}</text>`).join("")}</g>`;
  const arrow = (x1, y1, x2, y2) => `<line x1="${x1}" y1="${y1}" x2="${x2 - 4}" y2="${y2}" stroke="#94a3b8" stroke-width="2" marker-end="url(#arrow)"/>`;
  const cls = segmentClass({ state: t.segmentState, segmentID: t.segmentID, indexFiles: t.indexFiles });
  const mid = top + 45;
  let g = "";
  g += box(col(0), top, 90, "primary key", [String(t.pk), "hashed to a shard"], "#475569");
  const entry = t.logIndex ? `log entry #${t.logIndex}` + (t.writtenBy === "compaction" ? " (compaction)" : "") : "log entry not recorded";
  g += box(col(1), top, 90, `shard ${t.shard}`, [`group ${t.raftGroup}`, entry, `leader ${t.leader || "none"}`], "#2f6fdf");
  g += box(col(2), top, 90, `segment`, [String(t.segmentID), `${cls}, partition ${t.partitionID}`, `row ${t.row}`], STATE_COLORS[cls] || "#3aa675");
  for (let i = 0; i < 2; i++) g += arrow(col(i) + boxW, mid, col(i + 1), mid);
  // Storage column: chunk objects, delta log, index files.
  const objs = t.chunk < 0 ? ["not flushed yet", "(Raft log + memory)"] : [`chunk ${t.chunk}`, ...(t.chunkObjects || [])];
  const idx = Object.entries(t.indexFiles || {}).map(([n, k]) => `${n}: ${k}`);
  const stores = [["chunk objects", objs, "#3aa675"], ["delta log", [t.deltaLog || "none (no deletes flushed)"], "#d97706"], ["index files", idx.length ? idx : ["none yet"], "#9b6ad6"]];
  let y = top;
  for (const [title, lines, color] of stores) {
    const h = 34 + 16 * Math.min(lines.length, 5);
    g += box(col(3), y, h, title, lines.slice(0, 5), color);
    g += arrow(col(2) + boxW, mid, col(3), y + h / 2);
    y += h + 12;
  }
  // Replicas column.
  const reps = t.replicas || [];
  let ry = top;
  for (const r of reps) {
    const role = r === t.leader ? "leader" : "replica";
    g += box(col(4), ry, 48, r, [role + (r === t.servedBy ? " · answered" : "")], r === t.leader ? "#2f6fdf" : "#64748b");
    g += arrow(col(3) + boxW, top + 40, col(4), ry + 24);
    ry += 60;
  }
  const H = Math.max(y, ry, top + 100) + 10;
  return `<svg id="datumsvg" width="${W}" height="${H}" role="img" aria-label="life of a datum">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker></defs>
    <text x="${col(0)}" y="16" font-size="11" fill="#667085">write path →</text>
    <text x="${col(3)}" y="16" font-size="11" fill="#667085">object storage</text>
    <text x="${col(4)}" y="16" font-size="11" fill="#667085">served by</text>${g}</svg>`;
}

function clip(s, n) {
  s = String(s);
  return s.length > n ? "…" + s.slice(s.length - n + 1) : s;
}
