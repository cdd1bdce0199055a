// Sign-off after inactivity, seen from the page: warn before the server's idle limit, then clear
// the screen and go to the sign-in page, so a shared front-desk screen shows nothing left behind.
// Reads data-idle-seconds / data-idle-warn-seconds / data-idle-signout-url from <body>.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!idleSeconds) {
    return;
  }
  var warnSeconds = parseInt(body.getAttribute("data-idle-warn-seconds"), 10) || 0;
  var signoutUrl = body.getAttribute("data-idle-signout-url");
  var warning = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var stayForm = document.getElementById("idle-stay");
  // One second past the server's limit, so the next request finds the session expired.
  var deadline;
  var ticker = null;

  function signOff() {
    window.clearInterval(ticker);
    document.title = "";
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    window.location.replace(signoutUrl);
  }

  function tick() {
    var left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      signOff();
      return;
    }
    if (warning && left <= warnSeconds) {
      warning.classList.remove("d-none");
      if (countdown) {
        countdown.textContent = String(left);
      }
    }
  }

  function restart() {
    deadline = Date.now() + (idleSeconds + 1) * 1000;
    if (warning) {
      warning.classList.add("d-none");
    }
    window.clearInterval(ticker);
    ticker = window.setInterval(tick, 1000);
  }

  if (stayForm) {
    stayForm.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(stayForm.action, {
        method: "POST",
        body: new FormData(stayForm),
        credentials: "same-origin",
        redirect: "manual",
      }).then(function (response) {
        if (response.status === 204) {
          restart();
        } else {
          signOff();
        }
      }, signOff);
    });
  }
  restart();
})();
