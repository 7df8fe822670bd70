// An officer's session on a map page: the bearer token lives in this browser tab only
// (sessionStorage), and a small form in the page's panel logs in through POST /auth/token.
window.yizhanOfficer = (function () {
  var KEY = "yizhan-token";

  function token() { return sessionStorage.getItem(KEY); }

  function logout() { sessionStorage.removeItem(KEY); }

  // GET an officer endpoint as JSON; a 401 forgets the token and calls onExpired.
  function get(url, onExpired) {
    return fetch(url, {headers: {Authorization: "Bearer " + token()}}).then(function (r) {
      if (r.status === 401) { logout(); onExpired(); throw r; }
      return r.json();
    });
  }

  function escapeText(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  // Show the login form in `panel`; `t` has the words; `done` runs once logged in.
  function login(panel, base, t, done, message) {
    panel.innerHTML = "<b>" + t.login + "</b><form id='yz-login'>" +
      "<div><input name='username' placeholder='" + t.username + "' autocomplete='username'></div>" +
      "<div><input name='password' type='password' placeholder='" + t.password +
      "' autocomplete='current-password'></div><button type='submit'>" + t.submit +
      "</button><div class='yz-error'>" + escapeText(message || "") + "</div></form>";
    document.getElementById("yz-login").addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(base + "/auth/token", {method: "POST", body: new URLSearchParams(new FormData(e.target))})
        .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
        .then(function (answer) {
          if (!answer[0]) { login(panel, base, t, done, t.failed + ": " + answer[1].message); return; }
          sessionStorage.setItem(KEY, answer[1].access_token);
          done();
        });
    });
  }

  return {token: token, logout: logout, get: get, login: login, escapeText: escapeText};
})();
