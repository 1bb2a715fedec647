"use strict";
// The cluster and collection pages.

// ---- Cluster: nodes, every Raft group, object storage.

PAGES.cluster = {
  refreshMs: 3000,
  async render(el) {
    el.innerHTML = `<h2>Cluster</h2><div id="summary" class="grid"></div>
      <div class="card"><h3>Nodes</h3><div id="nodes"></div></div>
      <div class="card"><h3>Raft groups</h3><p class="muted">Lag is the group leader's commit index minus the replica's applied index.</p><div id="groups"></div></div>
      <div class="card"><h3>Object storage</h3><div id="storage"></div></div>`;
    await this.refresh(el);
  },
  async refresh(el) {
    await guard(el, async () => {
      const [st, store] = await Promise.all([api("/v1/cluster/status"), api("/v1/cluster/storage").catch((e) => ({ error: e.message }))]);
      const groups = groupTable(st.nodes || []);
      const up = (st.nodes || []).filter((n) => n.reachable).length;
      el.querySelector("#summary").innerHTML = [
        ["nodes up", `${up} / ${(st.nodes || []).length}`],
        ["raft groups", fmtNum(groups.length)],
        ["metadata leader", esc(nodeByRaft(st.nodes, st.metaLeader))],
        ["this node", esc(st.node)],
        ["objects stored", store.error ? "–" : fmtBytes(store.bytes)],
      ].map(([k, v]) => `<div class="card stat"><div class="k">${k}</div><div class="v">${v}</div></div>`).join("");
      el.querySelector("#nodes").innerHTML = table(["node", "state", "health", "roles", "HTTP", "Raft", "groups", "leading"],
        (st.nodes || []).map((n) => {
          const gs = n.groups || [];
          return [`<b>${esc(n.id)}</b>`, esc(n.state), n.reachable ? `<span class="badge ok">reachable</span>` : `<span class="badge bad">unreachable</span>`,
            esc((n.roles && n.roles.length ? n.roles : ["data", "query", "index"]).join(", ")),
            `<code>${esc(n.httpAddr)}</code>`, `<code>${esc(n.raftAddr)}</code>`, fmtNum(gs.length), fmtNum(gs.filter((g) => g.state === "Leader").length)];
        }), [6, 7]);
      el.querySelector("#groups").innerHTML = table(["group", "leader", "term", "commit", "replicas (node · suffrage · state · applied · lag)", "unflushed"],
        groups.map((g) => [`<code>${esc(g.group)}</code>`, esc(g.leader || "none"), fmtNum(g.term), fmtNum(g.commit),
          g.replicas.map((r) => `<span class="badge ${esc(r.state)}">${esc(r.node)} · ${esc(r.suffrage || (r.voter ? "Voter" : "Nonvoter"))} · ${esc(r.state)} · ${fmtNum(r.appliedIndex)} · lag ${fmtNum(r.lag)}</span>`).join(" "),
          g.unflushed ? fmtBytes(g.unflushed) : "–"]), [2, 3]);
      el.querySelector("#storage").innerHTML = store.error ? `<p class="error">${esc(store.error)}</p>` : storageView(store);
    });
  },
};

// nodeByRaft names the node at a Raft address (the address if unknown).
function nodeByRaft(nodes, addr) {
  if (!addr) return "none";
  const n = (nodes || []).find((x) => x.raftAddr === addr);
  return n ? n.id : addr;
}

// groupTable merges each node's view of its groups into one row per group.
function groupTable(nodes) {
  const byName = new Map();
  for (const n of nodes) {
    for (const g of n.groups || []) {
      if (!byName.has(g.group)) byName.set(g.group, { group: g.group, replicas: [], term: 0, commit: 0, leader: "", unflushed: 0 });
      const row = byName.get(g.group);
      row.replicas.push(g);
      row.term = Math.max(row.term, g.term || 0);
      if (g.state === "Leader") { row.leader = g.node; row.commit = g.commitIndex; row.unflushed = g.unflushedBytes || 0; }
    }
  }
  const rows = [...byName.values()];
  for (const row of rows) {
    const commit = row.commit || Math.max(0, ...row.replicas.map((r) => r.commitIndex || 0));
    row.commit = commit;
    for (const r of row.replicas) r.lag = r.state === "Asleep" ? 0 : Math.max(0, commit - (r.appliedIndex || 0));
    row.replicas.sort((a, b) => a.node.localeCompare(b.node));
  }
  return rows.sort((a, b) => (a.group === "meta" ? -1 : b.group === "meta" ? 1 : a.group.localeCompare(b.group, "en", { numeric: true })));
}

function storageView(s) {
  const kinds = Object.entries(s.byKind || {}).sort();
  const colls = Object.entries(s.byCollection || {}).sort();
  return kv([["backend", esc(s.backend)], ["location", `<code>${esc(s.location)}</code>`], ["objects", fmtNum(s.objects)], ["bytes", fmtBytes(s.bytes)], ["listed in", fmtMs(s.listedMs)]]) +
    `<div class="cols"><div><h3>By kind</h3>${table(["kind", "objects", "bytes"], kinds.map(([k, c]) => [esc(k), fmtNum(c.objects), fmtBytes(c.bytes)]), [1, 2])}</div>` +
    `<div><h3>By collection (chunks and delta logs)</h3>${table(["collection", "objects", "bytes"], colls.map(([k, c]) => [esc(k), fmtNum(c.objects), fmtBytes(c.bytes)]), [1, 2])}</div></div>`;
}

// ---- Collections: the list, and one collection's schema, partitions,
// indexes and segments (with segments sampled over time).

PAGES.collections = {
  refreshMs: 2000,
  async render(el, args) {
    if (args[0]) return collectionPage.render(el, args[0]);
    el.innerHTML = `<h2>Collections</h2><div class="card" id="list"></div>`;
    await this.refresh(el, args);
  },
  async refresh(el, args) {
    if (args[0]) return collectionPage.refresh(el, args[0]);
    await guard(el, async () => {
      const names = (await v2("collections/list")) || [];
      const rows = await Promise.all(names.map(async (name) => {
        const [d, segs] = await Promise.all([v2("collections/describe", { collectionName: name }), api(`/v1/collections/${encodeURIComponent(name)}/segments`)]);
        const live = segs.reduce((a, s) => a + s.rows - s.deletedRows, 0);
        return [`<a href="#/collections/${encodeURIComponent(name)}">${esc(name)}</a>`, fmtNum(d.shardsNum), fmtNum((d.fields || []).length),
          fmtNum((d.indexes || []).length), fmtNum(segs.length), fmtNum(live), fmtBytes(segs.reduce((a, s) => a + s.bytes, 0)), esc(d.load)];
      }));
      el.querySelector("#list").innerHTML = table(["collection", "shards", "fields", "indexes", "segments", "live rows", "bytes", "load"], rows, [1, 2, 3, 4, 5, 6]);
    });
  },
};

const collectionPage = {
  async render(el, name) {
    el.innerHTML = `<h2>Collection <span class="mono">${esc(name)}</span></h2>
      <div class="cols"><div class="card"><h3>Schema</h3><div id="schema"></div></div>
      <div><div class="card"><h3>Partitions</h3><div id="partitions"></div></div><div class="card"><h3>Indexes</h3><div id="indexes"></div></div></div></div>
      <div class="card"><h3>Segments by state</h3><div id="segsummary"></div>
        <div class="cols"><div><h3>Segments over time</h3><div id="chartcount"></div></div><div><h3>Bytes over time</h3><div id="chartbytes"></div></div></div>${legend(SEGMENT_CLASSES)}</div>
      <div class="card"><h3>Segments</h3><div id="segments"></div></div>`;
    await this.refresh(el, name, true);
  },
  async refresh(el, name, full) {
    await guard(el, async () => {
      const segs = await api(`/v1/collections/${encodeURIComponent(name)}/segments`);
      if (full || !el.querySelector("#schema").dataset.loaded) await this.meta(el, name);
      else await this.indexes(el, name);
      this.segments(el, name, segs);
    });
  },
  async meta(el, name) {
    const [d, parts] = await Promise.all([v2("collections/describe", { collectionName: name }), v2("partitions/list", { collectionName: name })]);
    const fields = (d.fields || []).map((f) => [`<b>${esc(f.name)}</b>`, esc(f.type), esc((f.params || []).map((p) => `${p.key}=${p.value}`).join(", ")),
      [f.primaryKey ? "primary key" : "", f.autoId ? "auto ID" : "", f.partitionKey ? "partition key" : "", f.nullable ? "nullable" : ""].filter(Boolean).join(", ")]);
    el.querySelector("#schema").innerHTML = kv([["collection ID", fmtNum(d.collectionID)], ["shards", fmtNum(d.shardsNum)], ["consistency", esc(d.consistencyLevel)],
      ["dynamic fields", d.enableDynamicField ? "on" : "off"], ["load state", esc(d.load)]]) + table(["field", "type", "params", "flags"], fields);
    el.querySelector("#schema").dataset.loaded = "1";
    el.querySelector("#partitions").innerHTML = table(["partition"], (parts || []).map((p) => [esc(p)]));
    await this.indexes(el, name);
  },
  async indexes(el, name) {
    const names = (await v2("indexes/list", { collectionName: name })) || [];
    const descs = await Promise.all(names.map((n) => v2("indexes/describe", { collectionName: name, indexName: n })));
    const rows = descs.flat().map((ix) => {
      const pct = ix.totalRows ? Math.round((100 * ix.indexedRows) / ix.totalRows) : 100;
      const cls = ix.indexState === "Finished" ? "ok" : ix.indexState === "Failed" ? "bad" : "warn";
      return [`<b>${esc(ix.indexName)}</b>`, esc(ix.fieldName), esc(ix.indexType), esc(ix.metricType || ""), `<span class="badge ${cls}">${esc(ix.indexState)}</span>`,
        `<div class="bar" title="${pct}%"><div style="width:${pct}%"></div></div><span class="muted">${fmtNum(ix.indexedRows)} / ${fmtNum(ix.totalRows)} rows</span>` +
        (ix.failReason ? `<div class="error">${esc(ix.failReason)}</div>` : "")];
    });
    el.querySelector("#indexes").innerHTML = table(["index", "field", "type", "metric", "state", "progress"], rows);
  },
  segments(el, name, segs) {
    const count = Object.fromEntries(SEGMENT_CLASSES.map((k) => [k, 0]));
    const bytes = Object.fromEntries(SEGMENT_CLASSES.map((k) => [k, 0]));
    for (const s of segs) { const c = segmentClass(s); count[c]++; bytes[c] += s.bytes; }
    const hist = segmentHistory(name, { t: Date.now(), count, bytes });
    el.querySelector("#segsummary").innerHTML = table(["state", "segments", "bytes"],
      SEGMENT_CLASSES.map((k) => [stateBadge(k), fmtNum(count[k]), fmtBytes(bytes[k])]), [1, 2]);
    el.querySelector("#chartcount").innerHTML = stackedChart(hist.map((h) => ({ t: h.t, values: h.count })), SEGMENT_CLASSES, { label: "segments over time", width: 560 });
    el.querySelector("#chartbytes").innerHTML = stackedChart(hist.map((h) => ({ t: h.t, values: h.bytes })), SEGMENT_CLASSES, { label: "bytes over time", width: 560, format: fmtBytes });
    const rows = segs.slice().sort((a, b) => a.shard - b.shard || a.segmentID - b.segmentID).map((s) => [
      `<code>${esc(s.segmentID)}</code>`, fmtNum(s.shard), fmtNum(s.partitionID), stateBadge(segmentClass(s)), fmtNum(s.rows), fmtNum(s.deletedRows),
      fmtBytes(s.bytes), fmtNum(s.chunks), esc(Object.keys(s.indexFiles || {}).join(", ") || "–")]);
    el.querySelector("#segments").innerHTML = table(["segment", "shard", "partition", "state", "rows", "deleted", "bytes", "chunks", "index files"], rows, [1, 2, 4, 5, 6, 7]);
  },
};

// segmentHistory appends a sample to the collection's history (kept in
// sessionStorage while the tab lives, 300 samples at most) and returns it.
function segmentHistory(name, sample) {
  const key = "raftvec.segments." + name;
  let hist = [];
  try { hist = JSON.parse(sessionStorage.getItem(key) || "[]"); } catch (e) { hist = []; }
  hist.push(sample);
  hist = hist.slice(-300);
  try { sessionStorage.setItem(key, JSON.stringify(hist)); } catch (e) { /* storage full: keep in memory only */ }
  return hist;
}
