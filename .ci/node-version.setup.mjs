// Vitest setup file of the core-node project: when .ci/node24.mjs asks for a Node major
// (LEAKSCOPE_EXPECT_NODE_MAJOR), fail loudly if the test worker runs on another one.
const expected = process.env.LEAKSCOPE_EXPECT_NODE_MAJOR
if (expected !== undefined && process.versions.node.split('.')[0] !== expected) {
  throw new Error(
    `Expected the test worker to run on Node ${expected}, got ${process.version} (${process.execPath}).`,
  )
}
