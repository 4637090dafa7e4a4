// The dashboard page's only script: the server pushes the live part of the page, already rendered and
// escaped (scripts/dashboard/render.mjs), as a `state` event on /events; this swaps it in. EventSource
// reconnects by itself when the dev stack restarts.
const live = document.getElementById("live");
const events = new EventSource("/events");
events.addEventListener("state", (event) => {
  live.innerHTML = JSON.parse(event.data).html;
  document.body.dataset.connected = "true";
});
events.addEventListener("error", () => {
  document.body.dataset.connected = "false";
});
