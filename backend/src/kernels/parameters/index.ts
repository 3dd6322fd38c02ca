/** Notebook parameters: infer specs from the `parameters` cell, validate request values, inject them safely. */
export type { JsonValue, ParamSpec, ParamType, PyValue } from './param-types';
export { PARAM_TYPES, isSafeIdentifier, toJson } from './param-types';
export { findParametersCell, inferParameters, inferFromSource, INJECTED_TAG, PARAMETERS_TAG } from './infer-parameters';
export { canonicalJson, validateParams } from './validate-params';
export { renderInjectedCell, pyLiteral } from './render-injected-cell';
export { injectParameters } from './inject-parameters';
