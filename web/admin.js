// GET /admin: the operator's console over the admin routes (API.md §8, §13): keys (create, top up, disable, revoke),
// usage with a chart, recent failed tasks and vendor account health.
import { api, clearErrors, fill, h, keyForm, showErrors, statusBadge, table, when } from "./common.js";

const $ = (id) => document.getElementById(id);
const createForm = $("create-key");
const usageForm = $("usage-form");
const keyFormEl = $("key-form");
let key = "";
/** The keys shown so far (pages of GET /v1/admin/keys). */
let keys = [];
let morePages = null;

async function useKey(newKey) {
  key = newKey;
  clearErrors(keyFormEl);
  try {
    await Promise.all([loadKeys(), loadUsage(), loadFailed(), loadAccounts()]);
  } catch (err) {
    showErrors(keyFormEl, { ...err, message: err.message, param: err.status === 401 || err.status === 403 ? "key" : err.param });
  }
}

// ---- keys

const number = (value) => (value === "" ? undefined : Number(value));

createForm.elements.unmetered.addEventListener("change", () => {
  createForm.elements.credits.disabled = createForm.elements.unmetered.checked;
});

createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(createForm);
  const f = createForm.elements;
  const models = f.models.value
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  const body = {
    label: f.label.value.trim(),
    credits: f.unmetered.checked ? null : number(f.credits.value),
    rate_limit_per_minute: number(f.rate_limit_per_minute.value),
    max_concurrent_tasks: number(f.max_concurrent_tasks.value),
    models: models.length ? models : undefined,
    expires_at: f.expires_at.value ? Math.floor(new Date(f.expires_at.value).getTime() / 1000) : undefined,
  };
  try {
    const created = await api(key, "/v1/admin/keys", { method: "POST", json: body });
    const box = $("new-key");
    const secret = h("code", { id: "new-key-value" }, created.key);
    fill(
      box,
      h("p", {}, h("strong", {}, `Key for ${created.label} (${created.id}). `), "Copy it now: it is never shown again."),
      h("p", {}, secret),
      h("button", { type: "button", class: "secondary", onclick: () => void navigator.clipboard?.writeText(created.key) }, "Copy"),
    );
    box.hidden = false;
    createForm.reset();
    f.credits.disabled = false;
    await loadKeys();
  } catch (err) {
    showErrors(createForm, err);
  }
});

async function loadKeys(after = null) {
  const page = await api(key, `/v1/admin/keys?limit=50${after ? `&after=${encodeURIComponent(after)}` : ""}`);
  keys = after ? [...keys, ...page.data] : page.data;
  morePages = page.has_more ? page.last_id : null;
  showKeys();
}

function showKeys() {
  const rows = table(
    [
      { label: "Key", cell: (k) => h("span", {}, h("strong", {}, k.label), h("br"), h("code", {}, k.id)) },
      { label: "Balance", cell: (k) => (k.credits.balance === null ? "unmetered" : `${k.credits.balance} (reserved ${k.credits.reserved})`), num: true },
      { label: "Limits", cell: (k) => `${k.rate_limit_per_minute}/min · ${k.max_concurrent_tasks} at once${k.models ? ` · ${k.models.join(", ")}` : ""}` },
      { label: "State", cell: (k) => (k.disabled ? statusBadge("disabled") : k.expires_at && k.expires_at < Date.now() / 1000 ? "expired" : "active") },
      { label: "Last used", cell: (k) => when(k.last_used_at) },
      { label: "Actions", cell: keyActions },
    ],
    keys,
    "No keys yet.",
  );
  const more = morePages ? h("button", { type: "button", class: "secondary", onclick: () => void loadKeys(morePages) }, "More keys") : null;
  fill($("keys"), rows, more);
}

/** Top up (a small form of its own, so an error lands beside its amount), disable or enable, revoke. */
function keyActions(k) {
  const amountId = `amount-${k.id}`;
  const topUp = h(
    "form",
    { class: "row", "data-key": k.id },
    h("label", { for: amountId, class: "visually-hidden" }, `Credits to add to ${k.label}`),
    h("input", { id: amountId, name: "amount", type: "number", step: "1", placeholder: "credits", required: true }),
    h("button", { type: "submit", class: "secondary", disabled: k.credits.balance === null }, "Add"),
    h("p", { class: "form-error", role: "alert" }),
  );
  topUp.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(topUp);
    const amount = Number(topUp.elements.amount.value);
    try {
      // One Idempotency-Key per click: a retried request credits once.
      const headers = { "idempotency-key": crypto.randomUUID() };
      await api(key, `/v1/admin/keys/${encodeURIComponent(k.id)}/credits`, { method: "POST", json: { amount, note: "console top-up" }, headers });
      await loadKeys();
    } catch (err) {
      showErrors(topUp, err);
    }
  });
  const toggle = h(
    "button",
    { type: "button", class: "secondary", onclick: () => void change(k, { method: "PATCH", json: { disabled: !k.disabled } }) },
    k.disabled ? "Enable" : "Disable",
  );
  const revoke = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: () => {
        if (confirm(`Revoke ${k.label} (${k.id})? Every request with it will be refused.`)) void change(k, { method: "DELETE" });
      },
    },
    "Revoke",
  );
  return h("div", {}, topUp, h("div", { class: "actions" }, toggle, revoke));
}

async function change(k, init) {
  try {
    await api(key, `/v1/admin/keys/${encodeURIComponent(k.id)}`, init);
    await loadKeys();
  } catch (err) {
    alert(err.message);
  }
}

// ---- usage

let usageRows = [];

async function loadUsage() {
  clearErrors(usageForm);
  const f = usageForm.elements;
  const params = new URLSearchParams({ group_by: f.group_by.value });
  if (f.range.value) params.set("from", String(Math.floor(Date.now() / 1000) - Number(f.range.value) * 86400));
  try {
    usageRows = (await api(key, `/v1/admin/usage?${params}`)).data;
  } catch (err) {
    showErrors(usageForm, err);
    throw err;
  }
  showUsage();
}

const groupOf = (row) => row.day ?? row.model ?? row.key_id ?? "—";

function showUsage() {
  const metric = usageForm.elements.metric.value;
  fill(
    $("chart"),
    barChart(
      usageRows.map((r) => ({ label: groupOf(r), value: r[metric] ?? 0 })),
      usageForm.elements.metric.selectedOptions[0].text,
    ),
  );
  fill(
    $("usage"),
    table(
      [
        { label: usageForm.elements.group_by.selectedOptions[0].text, cell: (r) => groupOf(r) },
        { label: "Tasks", cell: (r) => String(r.tasks), num: true },
        { label: "Succeeded", cell: (r) => String(r.succeeded), num: true },
        { label: "Failed", cell: (r) => String(r.failed), num: true },
        { label: "Seconds", cell: (r) => String(r.seconds), num: true },
        { label: "Credits", cell: (r) => String(r.credits), num: true },
      ],
      usageRows,
      "No usage in this period.",
    ),
  );
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Horizontal bars (they fit a phone's width with long labels), one per group; the table below has the figures. Drawn
 * at the box's own width so the text stays legible on a phone.
 */
function barChart(bars, title) {
  if (bars.length === 0) return null;
  const width = Math.max(300, Math.min(760, $("chart").clientWidth || 600));
  const row = 22;
  const labelW = Math.min(170, Math.round(width * 0.34));
  const chars = Math.floor(labelW / 7);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${bars.length * row + 4}`, width, role: "img", "aria-label": `${title} per group` });
  bars.forEach((b, i) => {
    const y = i * row + 2;
    const w = ((width - labelW - 60) * b.value) / max;
    const label = b.label.length > chars ? `${b.label.slice(0, chars - 1)}…` : b.label;
    chart.append(svg("text", { x: labelW - 6, y: y + 14, "text-anchor": "end" }, label));
    const bar = svg("rect", { class: "bar", x: labelW, y, width: Math.max(w, b.value > 0 ? 1 : 0), height: row - 6, rx: 2 });
    bar.append(svg("title", {}, `${b.label}: ${b.value}`));
    chart.append(bar, svg("text", { x: labelW + w + 4, y: y + 14 }, String(b.value)));
  });
  return chart;
}

usageForm.elements.metric.addEventListener("change", showUsage);
for (const name of ["group_by", "range"]) usageForm.elements[name].addEventListener("change", () => void loadUsage().catch(() => {}));
usageForm.addEventListener("submit", (event) => event.preventDefault());

// ---- failed tasks and vendor accounts

async function loadFailed() {
  const page = await api(key, "/v1/admin/tasks?status=failed&limit=20");
  fill(
    $("failed"),
    table(
      [
        { label: "Task", cell: (t) => h("code", {}, t.task_id) },
        { label: "Model", cell: (t) => t.model },
        // Static keys' ids are 64 hex digits: the start tells them apart, the whole id is in the tooltip.
        { label: "Key", cell: (t) => h("code", { title: t.key_id }, t.key_id.length > 16 ? `${t.key_id.slice(0, 12)}…` : t.key_id) },
        { label: "Error", cell: (t) => h("code", { class: "bad" }, t.error?.code ?? "—") },
        { label: "Message", cell: (t) => t.error?.message ?? "" },
        { label: "When", cell: (t) => when(t.completed_at ?? t.updated_at) },
      ],
      page.data,
      "No failed tasks.",
    ),
  );
}

async function loadAccounts() {
  const page = await api(key, "/v1/admin/accounts");
  fill(
    $("accounts"),
    table(
      [
        { label: "Vendor", cell: (a) => a.vendor },
        { label: "Account", cell: (a) => a.name },
        { label: "Health", cell: (a) => statusBadge(a.health) },
        { label: "Accepted", cell: (a) => String(a.accepted), num: true },
        { label: "Refused", cell: (a) => String(a.refused), num: true },
        { label: "Last error", cell: (a) => a.last_error ?? "—" },
      ],
      page.data,
      "No vendor accounts configured.",
    ),
  );
}

keyForm(keyFormEl, "video-gateway.admin-key", (k) => void useKey(k));
