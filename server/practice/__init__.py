"""AI interview practice: sets, consent, live recording over WebRTC, reports."""
