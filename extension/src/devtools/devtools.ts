// The DevTools page: runs once per DevTools window and adds the "Leakscope" panel.
chrome.devtools.panels.create('Leakscope', '', 'panel/panel.html', () => {
  void chrome.runtime.lastError
})
