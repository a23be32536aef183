// Live countdowns: <time class="countdown" datetime="ISO"> shows "in 12 min" or "12 min ago".
"use strict";
(function () {
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    var h = Math.floor(m / 60);
    m = m % 60;
    if (h < 24) return m ? h + " h " + m + " min" : h + " h";
    var d = Math.floor(h / 24);
    h = h % 24;
    return h ? d + " d " + h + " h" : d + " d";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      var late = ms < 0;
      el.querySelector(".rel").textContent = late ? span(ms) + " overdue" : "in " + span(ms);
      el.classList.toggle("breached", late);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
