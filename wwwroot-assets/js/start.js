// The first page of rows is in the server's HTML. Deferred scripts run before the browser's first frame
// whenever the whole document has arrived, so the rows would wait for Blazor's and MudBlazor's start-up
// (~40 ms on two cores). This tiny script starts them one frame later instead, in the order given.
(function (sources) {
  let started = false;
  function start() {
    if (started) return;
    started = true;
    for (const src of sources) {
      const script = document.createElement("script");
      script.src = src;
      script.async = false;
      document.body.appendChild(script);
    }
  }
  requestAnimationFrame(() => setTimeout(start, 0));
  // A hidden tab gets no frames.
  setTimeout(start, 250);
})(document.currentScript.dataset.sources.split(" "));
