// Systems used across the profiles.
Alias: $personnummer = http://electronichealth.se/identifier/personnummer
Alias: $samordningsnummer = http://electronichealth.se/identifier/samordningsnummer
Alias: $hsaid = urn:oid:1.2.752.29.4.19
Alias: $orgnr = urn:oid:2.5.4.97
Alias: $loinc = http://loinc.org
Alias: $ucum = http://unitsofmeasure.org
Alias: $sct = http://snomed.info/sct
Alias: $obscat = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $task-status = http://hl7.org/fhir/task-status
