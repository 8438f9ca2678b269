// zen dashboard: follow running runs without reloading the page, and select a step in a run's DAG.
"use strict";
(function () {
  // The runs page: while a listed run is running, refresh the table in place every few seconds.
  const runs = document.querySelector("table.runs tbody");
  if (!runs) return;
  async function refresh() {
    if (!runs.querySelector('.badge[data-status="running"]')) return;
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.querySelector("table.runs tbody");
        if (fresh) runs.replaceChildren(...fresh.childNodes);
      }
    } catch (e) { /* the server may be restarting; try again */ }
    setTimeout(refresh, 3000);
  }
  setTimeout(refresh, 3000);
})();
(function () {
  const body = document.body;
  const runId = body.dataset.runId;
  if (!runId) return;
  const base = "/runs/" + encodeURIComponent(runId);
  const panel = document.getElementById("step-panel");
  let selected = new URLSearchParams(location.search).get("step");

  function nodes() { return document.querySelectorAll("#dag svg .node"); }

  function markSelected() {
    nodes().forEach((n) => n.classList.toggle("selected", n.dataset.step === selected));
    document.querySelectorAll("#steps tr[data-step]").forEach((r) => r.classList.toggle("selected", r.dataset.step === selected));
  }

  async function showStep(name, push) {
    selected = name;
    markSelected();
    const response = await fetch(base + "/steps/" + encodeURIComponent(name), { cache: "no-store" });
    if (response.ok) {
      panel.innerHTML = await response.text();
      const logs = panel.querySelector("pre.logs");
      if (logs) logs.scrollTop = logs.scrollHeight;  // the latest lines, as a terminal shows them
    }
    if (push) history.replaceState(null, "", "?step=" + encodeURIComponent(name));
  }

  nodes().forEach((n) => {
    n.addEventListener("click", () => showStep(n.dataset.step, true));
    n.addEventListener("keydown", (e) => { if (e.key === "Enter") showStep(n.dataset.step, true); });
  });
  document.querySelectorAll("[data-step-link]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault();
    showStep(a.dataset.stepLink, true);
  }));
  markSelected();
  const shownLogs = panel.querySelector("pre.logs");
  if (shownLogs) shownLogs.scrollTop = shownLogs.scrollHeight;

  function setBadge(el, status) {
    if (!el) return;
    el.className = "badge status-" + status;
    el.dataset.status = status;
    el.textContent = status;
  }

  function setNode(node, status) {
    if (node.classList.contains("status-" + status)) return;
    node.setAttribute("class", node.getAttribute("class").replace(/status-\S+/, "status-" + status) + "");
    const rect = node.querySelector(".pill rect");
    const text = node.querySelector(".pill text");
    const box = node.querySelector(".box");
    if (rect && text && box) {
      const width = 8 + 6.2 * status.length;
      const x = parseFloat(box.getAttribute("x")) + parseFloat(box.getAttribute("width")) - width - 8;
      rect.setAttribute("width", width.toFixed(0));
      rect.setAttribute("x", x.toFixed(1));
      text.setAttribute("x", (x + width / 2).toFixed(1));
      text.textContent = status;
    }
  }

  function duration(s) {
    if (typeof s !== "number") return "–";
    if (s < 1) return Math.round(s * 1000) + " ms";
    if (s < 60) return s.toFixed(1) + " s";
    const m = Math.floor(s / 60);
    return m + "m " + String(Math.floor(s % 60)).padStart(2, "0") + "s";
  }

  async function poll() {
    let data;
    try {
      const response = await fetch("/api/runs/" + encodeURIComponent(runId), { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (e) {
      setTimeout(poll, 3000);
      return;
    }
    let selectedChanged = false;
    let selectedRunning = false;
    for (const step of data.steps) {
      const node = document.querySelector('#dag svg .node[data-step="' + CSS.escape(step.name) + '"]');
      if (node) setNode(node, step.status);
      if (step.name === selected && step.status === "running") selectedRunning = true;
      const row = document.querySelector('#steps tr[data-step="' + CSS.escape(step.name) + '"]');
      if (row) {
        const badge = row.querySelector(".badge");
        if (badge && badge.dataset.status !== step.status) {
          setBadge(badge, step.status);
          if (step.name === selected) selectedChanged = true;
        }
        row.querySelector(".du").textContent = duration(step.duration_s);
      }
    }
    setBadge(document.querySelector("#run-status .badge"), data.run.status);
    document.getElementById("run-duration").textContent = duration(data.run.duration_s);
    body.dataset.runStatus = data.run.status;
    if (selected && (selectedChanged || selectedRunning)) showStep(selected, false);  // a running step's logs grow
    if (data.run.status === "running") setTimeout(poll, 1000);
  }

  if (body.dataset.runStatus === "running") setTimeout(poll, 1000);
})();
