"use strict";
// The console's shell: API calls, sign-in, the hash router and the
// refresh loop. Pages register in PAGES (pages.js, datum.js, search.js)
// as {render(el, args), refreshMs}.

const PAGES = {};
const console_ = { timer: null, page: null, args: [], busy: false };

// ApiError is a failed call: HTTP status or the envelope's code.
class ApiError extends Error {
  constructor(message, status, code) { super(message); this.status = status; this.code = code; }
}

function authHeader() {
  const t = sessionStorage.getItem("raftvec.token");
  return t ? { Authorization: "Bearer " + t } : {};
}

// api calls a route and returns the envelope's data. body: POST JSON.
async function api(path, body) {
  const init = { headers: { ...authHeader() } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError("cannot reach the node: " + e.message, 0, -1);
  }
  let env = null;
  try { env = await resp.json(); } catch (e) { /* not JSON: reported below */ }
  if (resp.status === 401) {
    showAuth(true);
    throw new ApiError("sign in to read this node (auth is on)", 401, env && env.code);
  }
  if (!env) throw new ApiError(`${path}: HTTP ${resp.status}`, resp.status, -1);
  if (env.code !== 0) throw new ApiError(`${path}: ${env.message || "error"} (code ${env.code})`, resp.status, env.code);
  return env.data;
}

// v2 calls a Milvus RESTful v2 route.
function v2(route, body) { return api("/v2/vectordb/" + route, body || {}); }

function showAuth(on) { document.getElementById("auth").hidden = !on; }

function setStatus(text, bad) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.classList.toggle("bad", !!bad);
}

// route reads the hash (#/page/arg...) and renders that page.
async function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "cluster").split("/").map(decodeURIComponent);
  const name = PAGES[parts[0]] ? parts[0] : "cluster";
  console_.page = name;
  console_.args = parts.slice(1);
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === name));
  const el = document.getElementById("page");
  el.innerHTML = "";
  el.dataset.page = name;
  clearTimeout(console_.timer);
  await PAGES[name].render(el, console_.args);
  schedule();
}

// schedule refreshes the current page while it is shown.
function schedule() {
  const p = PAGES[console_.page];
  clearTimeout(console_.timer);
  if (!p || !p.refresh) return;
  console_.timer = setTimeout(async () => {
    if (!console_.busy) {
      console_.busy = true;
      try { await p.refresh(document.getElementById("page"), console_.args); } finally { console_.busy = false; }
    }
    schedule();
  }, p.refreshMs || 3000);
}

// guard runs a page's loader, showing an error on the page instead of
// throwing, and the refresh time in the header.
async function guard(el, fn) {
  try {
    await fn();
    setStatus("live · updated " + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus(e.message, true);
    let box = el.querySelector(".load-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "card error load-error";
      el.prepend(box);
    }
    box.textContent = e.message;
    return;
  }
  const box = el.querySelector(".load-error");
  if (box) box.remove();
}

document.getElementById("auth").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("raftvec.token", document.getElementById("token").value);
  showAuth(false);
  route();
});
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
