// Interview pages: invitations and question sets (employer), responding and submitting
// (seeker), and reviewing (ratings, comments pinned to the video's current time, scorecard).
import { ApiError, api, csrfToken, format, pageMessages } from "./app.js";
import { wirePlayers } from "./player.js";

const $ = (selector, root = document) => root.querySelector(selector);
const messages = pageMessages();
const t = (key, params) => format(messages[key] || key, params);

function showError(form, error) {
  const box = $(".form-error", form);
  if (box) { box.textContent = error.message; box.hidden = false; }
}

function bind(form, build, after = () => location.reload()) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const [method, url, body] = build(form, event.submitter);
      await api(method, url, body);
      after(form);
    } catch (error) {
      showError(form, error);
    }
  });
}

const value = (form, name) => form.elements[name] ? form.elements[name].value : "";

const invite = $("#invite-form");
if (invite) {
  bind(invite, (form) => {
    const kind = value(form, "kind");
    const body = {
      seeker_email: value(form, "seeker_email"),
      kind,
      posting_id: value(form, "posting_id") ? Number(value(form, "posting_id")) : null,
      message: value(form, "message"),
      duration_min: Number(value(form, "duration_min") || 30),
    };
    if (kind === "live") body.scheduled_at = value(form, "when");
    else {
      body.deadline_at = value(form, "when");
      body.question_set_id = value(form, "question_set_id") ? Number(value(form, "question_set_id")) : null;
    }
    return ["POST", "/api/interviews/invitations", body];
  });
}

// The intro video goes up as the request body itself (streamed to disk by the server), not
// as a multipart form; the server checks it with PyAV and keeps the old one if it fails.
// A file over the cap (the input's data-max-mb) is refused here, before a byte is sent: the
// server would refuse it from its length and close, which a browser still sending may show
// as a network error rather than the message.
async function uploadIntroVideo(setId, file, input) {
  const maxMb = Number(input.dataset.maxMb);
  if (maxMb && file.size > maxMb * 1024 * 1024) {
    throw new ApiError(413, "intro_video_too_large", t("error.intro_video_too_large", { max_mb: maxMb }));
  }
  const type = file.type && file.type.startsWith("video/") ? file.type : "application/octet-stream";
  const response = await fetch(`/api/interviews/sets/${setId}/intro-video`, {
    method: "PUT", body: file, credentials: "same-origin",
    headers: { "Content-Type": type, "X-CSRF-Token": csrfToken() },
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText);
  }
  return data;
}

function setStatus(form, text) {
  const box = $(".form-status", form);
  if (box) box.textContent = text;
  const error = $(".form-error", form);
  if (error) error.hidden = true;
}

const setForm = $("#set-form");
if (setForm) {
  setForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = setForm;
    const shared = {
      think_time_s: Number(value(form, "think_time_s")),
      answer_limit_s: Number(value(form, "answer_limit_s")),
      max_retakes: Number(value(form, "max_retakes")),
    };
    const questions = value(form, "questions").split("\n").map((q) => q.trim()).filter(Boolean)
      .map((text) => ({ text, ...shared }));
    let created;
    try {
      created = await api("POST", "/api/interviews/sets", {
        title: value(form, "title"), language: value(form, "language"), questions,
        intro_message: value(form, "intro_message"), closing_message: value(form, "closing_message"),
      });
    } catch (error) {
      showError(form, error);
      return;
    }
    const file = form.elements.intro_video && form.elements.intro_video.files[0];
    if (file) {
      setStatus(form, t("interviews.intro_video_uploading"));
      try {
        await uploadIntroVideo(created.id, file, form.elements.intro_video);
      } catch (error) {
        setStatus(form, "");
        showError(form, { message: t("interviews.intro_video_set_created_failed", { reason: error.message }) });
        return;
      }
    }
    location.reload();
  });
}

for (const form of document.querySelectorAll(".intro-video-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.intro_video.files[0];
    if (!file) { showError(form, { message: t("interviews.intro_video_choose") }); return; }
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    setStatus(form, t("interviews.intro_video_uploading"));
    try {
      await uploadIntroVideo(form.dataset.set, file, form.elements.intro_video);
      location.reload();
    } catch (error) {
      setStatus(form, "");
      showError(form, error);
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

for (const button of document.querySelectorAll("[data-remove-intro]")) {
  button.addEventListener("click", async () => {
    const form = button.closest("form");
    try {
      await api("DELETE", `/api/interviews/sets/${button.dataset.removeIntro}/intro-video`);
      location.reload();
    } catch (error) {
      showError(form, error);
    }
  });
}

const respond = $("#respond-form");
if (respond) {
  bind(respond, (form, submitter) => ["POST", `/api/interviews/invitations/${form.dataset.invitation}/respond`, {
    action: submitter.value, note: value(form, "note"),
    companion: Boolean(form.elements.companion && form.elements.companion.checked),
  }]);
}

const submitButton = $("#submit-answers");
if (submitButton) {
  submitButton.addEventListener("click", async () => {
    await api("POST", `/api/interviews/invitations/${submitButton.dataset.invitation}/submit`);
    location.reload();
  });
}

for (const button of document.querySelectorAll("[data-explain]")) {
  button.addEventListener("click", async () => {
    await api("POST", `/api/interviews/answers/${button.dataset.explain}/explanation`, { kind: button.dataset.kind });
    location.reload();
  });
}

const statusForm = $("#status-form");
if (statusForm) {
  bind(statusForm, (form) => {
    const body = { status: value(form, "status"), note: value(form, "note") };
    if (body.status === "decided") body.decision = value(form, "decision");
    if (body.status === "invited") {
      if (form.dataset.kind === "live") body.scheduled_at = value(form, "when");
      else body.deadline_at = value(form, "when");
    }
    return ["POST", `/api/interviews/invitations/${form.dataset.invitation}/status`, body];
  });
}

for (const form of document.querySelectorAll(".rating-form")) {
  bind(form, (f) => ["PUT", `/api/interviews/answers/${f.dataset.answer}/rating`, { score: Number(value(f, "score")) }]);
}

for (const form of document.querySelectorAll(".pin-comment-form")) {
  bind(form, (f) => {
    const video = document.getElementById(f.dataset.video);
    return ["POST", `/api/interviews/answers/${f.dataset.answer}/comments`, {
      at_s: video ? Math.round(video.currentTime * 10) / 10 : 0, text: value(f, "text"),
    }];
  });
}

for (const form of document.querySelectorAll(".explain-form")) {
  bind(form, (f) => ["POST", `/api/interviews/explanations/${f.dataset.request}/answer`, { response: value(f, "response") }]);
}

wirePlayers(); // comment times seek and play the answer's video

const scorecard = $("#scorecard-form");
if (scorecard) {
  bind(scorecard, (form) => {
    const scores = {};
    for (const select of form.querySelectorAll("select")) if (select.value) scores[select.name] = Number(select.value);
    return ["PUT", `/api/interviews/invitations/${form.dataset.invitation}/scorecard`, { scores, notes: value(form, "notes") }];
  }, (form) => { $(".form-status", form).textContent = "✓"; });
}
document.body.dataset.interviewsReady = "1"; // for tests: handlers are bound
