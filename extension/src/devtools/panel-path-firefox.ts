// Firefox build only: Firefox resolves `devtools.panels.create`'s page against the calling page
// (devtools/devtools.html), so the relative path would name devtools/panel/panel.html (a 404 in
// the panel; seen in Firefox 153). From the root, it is the same page as in Chrome.
export const panelPagePath = '/panel/panel.html'
