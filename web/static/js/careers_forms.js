// Forms of the jobs and journey pages: each <form data-api="/api/..." data-method="PUT"> is sent as
// JSON through api() (which adds the CSRF header); errors show in the form's [data-role=error] box.
//
// Field conventions: name="a.b" nests (answers.rd1); data-type="list" splits on commas or new lines;
// data-type="int" / type=number give numbers (empty = null); data-type="manwon" money goes as typed
// ("3,600", "3600만원") for the server to read (server/domain/money.py); data-type="multi" checkboxes collect
// their checked values into an array; other checkboxes give booleans; empty date/number fields give null.
import { api, ApiError, pageMessages } from "./app.js";

const messages = pageMessages();

function setPath(target, path, value) {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys[keys.length - 1]] = value;
}

function fieldValue(element) {
  const type = element.dataset.type || "";
  if (type === "list") return element.value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  if (element.type === "checkbox") return element.checked;
  if (element.multiple) return [...element.selectedOptions].map((o) => o.value);
  const raw = element.value.trim();
  if (type === "int" || element.type === "number") return raw === "" ? null : Number(raw);
  // Money goes as typed ("3,600", "3600만원"): the server reads it or says what it could not read.
  if (type === "manwon") return raw === "" ? null : raw;
  if (element.type === "date" || element.type === "datetime-local" || type === "nullable") return raw === "" ? null : raw;
  return element.value;
}

export function formBody(form) {
  const body = {};
  const multi = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled || element.name === "csrf_token" || element.dataset.skip !== undefined) continue;
    if (element.dataset.type === "multi") {
      multi[element.name] ??= [];
      if (element.checked) multi[element.name].push(element.value);
      continue;
    }
    if (element.type === "radio") {
      if (!element.checked) continue;
      const type = element.dataset.type;
      setPath(body, element.name, type === "int" ? Number(element.value) : type === "bool" ? element.value === "true" : element.value);
      continue;
    }
    setPath(body, element.name, fieldValue(element));
  }
  for (const [name, values] of Object.entries(multi)) setPath(body, name, values);
  return body;
}

function showError(form, error) {
  const box = form.querySelector("[data-role=error]");
  const text = error instanceof ApiError ? error.message : messages["careers.js_network_error"] || String(error);
  if (!box) return alert(text);
  box.textContent = text;
  box.hidden = false;
  box.focus();
}

async function submit(form, event) {
  event.preventDefault();
  const confirmText = form.dataset.confirm;
  if (confirmText && !window.confirm(confirmText)) return;
  const box = form.querySelector("[data-role=error]");
  if (box) box.hidden = true;
  const button = form.querySelector("[type=submit]");
  if (button) button.disabled = true;
  try {
    const result = await api(form.dataset.method || "POST", form.dataset.api, formBody(form));
    const next = form.dataset.next;
    if (next) {
      window.location.assign(next.replace("{id}", result && result.id !== undefined ? result.id : ""));
    } else {
      window.location.reload();
    }
  } catch (error) {
    showError(form, error);
    if (button) button.disabled = false;
  }
}

for (const form of document.querySelectorAll("form[data-api]")) {
  form.addEventListener("submit", (event) => submit(form, event));
}

// Questionnaires: show how many items are answered, so a long form is less daunting.
for (const counter of document.querySelectorAll("[data-answered-of]")) {
  const form = counter.closest("form");
  const total = Number(counter.dataset.answeredOf);
  const update = () => {
    const names = new Set([...form.querySelectorAll("input[type=radio]:checked")].map((r) => r.name).filter((n) => n.startsWith("answers.")));
    counter.textContent = `${names.size} / ${total}`;
  };
  form.addEventListener("change", update);
  update();
}
