// The worker of the /worker route: counts and posts the count every 100 ms until terminated.
let count = 0
setInterval(() => postMessage(++count), 100)
