// GET /playground: a user's page over the public API (API.md §4, §8): pick a model, see the price, generate, watch
// the task (held by the gateway's ?wait=, never a tight loop), play the video, and list the key's recent tasks.
import { api, clearErrors, fill, h, keyForm, showErrors, statusBadge, table, when } from "./common.js";

const MAX_IMAGE_BYTES = 10 * 2 ** 20;
/** How long one status request lets the gateway hold the answer (it allows up to 60 s). */
const WAIT_S = 25;

const $ = (id) => document.getElementById(id);
const form = $("generate");
const keyFormEl = $("key-form");
let key = "";
let models = [];
let account = null;
let image = null; // the chosen file as a data URI
/** Bumped whenever the page starts showing another task, so an older watcher stops. */
let watching = 0;

const even = (n) => Math.round(n / 2) * 2;

/** The sizes a model renders: each resolution ("720p" = short side) at each aspect ratio, as WxH. */
function sizesOf(model) {
  const sizes = [];
  for (const resolution of model.resolutions) {
    const short = Number.parseInt(resolution, 10);
    for (const ratio of model.aspect_ratios) {
      const [w, hgt] = ratio.split(":").map(Number);
      const [width, height] = w >= hgt ? [even((short * w) / hgt), short] : [short, even((short * hgt) / w)];
      sizes.push({ value: `${width}x${height}`, label: `${width}×${height} · ${ratio} · ${resolution}`, resolution });
    }
  }
  return sizes;
}

const selectedModel = () => models.find((m) => m.id === form.elements.model.value);

/** Fills the form's choices from the model: durations, sizes, whether it takes an image, its metadata fields. */
function applyModel() {
  const model = selectedModel();
  if (!model) return;
  const durations = form.elements.duration;
  fill(durations, ...model.durations.map((d) => h("option", { value: d, selected: d === model.default_duration }, `${d} s`)));
  const sizes = sizesOf(model);
  fill(
    form.elements.size,
    sizes.length === 0
      ? h("option", { value: "" }, "The model's default")
      : sizes.map((s) => h("option", { value: s.value, "data-resolution": s.resolution }, s.label)),
  );
  const takesText = model.inputs.includes("text");
  const takesImage = model.inputs.includes("image");
  $("image-fields").hidden = !takesImage;
  $("image-need").textContent = takesText ? "(optional)" : "(required by this model)";
  form.elements.prompt.maxLength = model.prompt_max;
  $("model-hint").textContent = `${model.owned_by} · ${model.fps} fps · takes ${model.inputs.join(", ")}`;
  fill($("metadata-help"), ...Object.entries(model.metadata).flatMap(([name, what]) => [h("dt", {}, h("code", {}, name)), h("dd", {}, what)]));
  showPrice();
}

/** The task's price as the gateway will fix it: credits per second at the size's resolution × the duration. */
function showPrice() {
  const model = selectedModel();
  if (!model) return;
  const seconds = Number(form.elements.duration.value);
  const option = form.elements.size.selectedOptions[0];
  const perSecond = model.pricing.per_second;
  const audio = perSecond.audio ? ` (+${perSecond.audio}/s with sound)` : "";
  let price;
  if (option?.dataset.resolution) {
    const rate = perSecond[option.dataset.resolution] ?? 0;
    price = Math.ceil(rate * seconds);
    $("price").textContent = `Price: ${price} credits (${rate}/s × ${seconds} s at ${option.dataset.resolution})${audio}`;
  } else {
    const rates = model.resolutions.map((r) => perSecond[r] ?? 0);
    price = Math.ceil(Math.max(...rates) * seconds);
    $("price").textContent = `Price: at most ${price} credits (${seconds} s)${audio}`;
  }
  const balance = account?.credits.balance;
  if (!account) $("available").textContent = "";
  else if (balance === null) $("available").textContent = "Your key is unmetered.";
  else {
    const available = balance - account.credits.reserved;
    $("available").textContent = `Available: ${available} credits${available < price ? " — not enough for this video" : ""}`;
    $("available").className = available < price ? "bad" : "";
  }
}

function showAccount() {
  const c = account.credits;
  fill(
    $("account"),
    h("span", {}, `Key: ${account.label}`),
    h("span", {}, c.balance === null ? "Credits: unmetered" : `Credits: ${c.balance} (reserved ${c.reserved})`),
    h("span", {}, `Limits: ${account.rate_limit_per_minute}/min, ${account.max_concurrent_tasks} at once`),
  );
}

async function refreshAccount() {
  account = await api(key, "/v1/account");
  showAccount();
  showPrice();
}

async function useKey(newKey) {
  key = newKey;
  clearErrors(keyFormEl);
  try {
    const [list] = await Promise.all([api(key, "/v1/models"), refreshAccount()]);
    // A key with an allow-list can only use those models; offer only them.
    models = list.data.filter((m) => account.models === null || account.models.includes(m.id));
    const vendors = [...new Set(models.map((m) => m.owned_by))];
    fill(
      form.elements.model,
      vendors.map((vendor) => h("optgroup", { label: vendor }, ...models.filter((m) => m.owned_by === vendor).map((m) => h("option", { value: m.id }, m.id)))),
    );
    applyModel();
    await refreshRecent();
  } catch (err) {
    showErrors(keyFormEl, { ...err, message: err.message, param: err.status === 401 ? "key" : err.param });
  }
}

function readImage(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

form.elements.image.addEventListener("change", async () => {
  const file = form.elements.image.files[0];
  image = null;
  $("image-preview").hidden = true;
  if (!file) return;
  if (file.size > MAX_IMAGE_BYTES) return showErrors(form, { message: "The image must be at most 10 MiB.", param: "image" });
  form.elements.image_url.value = "";
  image = await readImage(file);
  $("image-preview").src = image;
  $("image-preview").hidden = false;
});
form.elements.image_url.addEventListener("input", () => {
  if (!form.elements.image_url.value) return;
  form.elements.image.value = "";
  image = null;
  $("image-preview").hidden = true;
});
form.elements.model.addEventListener("change", applyModel);
form.elements.duration.addEventListener("change", showPrice);
form.elements.size.addEventListener("change", showPrice);

/** The request body from the form; a metadata field that is not a JSON object is refused here, by name. */
function requestBody() {
  const f = form.elements;
  const body = { model: f.model.value, prompt: f.prompt.value, duration: Number(f.duration.value) };
  if (f.size.value) body.size = f.size.value;
  if (!$("image-fields").hidden) {
    const chosen = image ?? f.image_url.value.trim();
    if (chosen) body.image = chosen;
  }
  const metadata = f.metadata.value.trim();
  if (metadata) {
    let parsed;
    try {
      parsed = JSON.parse(metadata);
    } catch {
      parsed = null;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      throw { message: 'metadata must be a JSON object, e.g. {"seed": 1}.', param: "metadata" };
    body.metadata = parsed;
  }
  return body;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!key) return showErrors(keyFormEl, { message: "Use an API key first.", param: "key" });
  clearErrors(form);
  const button = $("submit");
  button.disabled = true;
  try {
    const task = await api(key, "/v1/video/generations", { method: "POST", json: requestBody() });
    void watch(task);
    void refreshAccount().catch(() => {});
    void refreshRecent();
  } catch (err) {
    showErrors(form, err);
  } finally {
    button.disabled = false;
  }
});

/** Shows a task and, while it is processing, keeps one long-poll open until it is final. */
async function watch(task) {
  const mine = ++watching;
  const started = Math.min(Date.now(), task.created_at * 1000);
  const status = h("p", {}, "");
  const progress = h("progress", { "aria-label": "Generating" });
  const tick = () => {
    status.textContent = `Status: ${task.status} · ${Math.round((Date.now() - started) / 1000)} s elapsed`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  fill($("task"), h("p", { class: "mono" }, task.task_id, " · ", task.model), status, progress);
  let failures = 0;
  try {
    while (task.status === "processing" && mine === watching) {
      try {
        task = await api(key, `/v1/video/generations/${encodeURIComponent(task.task_id)}?wait=${WAIT_S}`);
        failures = 0;
      } catch (err) {
        if (err.status && err.status < 500) throw err;
        // The network or the gateway hiccupped: back off, then ask again.
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(30, 2 ** failures) * 1000));
      }
      tick();
    }
  } catch (err) {
    fill($("task"), h("p", { class: "bad", role: "alert" }, err.message));
    return;
  } finally {
    clearInterval(timer);
  }
  if (mine !== watching) return;
  showResult(task);
  void refreshRecent();
  void refreshAccount().catch(() => {});
}

function showResult(task) {
  const head = h("p", { class: "mono" }, task.task_id, " · ", task.model, " · ", statusBadge(task.status));
  if (task.status === "failed") {
    return fill($("task"), head, h("p", { class: "bad", role: "alert" }, `${task.error?.code ?? "failed"}: ${task.error?.message ?? ""}`));
  }
  if (!task.url) return fill($("task"), head, h("p", { class: "hint" }, "The video is no longer stored."));
  const m = task.metadata;
  fill(
    $("task"),
    head,
    h("video", { id: "video", src: task.url, controls: true, playsinline: true, preload: "metadata", "aria-label": `Video of task ${task.task_id}` }),
    h("p", {}, `${m.duration} s · ${m.width}×${m.height} · ${m.fps} fps · ${task.cost} credits`),
    h("p", {}, h("a", { href: task.url, download: `${task.task_id}.mp4` }, "Download MP4")),
  );
}

async function refreshRecent() {
  if (!key) return;
  try {
    const page = await api(key, "/v1/video/generations?limit=10");
    fill(
      $("recent"),
      table(
        [
          { label: "Task", cell: (t) => h("button", { type: "button", class: "secondary mono", onclick: () => void watch(t) }, t.task_id) },
          { label: "Model", cell: (t) => t.model },
          { label: "Status", cell: (t) => statusBadge(t.status) },
          { label: "Created", cell: (t) => when(t.created_at) },
          { label: "Credits", cell: (t) => String(t.cost), num: true },
        ],
        page.data,
        "No tasks yet.",
      ),
    );
  } catch (err) {
    fill($("recent"), h("p", { class: "bad" }, err.message));
  }
}

keyForm(keyFormEl, "video-gateway.api-key", (k) => void useKey(k));
