// Service worker (in progress)
export {}
