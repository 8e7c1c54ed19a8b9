export { compileFilter, evaluateFilter, startOfUtcDay, type FilterOptions, type RecordTest } from './evaluate'
export {
  translateFilter,
  quote,
  inList,
  inLists,
  chunkByLength,
  MAX_PUSHED_FILTER,
  type FilterTranslation,
  type TranslateOptions
} from './odata'
export { describeFilter } from './describe'
export { kindOfType, kindOfValue, resolveField, comparable, type Kind } from './kinds'
