// The seeker's side: request review, withdraw it, watch comments at their moments, reply once.
import { api, format, pageMessages } from "./app.js";
import { wirePlayers } from "./player.js";

const messages = pageMessages();
wirePlayers();

const requestForm = document.getElementById("request-form");
if (requestForm) {
  requestForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errorBox = document.getElementById("request-error");
    try {
      await api("POST", "/api/review/requests", {
        session_id: Number(requestForm.dataset.sessionId),
        target_job: requestForm.elements.target_job.value,
        message: requestForm.elements.message.value,
      });
      location.reload();
    } catch (error) {
      errorBox.textContent = format(messages["review.error_saving"], { message: error.message });
      errorBox.hidden = false;
    }
  });
}

for (const button of document.querySelectorAll("[data-withdraw]")) {
  button.addEventListener("click", async () => {
    if (!window.confirm(messages["review.confirm_withdraw"])) return;
    await api("POST", `/api/review/requests/${button.dataset.withdraw}/withdraw`);
    location.reload();
  });
}

for (const form of document.querySelectorAll("form[data-reply]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", `/api/review/comments/${form.dataset.reply}/reply`, { body: form.elements.body.value });
      location.reload();
    } catch (error) {
      window.alert(format(messages["review.error_saving"], { message: error.message }));
    }
  });
}

for (const button of document.querySelectorAll("[data-revoke-share]")) {
  button.addEventListener("click", async () => {
    if (!window.confirm(messages["review.confirm_revoke_share"])) return;
    try {
      await api("POST", `/api/review/my-shares/${button.dataset.revokeShare}/revoke`);
      location.reload();
    } catch (error) {
      window.alert(format(messages["review.error_saving"], { message: error.message }));
    }
  });
}

// Tests (and people on slow machines) can tell when the handlers are attached.
document.documentElement.dataset.reviewReady = "true";
