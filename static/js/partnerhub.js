// Page behaviour without inline handlers, so the Content-Security-Policy can forbid inline script.
document.addEventListener("change", (event) => {
  // The language menu applies the choice at once (its form has a Go button when JavaScript is off).
  if (event.target.matches("select[data-submit-on-change]")) {
    event.target.form.requestSubmit();
  }
});

document.addEventListener("click", (event) => {
  // "Copy to clipboard" buttons copy the text of the element named by data-copy-from.
  const button = event.target.closest("[data-copy-from]");
  if (button) {
    const source = document.getElementById(button.dataset.copyFrom);
    if (source) navigator.clipboard.writeText(source.value);
  }
});

document.addEventListener("htmx:beforeSwap", (event) => {
  // A throttled request (429) answers with the message alone: show it where the answer was going,
  // instead of htmx's default of dropping error responses.
  if (event.detail.xhr.status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
