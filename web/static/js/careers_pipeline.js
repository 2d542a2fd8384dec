// 면접 초대 forms (the pipeline, talent cards, applicant rows): show the fields of the chosen
// interview type and disable the others, so careers_forms.js sends only what that type needs;
// where the form picks a posting, the request goes to that posting.
for (const form of document.querySelectorAll("form[data-interview-invite]")) {
  const sync = () => {
    const kind = form.querySelector("input[name=kind]:checked")?.value || "live";
    for (const section of form.querySelectorAll("[data-kind-only]")) {
      const on = section.dataset.kindOnly === kind;
      section.hidden = !on;
      for (const input of section.querySelectorAll("input, select, textarea")) input.disabled = !on;
    }
    const posting = form.querySelector("[data-interview-posting]");
    if (posting) form.dataset.api = `/api/careers/postings/${posting.value}/interview-invitations`;
  };
  form.addEventListener("change", sync);
  sync();
}
