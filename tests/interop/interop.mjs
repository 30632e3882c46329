// Runs the standard's schemas through tools written elsewhere, in one process for every schema:
// ajv (draft 2020-12 build, ajv-formats) compiles every source and bundled schema, validates every
// case, and checks every schema against the x-ccstd vocabulary meta-schema;
// json-schema-to-typescript writes a TypeScript module per bundled schema and a file that assigns
// every valid example to its type (tsc runs afterwards). Input: a job file written by the pytest
// harness (harness.py); output: a JSON report on stdout.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { compile } from "json-schema-to-typescript";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const vocabulary = job.vocabulary;
const unknownFormatValues = [];

// The snippet of docs/vocabulary.md, with the standard's domain formats answered from the table
// of verdicts the harness computed with ccstd (no tool outside ccstd implements them).
function newAjv(strict) {
  const ajv = new Ajv2020({ ...strict, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: Object.keys(vocabulary.properties), schemaType: ["string", "object"] });
  for (const [format, verdicts] of Object.entries(job.formats)) {
    ajv.addFormat(format, {
      type: "string",
      validate: (value) => {
        if (!(value in verdicts)) {
          unknownFormatValues.push([format, value.length]);
          return false;
        }
        return verdicts[value];
      },
    });
  }
  ajv.addMetaSchema(vocabulary);
  return ajv;
}

function tryCompile(report, name, make) {
  try {
    return make();
  } catch (error) {
    report.compileErrors.push(`${name}: ${error.message}`);
    return null;
  }
}

function vocabularyErrors(ajv, name, schema) {
  return ajv.validate(vocabulary.$id, schema)
    ? []
    : ajv.errors.map((e) => `${name}${e.instancePath}: ${e.message}`);
}

async function typescript(version, bundles, cases, outDir, report) {
  const dir = join(outDir, version);
  mkdirSync(dir, { recursive: true });
  const typed = new Set();
  const imports = [];
  for (const [entity, schema] of Object.entries(bundles)) {
    let code;
    try {
      // the root type is named after the root title: the entity's name, which the checks import;
      // additionalProperties defaults to false, as the schemas are closed (unevaluatedProperties)
      code = await compile({ ...structuredClone(schema), title: entity }, entity, {
        bannerComment: "",
        format: false,
        additionalProperties: false,
        unreachableDefinitions: false,
      });
    } catch (error) {
      report.typescriptErrors.push(`${entity}: ${error.message}`);
      continue;
    }
    if (!new RegExp(`^export (?:interface|type) ${entity}\\b`, "m").test(code)) {
      report.typescriptErrors.push(`${entity}: json-schema-to-typescript named no type ${entity}`);
      continue;
    }
    typed.add(entity);
    writeFileSync(join(dir, `${entity}.ts`), code);
    imports.push(`import type { ${entity} as ${entity}Type } from "./${entity}.js";`);
  }
  const lines = [...imports, ""];
  cases
    .filter((c) => c.valid && c.example && typed.has(c.entity))
    .forEach((c, i) => lines.push(`// ${c.id}`, `export const e${i}: ${c.entity}Type = ${JSON.stringify(c.record)};`));
  writeFileSync(join(dir, "check.ts"), lines.join("\n") + "\n");
}

// ajv 8 loses the properties evaluated by `properties` when a `dependentSchemas` beside
// `unevaluatedProperties: false` does not apply (ajv-validator/ajv#2483, open): the same schema
// with each dependentSchemas spelled as the equivalent `if {type: object, required: [p]} then S`
// isolates it. A disagreement that this spelling removes is reported as that gap, apart.
function withoutDependentSchemas(node) {
  if (Array.isArray(node)) return node.map(withoutDependentSchemas);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== "dependentSchemas") out[key] = withoutDependentSchemas(value);
  }
  if (node.dependentSchemas && typeof node.dependentSchemas === "object") {
    const conditions = Object.entries(node.dependentSchemas).map(([name, schema]) => ({
      if: { type: "object", required: [name] },
      then: withoutDependentSchemas(schema),
    }));
    out.allOf = [...(out.allOf || []), ...conditions];
  }
  return out;
}

function validators(v, strict, rewrite, report) {
  const sourceAjv = newAjv(strict);
  for (const [uri, doc] of Object.entries(v.sources)) {
    tryCompile(report, uri, () => sourceAjv.addSchema(rewrite(doc)));
  }
  const found = { source: {}, bundle: {} };
  for (const [entity, uri] of Object.entries(v.entities)) {
    found.source[entity] = tryCompile(report, `source ${entity}`, () => sourceAjv.getSchema(uri));
    const bundleAjv = newAjv(strict);
    found.bundle[entity] = tryCompile(report, `bundle ${entity}`, () => bundleAjv.compile(rewrite(v.bundles[entity])));
  }
  return found;
}

const out = { versions: {} };
for (const [version, v] of Object.entries(job.versions)) {
  const report = {
    compileErrors: [], disagreements: [], ajvDependentSchemasGap: [], checked: 0, vocabulary: [], typescriptErrors: [],
  };
  const checking = newAjv(job.strict);
  for (const [uri, doc] of Object.entries(v.sources)) {
    report.vocabulary.push(...vocabularyErrors(checking, uri, doc));
  }
  for (const [entity, bundle] of Object.entries(v.bundles)) {
    report.vocabulary.push(...vocabularyErrors(checking, `bundle ${entity}`, bundle));
  }
  const plain = validators(v, job.strict, (doc) => doc, report);
  let respelt = null;
  for (const c of v.cases) {
    for (const kind of ["source", "bundle"]) {
      const validate = plain[kind][c.entity];
      if (!validate) continue;
      const ajvValid = validate(c.record);
      report.checked += 1;
      if (ajvValid === c.valid) continue;
      const why = (validate.errors || []).map((e) => `${e.instancePath} ${e.message}`).slice(0, 3);
      const line = `${kind} ${c.id}: ccstd ${c.valid}, ajv ${ajvValid} ${why.join("; ")}`;
      respelt ??= validators(v, job.strict, withoutDependentSchemas, { compileErrors: [] });
      const again = respelt[kind][c.entity];
      (again && again(c.record) === c.valid ? report.ajvDependentSchemasGap : report.disagreements).push(line);
    }
  }
  await typescript(version, v.bundles, v.cases, job.tsDir, report);
  out.versions[version] = report;
}
// a schema with a misused keyword deep inside: ajv must refuse it under the vocabulary
out.canaryRefused = vocabularyErrors(newAjv(job.strict), "canary", job.canary).length > 0;
out.unknownFormatValues = unknownFormatValues.slice(0, 20);
process.stdout.write(JSON.stringify(out));
