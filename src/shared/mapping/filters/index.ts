export { compileFilter, evaluateFilter, startOfUtcDay, type FilterOptions, type RecordTest } from './evaluate'
export { translateFilter, quote, inList, type FilterTranslation, type TranslateOptions } from './odata'
export { describeFilter } from './describe'
export { kindOfType, kindOfValue, resolveField, comparable, type Kind } from './kinds'
