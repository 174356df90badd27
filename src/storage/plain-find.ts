import { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, ValueTransformer } from "typeorm";
import { isPostgres, sql } from "./sql";

/**
 * Entities read with one plain statement and hydrated from the entity's own column metadata
 * (simple-json, booleans, transformers), as `find` hydrates them, relations left out. For reads
 * made per webhook batch or per send: TypeORM builds every `find` anew, and that building cost
 * several times the read itself.
 */
export async function plainFind<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  /** What follows `SELECT … FROM table`: a WHERE, ORDER BY or LIMIT with `?` placeholders, or "". */
  rest: string,
  params: unknown[] = [],
): Promise<T[]> {
  const reader = readerOf(manager.connection.getMetadata(entity), isPostgres(manager));
  const rows: Array<Record<string, unknown>> = await sql(manager, `${reader.select} ${rest}`, params);
  return rows.map(reader.hydrate) as T[];
}

type Reader = { select: string; hydrate(row: Record<string, unknown>): ObjectLiteral };
const readers = new WeakMap<EntityMetadata, Reader>();

function readerOf(metadata: EntityMetadata, postgres: boolean): Reader {
  let reader = readers.get(metadata);
  if (reader) return reader;
  const fields = metadata.columns.map((column) => ({
    property: column.propertyName,
    name: column.databaseName,
    from: hydrator(column.type, column.transformer, postgres),
  }));
  reader = {
    select: `SELECT ${fields.map(({ name }) => `"${name}"`).join(", ")} FROM "${metadata.tableName}"`,
    hydrate(row) {
      const entity = metadata.create() as Record<string, unknown>;
      for (const { property, name, from } of fields) entity[property] = from(row[name]);
      return entity;
    },
  };
  readers.set(metadata, reader);
  return reader;
}

/** Column types whose raw values are the entity's as they come (numbers and text on both databases). */
const AS_READ = new Set<unknown>([Number, String, "integer", "int", "bigint", "varchar", "text"]);

/**
 * As TypeORM's drivers hydrate a column (prepareHydratedValue): the type's conversion, then the
 * transformer. A type this does not know (dates, say) is refused when its entity is first read.
 */
function hydrator(
  type: unknown,
  transformer: ValueTransformer | ValueTransformer[] | undefined,
  postgres: boolean,
): (raw: unknown) => unknown {
  if (!AS_READ.has(type) && type !== "simple-json" && type !== "boolean") {
    throw new Error(`plainFind cannot hydrate a column of type ${typeof type === "function" ? type.name : String(type)}`);
  }
  const convert =
    type === "simple-json"
      ? (raw: unknown) => (typeof raw === "string" ? JSON.parse(raw) : raw)
      : type === "boolean" && !postgres
        ? (raw: unknown) => (raw === null || raw === undefined ? raw : Boolean(raw))
        : (raw: unknown) => raw;
  if (!transformer) return convert;
  const chain = Array.isArray(transformer) ? [...transformer].reverse() : [transformer];
  return (raw) => chain.reduce((value, each) => each.from(value), convert(raw));
}
