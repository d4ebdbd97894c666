import { AGENT_PROTOCOL_VERSION } from 'leakscope/agent'
import { AGENT_PROTOCOL } from '../src/agent-protocol.js'
import { SUPPORTED_AGENT_PROTOCOLS } from '../src/bridge.js'
import { expect, test } from '@playwright/test'

test('the extension speaks the protocol of the agent it ships', () => {
  expect(AGENT_PROTOCOL).toBe(AGENT_PROTOCOL_VERSION)
  expect(SUPPORTED_AGENT_PROTOCOLS).toContain(AGENT_PROTOCOL_VERSION)
})
