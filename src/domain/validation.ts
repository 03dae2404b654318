import type { z } from 'zod'

export interface FieldProblem {
  /** Dotted path of the offending field (`callingHours.start`), or '' for the whole value. */
  field: string
  message: string
}

/** The first problem zod found, named by the field that holds it (unknown keys included). */
export function firstProblem(error: z.ZodError): FieldProblem {
  const issue = error.issues[0]
  if (!issue) return { field: '', message: 'invalid' }
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as string[]) : []
  return {
    field: [...issue.path.map(String), ...keys.slice(0, 1)].join('.'),
    message: keys.length ? 'unknown field' : issue.message,
  }
}
