// Read-only shared review: comments and words seek the video.
import { wirePlayers } from "./player.js";

wirePlayers();

// Tests (and people on slow machines) can tell when the handlers are attached.
document.documentElement.dataset.reviewReady = "true";
