import type { ColumnDataType, CreateTableBuilder, Expression, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DialectName } from '../index.js';

/** Column types that mean the same thing in all three dialects. */
export interface ColumnTypes {
  /** Fixed-size binary value (ids, keys, salts). */
  bin(size: number): ColumnDataType | Expression<unknown>;
  /** 0/1 flag. */
  flag: ColumnDataType;
  /** Millisecond timestamp or other 64-bit integer. */
  time: ColumnDataType;
  text(max: number): ColumnDataType | Expression<unknown>;
}

export function columnTypes(dialect: DialectName): ColumnTypes {
  return {
    bin: (size) => (dialect === 'postgres' ? 'bytea' : dialect === 'mysql' ? sql.raw(`varbinary(${size})`) : 'blob'),
    flag: 'smallint',
    time: 'bigint',
    text: (max) => sql.raw(`varchar(${max})`),
  };
}

/** MySQL/MariaDB may default to latin1 and case-insensitive collation; we need exact UTF-8. */
export function tableOptions<T extends string, C extends string>(
  dialect: DialectName,
  builder: CreateTableBuilder<T, C>,
): CreateTableBuilder<T, C> {
  return dialect === 'mysql' ? builder.modifyEnd(sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`) : builder;
}

export interface DialectMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}
