import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime'
import type { ToolName } from '../domain/callOutcome.js'

const object = (properties: Record<string, { type: 'string'; description: string }> = {}, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
})

/**
 * The functions the agent may call, as the model is told of them. What each one records is
 * decided in domain/callOutcome.ts (decideToolCall), which names them (ToolName).
 */
export const AGENT_TOOLS: Array<RealtimeFunctionTool & { name: ToolName }> = [
  {
    type: 'function',
    name: 'confirm_order',
    description: 'The customer confirmed the order as read to them.',
    parameters: object(),
  },
  {
    type: 'function',
    name: 'cancel_order',
    description: 'The customer does not want the order.',
    parameters: object({ reason: { type: 'string', description: 'Why, in the customer’s own words.' } }, ['reason']),
  },
  {
    type: 'function',
    name: 'request_changes',
    description: 'The customer wants something changed: the address, the items, the delivery time.',
    parameters: object({ details: { type: 'string', description: 'What they want changed, in their words.' } }, ['details']),
  },
  {
    type: 'function',
    name: 'request_callback',
    description: 'The customer asked to be called again later.',
    parameters: object({ when: { type: 'string', description: 'The time they asked for, 24-hour HH:MM in their time zone, or "later".' } }, ['when']),
  },
  {
    type: 'function',
    name: 'wrong_number',
    description: 'The person who answered is not the customer, or the number is wrong.',
    parameters: object(),
  },
  {
    type: 'function',
    name: 'end_call',
    description: 'End the call, after you have said goodbye.',
    parameters: object(),
  },
]
