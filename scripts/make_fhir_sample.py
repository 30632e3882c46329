"""Write examples/vendors/fhir/clinic-export.json: a seeded, realistic-looking FHIR R4 transaction
Bundle from a community clinic (urn:uuid references, vital signs with components, labs, coded
immunizations), plus deliberately bad entries. Rerun only to change the sample on purpose."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

from stdnum.cn import ric

OUT = Path("examples/vendors/fhir/clinic-export.json")
RNG = random.Random(7)
FAMILY = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
GIVEN = ["秀英", "桂兰", "建国", "淑珍", "玉兰", "志强", "国华", "凤英", "德明", "丽华"]
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def uid() -> str:
    return str(uuid.UUID(int=RNG.getrandbits(128)))


def resident_id(birth: str) -> str:
    body = "110102" + birth.replace("-", "") + f"{RNG.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def entry(resource: dict) -> dict:  # type: ignore[type-arg]
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"]}}  # fmt: skip


def patient() -> dict:  # type: ignore[type-arg]
    birth = f"{RNG.randrange(1935, 1960)}-{RNG.randrange(1, 13):02d}-{RNG.randrange(1, 29):02d}"
    family, given = RNG.choice(FAMILY), RNG.choice(GIVEN)
    return {
        "resourceType": "Patient", "id": uid(),
        "identifier": [
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "NI"}]},
             "system": "urn:oid:2.16.156.10011.1.1", "value": resident_id(birth)},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
             "system": "urn:clinic:fuwai:mrn", "value": f"MRN{RNG.randrange(10**6):06d}"},
        ],
        "name": [{"use": "official", "family": family, "given": [given], "text": family + given}],
        "telecom": [{"system": "phone", "value": f"+86139{RNG.randrange(10**8):08d}", "use": "mobile"}],
        "gender": RNG.choice(["male", "female"]), "birthDate": birth,
        "address": [{"line": ["阜外西社区3号楼"], "city": "北京市", "district": "西城区", "postalCode": "100037", "country": "CN"}],
        "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]},
    }  # fmt: skip


def at(day: int, hour: int) -> str:
    return f"2024-04-{day:02d}T{hour:02d}:{RNG.randrange(60):02d}:00+08:00"


def encounter(pid: str, day: int) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Encounter", "id": uid(), "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": RNG.choice(["AMB", "HH"])},
            "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003", "display": "Encounter for check up"}]}],
            "subject": {"reference": f"urn:uuid:{pid}"}, "period": {"start": at(day, 9), "end": at(day, 10)}}  # fmt: skip


def blood_pressure(pid: str, eid: str, day: int) -> dict:  # type: ignore[type-arg]
    def component(code: str, display: str, value: int) -> dict:  # type: ignore[type-arg]
        return {"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                "valueQuantity": {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}}  # fmt: skip

    return {"resourceType": "Observation", "id": uid(), "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
            "subject": {"reference": f"urn:uuid:{pid}"}, "encounter": {"reference": f"urn:uuid:{eid}"},
            "effectiveDateTime": at(day, 9),
            "component": [component("8480-6", "Systolic blood pressure", RNG.randrange(110, 175)),
                          component("8462-4", "Diastolic blood pressure", RNG.randrange(65, 105))]}  # fmt: skip


def glucose(pid: str, eid: str, day: int) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Observation", "id": uid(), "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": "2345-7", "display": "Glucose [Mass/volume] in Serum or Plasma"}]},
            "subject": {"reference": f"urn:uuid:{pid}"}, "encounter": {"reference": f"urn:uuid:{eid}"},
            "effectiveDateTime": at(day, 8),
            "valueQuantity": {"value": round(RNG.uniform(4.2, 11.5), 1), "unit": "mmol/L", "system": UCUM, "code": "mmol/L"}}  # fmt: skip


def immunization(pid: str, day: int) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Immunization", "id": uid(), "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "141", "display": "Influenza, seasonal, injectable"}]},
            "patient": {"reference": f"urn:uuid:{pid}"}, "occurrenceDateTime": at(day, 11),
            "lotNumber": f"FL{RNG.randrange(10**4):04d}", "protocolApplied": [{"doseNumberPositiveInt": 1}]}  # fmt: skip


def condition(pid: str) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Condition", "id": uid(),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertensive disorder"}]},
            "subject": {"reference": f"urn:uuid:{pid}"}, "onsetDateTime": f"20{RNG.randrange(5, 20):02d}-06-01"}  # fmt: skip


def main() -> None:
    entries = []
    for _ in range(40):
        p = patient()
        entries.append(entry(p))
        entries.append(entry(condition(p["id"])))
        for day in RNG.sample(range(1, 29), 3):
            e = encounter(p["id"], day)
            entries += [
                entry(e),
                entry(blood_pressure(p["id"], e["id"], day)),
                entry(glucose(p["id"], e["id"], day)),
            ]
        entries.append(entry(immunization(p["id"], RNG.randrange(1, 29))))
        entries.append(entry({"resourceType": "Claim", "id": uid(), "status": "active"}))
    # deliberate problems: a vital sign with a status FHIR does not know, a lab result with no subject
    entries[5]["resource"]["status"] = "done"
    del entries[9]["resource"]["subject"]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    OUT.write_text(json.dumps(bundle, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(OUT, len(entries))


if __name__ == "__main__":
    main()
