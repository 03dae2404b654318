import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isLeafType,
  Kind,
  parse,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql'

/**
 * The requested cost of an Admin GraphQL operation, by Shopify's published rules
 * (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): scalars and enums cost 0, an
 * object 1, a connection 2 plus its page size (`first`/`last`) times the cost of one of its
 * nodes (and its `pageInfo` once), and a mutation 10 for each root field. Fields skipped by `@include`/`@skip` cost nothing.
 * An operation that does not parse costs 0 (Shopify refuses it before charging).
 */
export function queryCostOf(schema: GraphQLSchema, source: string, variables: Record<string, unknown>, operationName?: string): number {
  let document: DocumentNode
  try {
    document = parse(source)
  } catch {
    return 0
  }
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d)
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName))
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0
  const argument = (field: FieldNode, name: string) => {
    const arg = field.arguments?.find((a) => a.name.value === name)
    return arg ? valueFromASTUntyped(arg.value, variables) : undefined
  }
  const included = (field: FieldNode) =>
    (field.directives ?? []).every((d) => {
      const condition = d.arguments?.find((a) => a.name.value === 'if')
      const value = condition ? valueFromASTUntyped(condition.value, variables) : true
      return d.name.value === 'include' ? value === true : d.name.value === 'skip' ? value !== true : true
    })

  const fieldsOf = (selectionSet: SelectionSetNode): FieldNode[] =>
    selectionSet.selections.flatMap((s) => {
      if (s.kind === Kind.FIELD) return included(s) ? [s] : []
      if (s.kind === Kind.INLINE_FRAGMENT) return fieldsOf(s.selectionSet)
      const fragment = fragments.get(s.name.value)
      return fragment ? fieldsOf(fragment.selectionSet) : []
    })

  const selectionCost = (type: GraphQLCompositeType, selectionSet: SelectionSetNode): number =>
    fieldsOf(selectionSet).reduce((sum, field) => {
      if (!('getFields' in type)) return sum + (field.selectionSet ? selectionCost(type, field.selectionSet) : 0)
      const definition = type.getFields()[field.name.value]
      if (!definition) return sum
      const named = getNamedType(definition.type)
      if (isLeafType(named) || !isCompositeType(named) || !field.selectionSet) return sum
      if (named.name.endsWith('Connection') && 'getFields' in named) {
        const size = Number(argument(field, 'first') ?? argument(field, 'last') ?? 0)
        // What is asked of the nodes (`nodes`, or `edges`' node) is paid once a node, at least 1;
        // the connection's other fields (`pageInfo`) once.
        let perNode = 0
        let once = 0
        for (const part of fieldsOf(field.selectionSet)) {
          const cost = selectionCost(named, { kind: Kind.SELECTION_SET, selections: [part] })
          if (part.name.value === 'nodes' || part.name.value === 'edges') perNode += cost
          else once += cost
        }
        return sum + 2 + size * Math.max(1, perNode) + once
      }
      return sum + 1 + selectionCost(named, field.selectionSet)
    }, 0)

  if (operation.operation === 'mutation') return fieldsOf(operation.selectionSet).length * 10
  const root = schema.getQueryType()
  return root ? selectionCost(root, operation.selectionSet) : 0
}
