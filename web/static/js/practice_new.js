// Choosing a practice set: by job field, built from the bank and own questions, or from a posting.
import { api, ApiError, pageMessages } from "./app.js";

pageMessages();
const form = document.getElementById("practice-form");
const errorBox = document.getElementById("form-error");

function currentSource() {
  return form.querySelector('input[name="source"]:checked').value;
}

function showPanels() {
  const source = currentSource();
  for (const panel of form.querySelectorAll(".source-panel")) panel.hidden = panel.dataset.source !== source;
}
form.querySelectorAll('input[name="source"]').forEach((input) => input.addEventListener("change", showPanels));
showPanels();

function showError(error) {
  errorBox.textContent = error instanceof ApiError ? error.message : String(error);
  errorBox.hidden = false;
  errorBox.focus?.();
}

document.getElementById("posting-preview").addEventListener("click", async () => {
  errorBox.hidden = true;
  try {
    const result = await api("POST", "/api/practice/posting-questions", {
      title: form.posting_title.value, text: form.posting_text.value,
      language: form.language.value, count: Number(form.question_count.value) || 5,
    });
    const list = document.getElementById("posting-questions");
    list.replaceChildren(...result.questions.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  } catch (error) {
    showError(error);
  }
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const body = {
    source: currentSource(),
    language: form.language.value,
    think_time_s: Number(form.think_time_s.value),
    answer_limit_s: Number(form.answer_limit_s.value),
    max_retakes: Number(form.max_retakes.value),
    nudges_enabled: form.nudges_enabled.checked,
    question_count: Number(form.question_count.value) || 5,
  };
  if (body.source === "field") body.field = form.field.value;
  if (body.source === "custom") {
    body.question_ids = [...form.querySelectorAll('input[name="question_ids"]:checked')].map((input) => input.value);
    body.custom_questions = form.custom_questions.value.split("\n").map((line) => line.trim()).filter(Boolean);
  }
  if (body.source === "posting") {
    body.posting_title = form.posting_title.value;
    body.posting_text = form.posting_text.value;
  }
  try {
    const session = await api("POST", "/api/practice/sessions", body);
    location.href = `/practice/${session.id}`;
  } catch (error) {
    showError(error);
  }
});
