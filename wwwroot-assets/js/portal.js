// Small browser helpers the Blazor components call through JS interop.
window.portal = {
  // Remembered per browser; read server-side on the next request so the first paint has the right theme.
  setTheme(dark) {
    document.cookie = "portal-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
  },
  async copy(text) {
    await navigator.clipboard.writeText(text);
  },
};
