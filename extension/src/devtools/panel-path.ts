// The panel page for `devtools.panels.create`; Chrome resolves it from the extension's root. The
// Firefox build swaps this module for panel-path-firefox.ts.
export const panelPagePath = 'panel/panel.html'
