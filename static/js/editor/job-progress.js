// The admin's job page (templates/admin/jobs/job.html): while the job is queued or running, ask its status
// endpoint every second and show how far it is; when it ends, load the page again, which the server renders
// with the report (and, after a dry run, the confirm button). Text reaches the page through textContent only.
const root = document.querySelector("[data-job]");

function show(status) {
  const bar = root.querySelector("[data-job-progress]");
  const count = root.querySelector("[data-job-count]");
  const message = root.querySelector("[data-job-message]");
  const state = root.querySelector("[data-job-state]");
  if (bar && status.total > 0) {
    bar.max = status.total;
    bar.value = status.done;
  }
  if (count) count.textContent = status.total > 0 ? `${status.done} / ${status.total}` : "";
  if (message) message.textContent = status.message || "";
  if (state && status.state_label) state.textContent = status.state_label;
  const cancel = root.querySelector("[data-job-cancel]");
  if (cancel && status.cancel_requested) cancel.disabled = true;
}

async function poll() {
  try {
    const response = await fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.ok) {
      const status = await response.json();
      if (status.finished) {
        window.location.reload();
        return;
      }
      show(status);
    }
  } catch (error) {
    // The server did not answer this time (a restart, the network): ask again at the next tick.
  }
  window.setTimeout(poll, 1000);
}

if (root && root.dataset.finished !== "true") {
  window.setTimeout(poll, 500);
}
