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

const out = { versions: {} };
for (const [version, v] of Object.entries(job.versions)) {
  const report = { compileErrors: [], disagreements: [], checked: 0, vocabulary: [], typescriptErrors: [] };
  const strict = job.strict;
  const sourceAjv = newAjv(strict);
  for (const [uri, doc] of Object.entries(v.sources)) {
    tryCompile(report, uri, () => sourceAjv.addSchema(doc));
    report.vocabulary.push(...vocabularyErrors(sourceAjv, uri, doc));
  }
  const sourceValidators = {};
  const bundleValidators = {};
  for (const [entity, uri] of Object.entries(v.entities)) {
    sourceValidators[entity] = tryCompile(report, `source ${entity}`, () => sourceAjv.getSchema(uri));
    const bundleAjv = newAjv(strict);
    bundleValidators[entity] = tryCompile(report, `bundle ${entity}`, () => bundleAjv.compile(v.bundles[entity]));
    report.vocabulary.push(...vocabularyErrors(bundleAjv, `bundle ${entity}`, v.bundles[entity]));
  }
  for (const c of v.cases) {
    for (const [kind, validators] of [["source", sourceValidators], ["bundle", bundleValidators]]) {
      const validate = validators[c.entity];
      if (!validate) continue;
      const ajvValid = validate(c.record);
      report.checked += 1;
      if (ajvValid !== c.valid) {
        const why = (validate.errors || []).map((e) => `${e.instancePath} ${e.message}`).slice(0, 3);
        report.disagreements.push(`${kind} ${c.id}: ccstd ${c.valid}, ajv ${ajvValid} ${why.join("; ")}`);
      }
    }
  }
  await typescript(version, v.bundles, v.cases, job.tsDir, report);
  out.versions[version] = report;
}
// a schema with a misused keyword deep inside: ajv must refuse it under the vocabulary
out.canaryRefused = vocabularyErrors(newAjv(job.strict), "canary", job.canary).length > 0;
out.unknownFormatValues = unknownFormatValues.slice(0, 20);
process.stdout.write(JSON.stringify(out));
