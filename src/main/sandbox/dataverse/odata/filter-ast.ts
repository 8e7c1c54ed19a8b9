export type Literal =
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'null'; value: null }
  | { type: 'guid'; value: string }
  | { type: 'datetime'; value: string }
  | { type: 'date'; value: string }
  | { type: 'enum'; value: string; enumType: string }
  | { type: 'array'; value: Literal[] }

export type Operand = { k: 'prop'; path: string[] } | { k: 'lit'; lit: Literal }

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'

export type Expr =
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'cmp'; op: CompareOp; l: Operand; r: Operand }
  | { k: 'fn'; name: 'contains' | 'startswith' | 'endswith'; args: Operand[] }
  | { k: 'crm'; name: string; params: Record<string, Operand> }
  | { k: 'lambda'; nav: string; kind: 'any' | 'all'; variable?: string; body?: Expr }
