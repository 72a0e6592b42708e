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
