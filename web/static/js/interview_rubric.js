// The company's interview scorecard: add, remove, reorder and rename criteria, then save.
// A default criterion (e.g. "communication") is shown by its label; unless its text is edited
// it is saved under its key, so its Korean and English labels and earlier scores stay with it.
import { api, format, pageMessages } from "./app.js";

const messages = pageMessages();
const t = (key, params) => format(messages[key] || key, params);
const form = document.getElementById("rubric-form");
const list = document.getElementById("criteria-list");
const addButton = document.getElementById("rubric-add");
const status = document.getElementById("rubric-status");
const errorBox = form.querySelector(".form-error");
const maxCriteria = Number(list.dataset.max);
const maxChars = Number(list.dataset.maxChars);

function makeRow(criterion, label) {
  const row = document.createElement("li");
  row.className = "criterion-row";
  if (criterion) row.dataset.criterion = criterion;
  const labelNode = document.createElement("label");
  labelNode.className = "visually-hidden";
  const input = document.createElement("input");
  input.name = "criterion";
  input.maxLength = maxChars;
  input.required = true;
  input.value = label || "";
  input.dataset.original = label || "";
  const button = (text, attr, value, aria) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-quiet";
    b.textContent = text;
    b.setAttribute(attr, value);
    if (aria) { b.setAttribute("aria-label", aria); b.title = aria; }
    return b;
  };
  const controls = document.createElement("div");
  controls.className = "criterion-controls";
  controls.append(input,
    button("↑", "data-move", "-1", t("interviews.rubric_up")),
    button("↓", "data-move", "1", t("interviews.rubric_down")),
    button(t("interviews.rubric_remove"), "data-remove", ""));
  row.append(labelNode, controls);
  return row;
}

function renumber() {
  const rows = [...list.children];
  rows.forEach((row, i) => {
    const input = row.querySelector("input");
    input.id = `criterion-${i + 1}`;
    const label = row.querySelector("label");
    label.htmlFor = input.id;
    label.textContent = t("interviews.rubric_criterion", { n: i + 1 });
    row.querySelector('[data-move="-1"]').disabled = i === 0;
    row.querySelector('[data-move="1"]').disabled = i === rows.length - 1;
    row.querySelector("[data-remove]").disabled = rows.length === 1;
  });
  addButton.disabled = rows.length >= maxCriteria;
}

function criteria() {
  return [...list.children].map((row) => {
    const input = row.querySelector("input");
    const text = input.value.trim();
    // An untouched default criterion keeps its key (and so its translations and its scores).
    return row.dataset.criterion && text === input.dataset.original.trim() ? row.dataset.criterion : text;
  });
}

function clearMessages() {
  status.textContent = "";
  errorBox.hidden = true;
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const row = button.closest("li");
  if (button.hasAttribute("data-remove")) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (next) next.querySelector("input").focus();
  } else if (button.dataset.move === "-1" && row.previousElementSibling) {
    list.insertBefore(row, row.previousElementSibling);
    button.focus();
  } else if (button.dataset.move === "1" && row.nextElementSibling) {
    list.insertBefore(row.nextElementSibling, row);
    button.focus();
  }
  clearMessages();
  renumber();
});

addButton.addEventListener("click", () => {
  if (list.children.length >= maxCriteria) return;
  const row = makeRow("", "");
  list.append(row);
  renumber();
  row.querySelector("input").focus();
  clearMessages();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearMessages();
  try {
    const saved = await api("PUT", "/api/interviews/rubric", { criteria: criteria() });
    list.replaceChildren(...saved.criteria.map((c) => makeRow(c, saved.labels[c])));
    renumber();
    const defaultNote = document.querySelector('[data-testid="rubric-default"]');
    if (defaultNote) defaultNote.hidden = true;
    status.textContent = t("interviews.rubric_saved");
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }
});

renumber();
document.body.dataset.rubricReady = "1"; // for tests: handlers are bound
