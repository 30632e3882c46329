#!/usr/bin/env bash
# `make demo`: what ccstd does today, on the bundled sample data.
set -uo pipefail
out=demo-output
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "The standard: entities of the latest version" "ccstd schemas list"
ccstd schemas list || exit 2

step "Every valid example of standard 1.0.0 passes" "ccstd validate standard/examples/1.0.0 --include 'valid-*.json'"
ccstd validate standard/examples/1.0.0 --include 'valid-*.json' || exit 2

step "A messy vendor export: findings with file, line, pointer and record id" \
  "ccstd validate examples/validate/vendor-export.ndjson --check-references"
ccstd validate examples/validate/vendor-export.ndjson --check-references
status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1 (findings), got $status"; exit 2; }

step "Convert a clinic's FHIR export (pseudonymised with a demo key), then validate the result" \
  "ccstd convert examples/vendors/fhir --out $out/fhir.ndjson --rejects $out/fhir-rejects.ndjson --ledger $out/fhir-ledger.json"
CCSTD_PSEUDONYM_KEY=demo-key-not-a-secret-0123 ccstd convert examples/vendors/fhir \
  --out "$out/fhir.ndjson" --rejects "$out/fhir-rejects.ndjson" --ledger "$out/fhir-ledger.json"
[ $? -le 1 ] || exit 2
ccstd validate "$out/fhir.ndjson" || exit 2

step "Convert three vendors' access-control XML logs (dialects detected), then validate" \
  "ccstd convert examples/vendors/access-xml/FILE.xml --out $out/access-FILE.ndjson"
for log in examples/vendors/access-xml/*.xml; do
  name=$(basename "$log" .xml)
  CCSTD_PSEUDONYM_KEY=demo-key-not-a-secret-0123 ccstd convert "$log" \
    --out "$out/access-$name.ndjson" --rejects "$out/access-$name-rejects.ndjson"
  [ $? -le 1 ] || exit 2
done
ccstd validate "$out"/access-*.ndjson --exclude '*-rejects.ndjson' || exit 2

step "A new access-control vendor is a data file: check its dialect, convert with it, validate with references" \
  "ccstd adapters check examples/dialects/shencheng-gates.toml; ccstd convert examples/dialects/shencheng-gates.xml --dialect examples/dialects/shencheng-gates.toml"
ccstd adapters check examples/dialects/shencheng-gates.toml || exit 2
CCSTD_PSEUDONYM_KEY=demo-key-not-a-secret-0123 ccstd convert examples/dialects/shencheng-gates.xml \
  --dialect examples/dialects/shencheng-gates.toml --out "$out/dialect-shencheng.ndjson" || exit 2
ccstd validate "$out/dialect-shencheng.ndjson" --check-references || exit 2

step "Convert three platforms' order exports (Shopify, WooCommerce, Taobao), then validate with references" \
  "ccstd convert examples/vendors/orders/FILE --out $out/orders-FILE.ndjson"
for export in examples/vendors/orders/*; do
  name=$(basename "$export"); name=${name%.*}
  CCSTD_PSEUDONYM_KEY=demo-key-not-a-secret-0123 ccstd convert "$export" \
    --out "$out/orders-$name.ndjson" --rejects "$out/orders-$name-rejects.ndjson"
  [ $? -le 1 ] || exit 2
done
ccstd validate "$out"/orders-*.ndjson --exclude '*-rejects.ndjson' --check-references || exit 2

step "The same run for CI: JSON, JUnit and SARIF reports" "ccstd validate … --format sarif --output $out/findings.sarif"
for format in json junit sarif; do
  ccstd validate examples/validate/vendor-export.ndjson --check-references -q \
    --format "$format" --output "$out/findings.$format"
done
step "Certify three vendors against standard 1.0.0 (one passes; one breaks lifecycle rules; one leaks ID numbers)" \
  "ccstd certify examples/vendors/VENDOR --out $out/certify/VENDOR --signing-key …"
rm -rf "$out/certify" "$out/keys"
ccstd certify keygen --out "$out/keys" >/dev/null || exit 2
printf '%-16s %-8s %-10s %-9s %s\n' vendor verdict level findings report > "$out/verdicts.txt"
for vendor in linli-market swift-courier leaky-gate; do
  ccstd certify "examples/vendors/$vendor" --out "$out/certify/$vendor" \
    --signing-key "$out/keys/certify-signing.pem" -q
  status=$?
  [ "$status" -le 1 ] || exit 2
  python3 - "$out/certify/$vendor/report.json" "$vendor" >> "$out/verdicts.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
n = sum(r["summary"]["findings"].values())
print(f"{sys.argv[2]:<16} {r['verdict']:<8} {r['levelReached'] or 'none':<10} {n:<9} {sys.argv[1].replace('report.json', 'report.html')}")
PY
done
cat "$out/verdicts.txt"
ccstd certify verify "$out/certify/linli-market/certificate.json" \
  --public-key "$out/keys/certify-signing.pub.pem" --inputs examples/vendors/linli-market || exit 2

step "Publishing: what changed from 1.0.0 to 1.1.0, the release artifacts, generated models" \
  "ccstd diff 1.0.0 1.1.0; ccstd release 1.1.0 --dist $out/dist; ccstd codegen --version 1.1.0 …"
COLUMNS=140 ccstd diff 1.0.0 1.1.0 || exit 2
ccstd release 1.1.0 --dist "$out/dist" || exit 2
ccstd codegen --version 1.1.0 --out "$out/ccstd_models.py" || exit 2
(cd "$out" && python -c "import ccstd_models as m; print('models import:', len(m.Facility.model_fields), 'Facility fields')") || exit 2

step "Life circle: which services each community reaches on foot, and deliveries within the hour" \
  "ccstd lifecircle examples/lifecircle/records --network examples/lifecircle/district.osm --out $out/lifecircle"
ccstd lifecircle examples/lifecircle/records --network examples/lifecircle/district.osm \
  --out "$out/lifecircle" -q || exit 2
echo "life-circle report: $out/lifecircle/report.html"

step "What the demo wrote" "python scripts/demo_outputs.py $out"
python scripts/demo_outputs.py "$out" || exit 2
echo
echo "Demo done: the broken export exits 1 with the findings above; reports are in $out/;"
echo "certification reports (open report.html in a browser) are in $out/certify/."
