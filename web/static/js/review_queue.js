// Review queue: consultants claim open requests; admins assign them.
import { api, format, pageMessages } from "./app.js";

const messages = pageMessages();
const status = document.getElementById("queue-status");

function fail(error) {
  status.textContent = format(messages["review.error_saving"] || "{message}", { message: error.message });
  status.classList.add("alert", "alert-error");
}

for (const button of document.querySelectorAll("[data-claim]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `/api/review/requests/${button.dataset.claim}/claim`);
      location.href = `/review/${button.dataset.claim}`;
    } catch (error) {
      button.disabled = false;
      fail(error);
    }
  });
}

for (const form of document.querySelectorAll("form[data-assign]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const consultantId = Number(form.elements.consultant_id.value);
    try {
      await api("POST", `/api/review/requests/${form.dataset.assign}/assign`, { consultant_id: consultantId });
      location.reload();
    } catch (error) {
      fail(error);
    }
  });
}

// Tests (and people on slow machines) can tell when the handlers are attached.
document.documentElement.dataset.reviewReady = "true";
