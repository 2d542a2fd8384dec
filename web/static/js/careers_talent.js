// The invitation form's target depends on the chosen posting.
for (const form of document.querySelectorAll("form[data-invite]")) {
  const select = form.querySelector("[data-invite-posting]");
  const sync = () => { form.dataset.api = `/api/careers/postings/${select.value}/invitations`; };
  select.addEventListener("change", sync); sync();
}
