// Small browser helpers the Blazor components call through JS interop.
window.portal = {
  // Remembered per browser; read server-side on the next request so the first paint has the right theme.
  setTheme(dark) {
    document.cookie = "portal-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  },
  async copy(text) {
    await navigator.clipboard.writeText(text);
  },
  // Saves text the server built (e.g. a CSV export) as a file, without a round trip through a URL.
  download(filename, contentType, text) {
    const url = URL.createObjectURL(new Blob([text], { type: contentType }));
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
};
