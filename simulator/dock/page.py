"""The dock's single page: inline CSS and JavaScript, no external assets (it must work offline).

A developer tool, so English only; it shows the synthetic voters' IINs and names, which are made up. All data
is put on the page with ``textContent``, never as HTML. URLs are relative to the page, which sits under the token.
"""

from __future__ import annotations

from typing import Final

PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiosk simulator dock</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f3f4f6; color: #111; }
  header { background: #1f2937; color: #fff; padding: 10px 16px; display: flex; gap: 24px; flex-wrap: wrap; }
  header b { color: #fde68a; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; padding: 12px; }
  section { background: #fff; border-radius: 8px; padding: 12px 14px; box-shadow: 0 1px 2px #0002; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  button { font: inherit; padding: 5px 10px; margin: 2px; border: 1px solid #9ca3af; border-radius: 5px;
           background: #f9fafb; cursor: pointer; }
  button.primary { background: #2563eb; color: #fff; border-color: #1d4ed8; }
  button.danger { background: #dc2626; color: #fff; border-color: #b91c1c; }
  input, select { font: inherit; padding: 4px 6px; margin: 2px; }
  input.iin { width: 9.5em; font-family: ui-monospace, monospace; }
  input.small { width: 5em; }
  ul { list-style: none; padding: 0; margin: 4px 0; max-height: 260px; overflow-y: auto; }
  li { padding: 3px 4px; border-bottom: 1px solid #e5e7eb; }
  li.voter { cursor: pointer; } li.voter:hover { background: #eff6ff; }
  .mono { font-family: ui-monospace, monospace; }
  .muted { color: #6b7280; font-size: 13px; }
  .selected { background: #dbeafe; border-radius: 5px; padding: 6px; margin: 6px 0; }
  #message { position: fixed; bottom: 12px; right: 12px; max-width: 480px; padding: 10px 14px; border-radius: 6px;
             display: none; box-shadow: 0 2px 6px #0004; }
  #message.ok { display: block; background: #dcfce7; } #message.error { display: block; background: #fee2e2; }
  label { margin-right: 10px; white-space: nowrap; }
  .faults label { display: inline-block; min-width: 45%; }
</style>
</head>
<body>
<header>
  <span>Simulator dock &middot; station <b id="station">?</b></span>
  <span>Card: <b id="card-summary">?</b></span>
  <span>Scanner queue: <b id="scanner">0</b></span>
  <span>Printer: <b id="printer-status">?</b></span>
</header>
<main>
<section>
  <h2>1. Voter</h2>
  <div id="categories"></div>
  <ul id="voters"></ul>
  <div>or type an IIN: <input id="iin" class="iin" maxlength="12" inputmode="numeric" placeholder="12 digits">
    <button id="use-iin">Use</button></div>
  <div class="selected">Selected: <span id="selected" class="mono">nobody</span></div>
</section>
<section>
  <h2>2. Card</h2>
  <div><select id="profile">
    <option value="id-card">National ID card (PKI)</option>
    <option value="emrtd-td1">Kazakh ID card as eMRTD (TD1)</option>
    <option value="emrtd-td3">Passport (TD3)</option>
  </select></div>
  <div class="faults" id="card-faults"></div>
  <div><label><input type="checkbox" id="removal"> removed after
    <input id="removal-count" class="small" type="number" min="0" value="3"> APDUs</label></div>
  <div><button class="primary" id="insert">Insert card</button><button id="remove">Remove card</button></div>
  <div><button id="member-card">Insert member card (PIN 1234)</button></div>
  <div id="card-detail" class="muted mono"></div>
</section>
<section>
  <h2>3. Digital document (QR)</h2>
  <div>valid for <input id="valid-for" class="small" type="number" min="1" max="3600" value="180"> s,
    document expiry <input id="doc-expiry" type="date"></div>
  <div><button class="primary" id="show-qr">Show the selected voter's QR</button></div>
  <div>any text as QR: <input id="qr-text" placeholder="https://example.org"> <button id="show-text">Show</button></div>
  <div id="qr-detail" class="muted mono"></div>
</section>
<section>
  <h2>4. Service faults</h2>
  <div class="faults" id="service-faults"></div>
  <div><button class="primary" id="apply-faults">Apply</button><button id="clear-faults">All off</button></div>
  <div class="muted">Probabilities 0..1 per request; latency in milliseconds.</div>
</section>
<section>
  <h2>5. Printer</h2>
  <div><button id="online">Online</button><button id="offline">Offline</button>
    <button id="paper-out">Out of paper</button><button id="paper-load">Load paper</button></div>
  <ul id="jobs"></ul>
</section>
<section>
  <h2>6. Spoken</h2>
  <ul id="spoken"></ul>
  <h2>Dock log</h2>
  <ul id="events"></ul>
</section>
</main>
<div id="message"></div>
<script>
"use strict";
let selectedIin = null;
let profileFaults = {};
let faultKinds = [];
let messageTimer = null;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}
function show(text, ok) {
  const box = document.getElementById("message");
  box.textContent = text; box.className = ok ? "ok" : "error";
  clearTimeout(messageTimer); messageTimer = setTimeout(() => { box.className = ""; }, ok ? 2500 : 8000);
}
async function api(method, path, body) {
  const options = { method: method, headers: {} };
  if (body !== undefined) { options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) { throw new Error((data.error && data.error.message) || response.statusText); }
  return data;
}
async function act(label, method, path, body) {
  try { const data = await api(method, path, body); show(label, true); refresh(); return data; }
  catch (error) { show(label + " failed: " + error.message, false); return null; }
}
function selectVoter(voter) {
  selectedIin = voter.iin;
  const who = voter.in_registry ? (voter.surname + " " + voter.given_name + " (" + voter.category + ")")
                                : "not in the registry";
  document.getElementById("selected").textContent = voter.iin + " - " + who;
}
async function listVoters(category) {
  const list = document.getElementById("voters");
  list.replaceChildren(el("li", "loading...", "muted"));
  try {
    const voters = await api("GET", "api/voters?limit=12&category=" + encodeURIComponent(category));
    list.replaceChildren();
    if (!voters.length) list.appendChild(el("li", "no such voter at this station", "muted"));
    for (const voter of voters) {
      const item = el("li", voter.iin + "  " + voter.surname + " " + voter.given_name, "voter mono");
      item.onclick = () => selectVoter(voter);
      list.appendChild(item);
    }
  } catch (error) { list.replaceChildren(); show(error.message, false); }
}
function renderCardFaults() {
  const profile = document.getElementById("profile").value;
  const names = (profile === "id-card" ? profileFaults["id-card"] : profileFaults["emrtd"]) || [];
  const box = document.getElementById("card-faults");
  box.replaceChildren();
  for (const name of names) {
    if (name === "removed-after-N") continue;
    if (name === "passport-without-iin" && profile !== "emrtd-td3") continue;
    const label = el("label");
    const box2 = el("input"); box2.type = "checkbox"; box2.value = name;
    label.appendChild(box2); label.appendChild(document.createTextNode(" " + name));
    box.appendChild(label);
  }
}
function renderServiceFaults(current) {
  const box = document.getElementById("service-faults");
  if (!box.childElementCount) {
    for (const name of faultKinds) {
      const label = el("label", name + " ");
      const input = el("input", null, "small"); input.type = "number"; input.id = "fault-" + name;
      input.min = "0"; input.step = name === "latency_ms" ? "100" : "0.1";
      input.max = name === "latency_ms" ? "60000" : "1";
      label.appendChild(input); box.appendChild(label);
    }
  }
  for (const name of faultKinds) {
    const input = document.getElementById("fault-" + name);
    if (document.activeElement !== input && current && name in current) input.value = current[name];
  }
}
function needVoter() {
  if (!selectedIin) { show("Choose a voter first (a category, or type an IIN).", false); return false; }
  return true;
}
async function refresh() {
  let state;
  try { state = await api("GET", "api/state"); } catch (error) { return; }
  document.getElementById("station").textContent = state.station;
  const card = state.card;
  document.getElementById("card-summary").textContent = card.card
    ? card.card.profile + (card.present ? " inserted" : " pulled out") : (card.present ? "unknown card" : "empty");
  document.getElementById("card-detail").textContent = card.card
    ? "IIN " + card.card.iin + (card.card.faults.length ? ", faults: " + card.card.faults.join(", ") : "")
      + (card.card.mrz.length ? "\\n" + card.card.mrz.join("\\n") : "") + "\\nreader: " + card.reader
    : "reader: " + card.reader + " (" + card.slot + ")";
  document.getElementById("card-detail").style.whiteSpace = "pre";
  document.getElementById("scanner").textContent = state.scanner.waiting;
  const printer = state.printer;
  document.getElementById("printer-status").textContent = printer ? printer.status : "none";
  const jobs = document.getElementById("jobs"); jobs.replaceChildren();
  for (const job of (printer ? printer.jobs : [])) {
    const item = el("li", job.job_id + " " + job.kind + " ");
    const pdf = el("a", "PDF"); pdf.href = job.pdf; pdf.target = "_blank"; item.appendChild(pdf);
    if (job.png) { item.appendChild(document.createTextNode(" ")); const png = el("a", "PNG");
      png.href = job.png; png.target = "_blank"; item.appendChild(png); }
    jobs.appendChild(item);
  }
  const spoken = document.getElementById("spoken"); spoken.replaceChildren();
  for (const line of state.spoken) spoken.appendChild(el("li", "[" + line.language + "] " + line.text));
  const events = document.getElementById("events"); events.replaceChildren();
  for (const event of state.events) events.appendChild(el("li", event.at.slice(11, 19) + " " + event.what + ": "
    + event.detail, "muted"));
}
async function start() {
  const state = await api("GET", "api/state");
  profileFaults = state.card_faults; faultKinds = state.service_fault_kinds;
  const categories = document.getElementById("categories");
  for (const category of state.categories) {
    const button = el("button", category.label); button.onclick = () => listVoters(category.name);
    categories.appendChild(button);
  }
  renderCardFaults();
  try { renderServiceFaults(await api("GET", "api/service/faults")); } catch (error) { renderServiceFaults(null); }
  refresh();
  setInterval(refresh, 1000);
}
document.getElementById("profile").onchange = renderCardFaults;
document.getElementById("use-iin").onclick = async () => {
  try { selectVoter(await api("GET", "api/voter?iin=" + encodeURIComponent(document.getElementById("iin").value))); }
  catch (error) { show(error.message, false); }
};
document.getElementById("insert").onclick = () => {
  if (!needVoter()) return;
  const faults = [...document.querySelectorAll("#card-faults input:checked")].map((box) => box.value);
  if (document.getElementById("removal").checked)
    faults.push("removed-after-" + (parseInt(document.getElementById("removal-count").value, 10) || 0));
  act("Card inserted", "POST", "api/card/insert",
      { iin: selectedIin, profile: document.getElementById("profile").value, faults: faults });
};
document.getElementById("remove").onclick = () => act("Card removed", "POST", "api/card/remove", {});
document.getElementById("member-card").onclick = () =>
  act("Member card inserted (PIN 1234)", "POST", "api/card/member", { role: "chair" });
document.getElementById("show-qr").onclick = async () => {
  if (!needVoter()) return;
  const body = { iin: selectedIin, valid_for_seconds: parseInt(document.getElementById("valid-for").value, 10) || null,
                 document_expiry: document.getElementById("doc-expiry").value || null };
  const data = await act("QR code shown to the scanner", "POST", "api/qr/digital-document", body);
  if (data) document.getElementById("qr-detail").textContent = data.qr_payload + " (until " + data.expires_at + ")";
};
document.getElementById("show-text").onclick = () =>
  act("Text shown as a QR code", "POST", "api/qr/text", { text: document.getElementById("qr-text").value });
document.getElementById("apply-faults").onclick = async () => {
  const settings = {};
  for (const name of faultKinds) {
    const value = document.getElementById("fault-" + name).value;
    settings[name] = name === "latency_ms" ? (parseInt(value, 10) || 0) : (parseFloat(value) || 0);
  }
  const data = await act("Service faults applied", "POST", "api/service/faults", settings);
  if (data) renderServiceFaults(data);
};
document.getElementById("clear-faults").onclick = async () => {
  const data = await act("Service faults off", "POST", "api/service/faults", { clear: true });
  if (data) renderServiceFaults(data);
};
document.getElementById("online").onclick = () => act("Printer online", "POST", "api/printer", { online: true });
document.getElementById("offline").onclick = () => act("Printer offline", "POST", "api/printer", { online: false });
document.getElementById("paper-out").onclick = () =>
  act("Printer out of paper", "POST", "api/printer", { paper: "out" });
document.getElementById("paper-load").onclick = () => act("Paper loaded", "POST", "api/printer", { paper: "load" });
start().catch((error) => show("The dock cannot reach the kiosk: " + error.message, false));
</script>
</body>
</html>
"""


def render_page() -> str:
    """The dock's HTML page."""
    return PAGE
