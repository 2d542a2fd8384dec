// Review workspace: comments pinned to a time range, verdicts on automated scores, the rubric
// and submission, share links.
import { api, format, pageMessages } from "./app.js";
import { wirePlayers } from "./player.js";

const messages = pageMessages();
const config = JSON.parse(document.getElementById("review-config").textContent);
const base = `/api/review/requests/${config.request_id}`;
wirePlayers();

function errorText(error) {
  return format(messages["review.error_saving"] || "{message}", { message: error.message });
}

for (const form of document.querySelectorAll("form[data-comment-form]")) {
  const article = form.closest("article.answer");
  const video = article.querySelector("video");
  for (const button of form.querySelectorAll("[data-use-current]")) {
    button.addEventListener("click", () => {
      form.elements[button.dataset.useCurrent].value = video.currentTime.toFixed(1);
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const start = Number(form.elements.start_s.value);
    let end = Number(form.elements.end_s.value);
    if (end < start) end = start;
    try {
      await api("POST", `${base}/comments`, {
        answer_id: Number(form.dataset.answerId),
        start_s: start,
        end_s: end,
        category: form.elements.category.value,
        body: form.elements.body.value,
      });
      location.reload();
    } catch (error) {
      window.alert(errorText(error));
    }
  });
}

for (const button of document.querySelectorAll("[data-delete-comment]")) {
  button.addEventListener("click", async () => {
    await api("DELETE", `/api/review/comments/${button.dataset.deleteComment}`);
    location.reload();
  });
}

for (const form of document.querySelectorAll("form[data-verdict]")) {
  const status = form.querySelector(".verdict-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const choice = form.querySelector("input[name=agree]:checked");
    if (!choice) return;
    try {
      await api("PUT", `${base}/verdicts`, {
        answer_id: Number(form.dataset.answerId),
        score_key: form.dataset.scoreKey,
        agree: choice.value === "yes",
        reason: form.elements.reason.value,
      });
      status.textContent = messages["review.verdict_saved"];
    } catch (error) {
      status.textContent = errorText(error);
    }
  });
}

const submitForm = document.getElementById("submit-form");
if (submitForm) {
  const errorBox = document.getElementById("submit-error");
  submitForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const rubric = {};
    for (const key of config.criteria) {
      const checked = submitForm.querySelector(`input[name="rubric-${key}"]:checked`);
      if (checked) rubric[key] = Number(checked.value);
    }
    const summary = submitForm.elements.summary.value.trim();
    if (Object.keys(rubric).length !== config.criteria.length || !summary) {
      errorBox.textContent = messages["review.rubric_missing"];
      errorBox.hidden = false;
      return;
    }
    if (!window.confirm(messages["review.confirm_submit"])) return;
    try {
      await api("POST", `${base}/submit`, {
        rubric,
        summary,
        next_steps: [...submitForm.querySelectorAll("input[name=next_steps]:checked")].map((i) => i.value),
        next_steps_note: submitForm.elements.next_steps_note.value,
      });
      location.reload();
    } catch (error) {
      errorBox.textContent = errorText(error);
      errorBox.hidden = false;
    }
  });
}

const shareForm = document.getElementById("share-form");
if (shareForm) {
  shareForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("share-result");
    try {
      const link = await api("POST", `${base}/shares`, {
        expires_in_days: Number(shareForm.elements.days.value),
        label: shareForm.elements.label.value,
      });
      const url = new URL(link.url, location.origin).href;
      result.textContent = `${messages["review.share_created"]} `;
      const code = document.createElement("code");
      code.textContent = url;
      code.dataset.shareUrl = url;
      result.append(code);
      result.hidden = false;
    } catch (error) {
      result.textContent = errorText(error);
      result.hidden = false;
    }
  });
}

for (const button of document.querySelectorAll("[data-revoke]")) {
  button.addEventListener("click", async () => {
    await api("POST", `/api/review/shares/${button.dataset.revoke}/revoke`);
    location.reload();
  });
}

// Tests (and people on slow machines) can tell when the handlers are attached.
document.documentElement.dataset.reviewReady = "true";
