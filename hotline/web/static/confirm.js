// Forms that ask before they submit: <form data-confirm="…">. A script file rather than an
// inline onsubmit, which the Content-Security-Policy forbids.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
