import type { ASTNode } from '@marcbachmann/cel-js'

/** Macros that loop over a list and bind a variable, so their cost grows with the list. */
export const COMPREHENSIONS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one', 'filter', 'map'])

/** Returns the direct sub-expressions of a node, in source order. */
export function childrenOf (node: ASTNode): ASTNode[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return []
    case '.':
    case '.?':
      return [node.args[0]]
    case 'call':
      return [...node.args[1]]
    case 'rcall':
      return [node.args[1], ...node.args[2]]
    case 'list':
      return [...node.args]
    case 'map':
      return node.args.flatMap(entry => [entry[0], entry[1]])
    case '!_':
    case '-_':
      return [node.args]
    default:
      return [...node.args as readonly ASTNode[]]
  }
}

/**
 * Returns the variable and field names of a plain selection such as `record.provenance.jurisdiction`
 * (`['record', 'provenance', 'jurisdiction']`), or undefined for any other expression.
 */
export function selectionPath (node: ASTNode): string[] | undefined {
  if (node.op === 'id') return [node.args]
  if (node.op !== '.') return undefined
  const parent = selectionPath(node.args[0])
  return parent === undefined ? undefined : [...parent, node.args[1]]
}

/** Visits a node and all nodes below it, parents first. */
export function walk (node: ASTNode, visit: (node: ASTNode) => void): void {
  visit(node)
  for (const child of childrenOf(node)) walk(child, visit)
}
