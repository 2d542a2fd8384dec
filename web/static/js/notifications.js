// Notifications page: mark everything as read.
import { api } from "./app.js";

const button = document.getElementById("mark-all");
if (button) {
  button.addEventListener("click", async () => {
    await api("POST", "/api/notifications/read", {});
    location.reload();
  });
}

// Tests (and people on slow machines) can tell when the handlers are attached.
document.documentElement.dataset.notificationsReady = "true";
