"use strict";
// The search playground: a vector or text search with a filter and a
// consistency level, showing the hits and how each shard answered.

const ROLE_COLORS = { leader: "#2f6fdf", follower: "#64748b", query: "#0e9488" };

PAGES.search = {
  async render(el) {
    el.innerHTML = `<h2>Search playground</h2>
      <div class="card"><form id="sform">
        <div class="inline" style="display:flex;gap:10px;flex-wrap:wrap;align-items:end">
          <label>collection <select id="scoll"></select></label>
          <label>field <select id="sfield"></select></label>
          <label>limit <input id="slimit" type="number" value="10" min="1" max="16384" style="width:80px"></label>
          <label>consistency <select id="scons"><option>Strong</option><option selected>Bounded</option><option>Session</option><option>Eventually</option></select></label>
          <label>filter <input id="sfilter" placeholder='e.g. id > 10' style="width:260px"></label>
          <button type="button" id="srandom">Random vector</button>
          <button type="submit">Search</button>
        </div>
        <p class="muted" id="shint"></p>
        <textarea id="squery" placeholder="[0.1, 0.2, …] for a vector field, or words for a BM25 field"></textarea>
      </form></div>
      <div id="sresult"></div>`;
    const coll = el.querySelector("#scoll");
    coll.addEventListener("change", () => this.fields(el));
    el.querySelector("#srandom").addEventListener("click", () => this.random(el));
    el.querySelector("#sform").addEventListener("submit", (ev) => { ev.preventDefault(); this.run(el); });
    await guard(el, async () => {
      const names = (await v2("collections/list")) || [];
      coll.innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join("");
      if (names.length) await this.fields(el);
    });
  },
  async fields(el) {
    const d = await v2("collections/describe", { collectionName: el.querySelector("#scoll").value });
    this.desc = d;
    const bm25 = new Set((d.functions || []).flatMap((f) => f.outputFieldNames || []));
    const vec = (d.fields || []).filter((f) => /Vector$/.test(f.type));
    el.querySelector("#sfield").innerHTML = vec.map((f) => `<option value="${esc(f.name)}" data-type="${esc(f.type)}" data-dim="${esc(dimOf(f))}" data-text="${bm25.has(f.name) ? 1 : ""}">${esc(f.name)} (${esc(bm25.has(f.name) ? "BM25 text" : f.type)})</option>`).join("");
    el.querySelector("#shint").textContent = vec.length ? "" : "This collection has no vector field.";
    if (vec.length && !el.querySelector("#squery").value) this.random(el);
  },
  random(el) {
    const opt = el.querySelector("#sfield").selectedOptions[0];
    if (!opt) return;
    if (opt.dataset.text) { el.querySelector("#squery").value = "search words"; return; }
    const dim = Number(opt.dataset.dim) || 4;
    const v = Array.from({ length: dim }, () => Number((Math.random() * 2 - 1).toFixed(4)));
    el.querySelector("#squery").value = JSON.stringify(v);
  },
  async run(el) {
    const out = el.querySelector("#sresult");
    const opt = el.querySelector("#sfield").selectedOptions[0];
    const raw = el.querySelector("#squery").value.trim();
    let q = raw;
    if (opt && !opt.dataset.text) {
      try { q = JSON.parse(raw); } catch (e) { out.innerHTML = `<div class="card error">The query is not a JSON vector: ${esc(e.message)}</div>`; return; }
    }
    const body = { collectionName: el.querySelector("#scoll").value, annsField: opt ? opt.value : "", data: [q],
      limit: Number(el.querySelector("#slimit").value) || 10, consistencyLevel: el.querySelector("#scons").value, outputFields: ["*"] };
    const filter = el.querySelector("#sfilter").value.trim();
    if (filter) body.filter = filter;
    out.innerHTML = `<p class="muted">searching…</p>`;
    try {
      const r = await api("/v1/console/search", body);
      out.innerHTML = searchView(r);
      setStatus("search answered in " + fmtMs(r.ms));
    } catch (e) {
      out.innerHTML = `<div class="card error" id="serror">${esc(e.message)}</div>`;
    }
  },
};

function dimOf(f) {
  const p = (f.params || []).find((x) => x.key === "dim");
  return p ? p.value : "";
}

function searchView(r) {
  const hits = r.results || [];
  const cols = hits.length ? Object.keys(hits[0]).filter((k) => k !== "distance").slice(0, 6) : [];
  const rows = hits.map((h, i) => [fmtNum(i + 1), `${Number(h.distance).toFixed(4)}`, ...cols.map((k) => `<span class="mono">${esc(short(h[k]))}</span>`)]);
  const bars = (r.shards || []).map((s) => ({ label: `shard ${s.shard} · ${s.node || "?"} · ${s.role || "?"}`, value: s.ms, text: fmtMs(s.ms) + (s.error ? " · " + s.error : ""),
    color: s.error ? "#d64545" : ROLE_COLORS[s.role] || "#2f6fdf", note: s.raftGroup }));
  return `<div class="card" id="sshards"><h3>How each shard answered (${fmtMs(r.ms)} in all)</h3>
      <div class="legend">${Object.entries(ROLE_COLORS).map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`).join("")}</div>
      ${barChart(bars, { label: "shard timings" })}
      ${table(["shard", "Raft group", "answered by", "role", "time"], (r.shards || []).map((s) => [fmtNum(s.shard), `<code>${esc(s.raftGroup)}</code>`, esc(s.node), esc(s.role), fmtMs(s.ms)]), [0, 4])}</div>
    <div class="card" id="shits"><h3>${fmtNum(hits.length)} hits</h3>${table(["#", "distance", ...cols], rows, [0, 1])}</div>`;
}

function short(v) {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s && s.length > 80 ? s.slice(0, 77) + "…" : s;
}
