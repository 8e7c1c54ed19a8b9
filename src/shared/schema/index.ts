export * from './model'
export * from './target-rules'
