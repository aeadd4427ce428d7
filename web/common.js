// Shared by /playground and /admin. Both pages are plain clients of the gateway's public API: every request goes to
// this origin with the key the user pasted, which is kept in this browser's localStorage and nowhere else.

/** An error answer of the API (API.md §3): `param` names the field at fault, `message` says what to change. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `The gateway answered ${status}.`);
    this.status = status;
    this.code = body?.code ?? null;
    this.param = body?.param ?? null;
  }
}

/** Calls the gateway with a bearer key; resolves to the JSON answer, rejects with ApiError on a non-2xx. */
export async function api(key, path, { method = "GET", json, headers = {}, signal } = {}) {
  const init = { method, signal, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text.slice(0, 300) };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** A DOM element: h("td", { class: "num" }, "12"); props starting with "on" are listeners, the rest attributes. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/**
 * The key form at the top of each page: fills in the remembered key, remembers a new one, forgets it on request.
 * `onKey(key)` runs with the key whenever there is one (on load too).
 */
export function keyForm(form, storageName, onKey) {
  const input = form.elements.namedItem("key");
  input.value = localStorage.getItem(storageName) ?? "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return showErrors(form, { message: "Paste a key first.", param: "key" });
    localStorage.setItem(storageName, key);
    onKey(key);
  });
  form.querySelector("[data-forget]")?.addEventListener("click", () => {
    localStorage.removeItem(storageName);
    input.value = "";
    input.focus();
  });
  if (input.value) onKey(input.value);
  return () => input.value.trim();
}

/** Removes the errors showErrors put on a form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
  const general = form.querySelector(".form-error");
  if (general) general.textContent = "";
}

/**
 * Shows an error next to the field its `param` names (`metadata.callback_url` → the metadata field), else in the
 * form's own error line; focuses the field so a keyboard user lands on it.
 */
export function showErrors(form, err) {
  clearErrors(form);
  const name = typeof err.param === "string" ? err.param.split(/[.[]/)[0] : null;
  const field = name ? form.querySelector(`[name="${CSS.escape(name)}"], [data-param="${CSS.escape(name)}"]`) : null;
  const text = err.code ? `${err.message} (${err.code})` : err.message;
  if (!field) {
    const general = form.querySelector(".form-error");
    if (general) general.textContent = text;
    return;
  }
  const id = `${field.id || name}-error`;
  const note = h("p", { class: "field-error", id, role: "alert" }, text);
  (field.closest("[data-field]") ?? field).after(note);
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", id);
  (field.matches("fieldset") ? field.querySelector("input, select, textarea") : field)?.focus();
}

/** A scrollable table: columns are { label, cell(row) → text or node, num? }. */
export function table(columns, rows, empty = "Nothing yet.") {
  if (rows.length === 0) return h("p", { class: "hint" }, empty);
  const head = h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)));
  const body = rows.map((row) => h("tr", {}, ...columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(row) ?? ""))));
  return h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...body)));
}

/** Unix seconds → local date and time. */
export function when(unix) {
  return unix ? new Date(unix * 1000).toLocaleString() : "—";
}

/** A status word with its colour (and the word itself, so colour is never the only signal). */
export function statusBadge(status) {
  return h("span", { class: status === "succeeded" || status === "ok" ? "ok" : status === "failed" ? "bad" : null }, status);
}

/** Puts `children` in place of what `el` held. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}
