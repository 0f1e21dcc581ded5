// The schema module: the schema file, the record validator, DDL, inference and existing tables.
export type { ColumnSpec, ColumnType, FieldError, SchemaSpec } from './types.js';
export { checkName, nameProblem, quoteIdent, MAX_NAME_LENGTH } from './names.js';
export { COLUMN_TYPES, loadSchemaFile, parseSchemaSpec, type ParseSchemaOptions } from './schema-file.js';
export { compileValidator, type Validator, type ValidationResult } from './compile-validator.js';
export { createTableStatements, indexName, sqlLiteral } from './to-ddl.js';
export { inferSchema, SchemaInference, type InferSample } from './infer.js';
export { SCHEMAS_TABLE, saveSchema, schemaFromTable, typeFromDeclared, withTableKeyRule } from './from-table.js';
