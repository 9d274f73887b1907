// Negative examples: each breaks one rule of the profile its meta.profile names. They are
// instances of the base type so SUSHI does not refuse them; tests expect each to fail with
// the message listed in tests/profiles/examples.test.ts.

RuleSet: InvalidExample(profile)
* meta.profile = "https://samvard.se/fhir/StructureDefinition/{profile}"

// ---- Patient ------------------------------------------------------------------------

Instance: invalid-patient-pnr-check-digit
InstanceOf: Patient
Usage: #example
Description: "Fel kontrollsiffra / Wrong check digit"
* insert InvalidExample(samvard-patient)
* identifier.system = $personnummer
* identifier.value = "191212121213"

Instance: invalid-patient-pnr-30-february
InstanceOf: Patient
Usage: #example
Description: "30 februari (kontrollsiffran stämmer) / 30 February (the check digit is right)"
* insert InvalidExample(samvard-patient)
* identifier.system = $personnummer
* identifier.value = "202302301235"

Instance: invalid-patient-pnr-11-digits
InstanceOf: Patient
Usage: #example
Description: "11 siffror / 11 digits"
* insert InvalidExample(samvard-patient)
* identifier.system = $personnummer
* identifier.value = "19121212121"

Instance: invalid-patient-pnr-hyphen
InstanceOf: Patient
Usage: #example
Description: "Med bindestreck / With a hyphen"
* insert InvalidExample(samvard-patient)
* identifier.system = $personnummer
* identifier.value = "19121212-1212"

Instance: invalid-patient-snr-day-without-60
InstanceOf: Patient
Usage: #example
Description: "Samordningsnummer utan +60 på dagen / Samordningsnummer without +60 on the day"
* insert InvalidExample(samvard-patient)
* identifier.system = $samordningsnummer
* identifier.value = "197010034234"

Instance: invalid-patient-two-personnummer
InstanceOf: Patient
Usage: #example
Description: "Två personnummer / Two personnummer"
* insert InvalidExample(samvard-patient)
* identifier[0].system = $personnummer
* identifier[0].value = "191212121212"
* identifier[1].system = $personnummer
* identifier[1].value = "200002291235"

// ---- Organization -------------------------------------------------------------------

Instance: invalid-organization-no-hsaid
InstanceOf: Organization
Usage: #example
Description: "Saknar HSA-id / No HSA-id"
* insert InvalidExample(samvard-organization)
* identifier.system = $orgnr
* identifier.value = "2321000016"
* type = SamvardOrganizationKindCS#region
* name = "Vårdcentralen utan HSA-id"

Instance: invalid-organization-orgnr-check-digit
InstanceOf: Organization
Usage: #example
Description: "Organisationsnummer med fel kontrollsiffra / Organisationsnummer with a wrong check digit"
* insert InvalidExample(samvard-organization)
* identifier[0].system = $hsaid
* identifier[0].value = "SE2321000016-15CQ"
* identifier[1].system = $orgnr
* identifier[1].value = "2321000017"
* type = SamvardOrganizationKindCS#region
* name = "Vårdcentralen Solsidan"

Instance: invalid-organization-unknown-kind
InstanceOf: Organization
Usage: #example
Description: "Okänd huvudman / Unknown kind of principal"
* insert InvalidExample(samvard-organization)
* identifier.system = $hsaid
* identifier.value = "SE2321000016-15CQ"
// SUSHI refuses unknown codes of our own code systems in one assignment; set them apart.
* type.coding.system = "https://samvard.se/fhir/CodeSystem/organization-kind"
* type.coding.code = #landsting
* name = "Vårdcentralen Solsidan"

// ---- CareTeam and CarePlan ----------------------------------------------------------

Instance: invalid-careteam-one-provider
InstanceOf: CareTeam
Usage: #example
Description: "Alla deltagare från samma vårdgivare / Every participant from the same care provider"
* insert InvalidExample(samvard-sip-careteam)
* subject = Reference(Patient/patient-example-personnummer)
* participant[0].role.text = "Sjuksköterska"
* participant[0].member = Reference(Practitioner/sjukskoterska-1)
* participant[0].onBehalfOf = Reference(Organization/organization-example-kommun)
* participant[1].role.text = "Arbetsterapeut"
* participant[1].member = Reference(Practitioner/arbetsterapeut-1)
* participant[1].onBehalfOf = Reference(Organization/organization-example-kommun)

RuleSet: SipCarePlanBody
* status = #active
* intent = #plan
* subject = Reference(Patient/patient-example-personnummer)
* period.start = "2026-11-20"
* author = Reference(Organization/organization-example-region)
* careTeam = Reference(CareTeam/careteam-example-sip)

Instance: invalid-careplan-unknown-type
InstanceOf: CarePlan
Usage: #example
Description: "Plantyp som inte finns i RIV-TA / A plan type RIV-TA does not have"
* insert InvalidExample(samvard-careplan)
* insert SipCarePlanBody
* category.coding.system = "https://samvard.se/fhir/CodeSystem/care-plan-type"
* category.coding.code = #XYZ
* activity.detail.status = #scheduled
* activity.detail.description = "Hembesök"
* activity.detail.performer = Reference(Organization/organization-example-kommun)

Instance: invalid-careplan-activity-without-performer
InstanceOf: CarePlan
Usage: #example
Description: "Aktivitet utan ansvarig / An activity without a party responsible"
* insert InvalidExample(samvard-careplan)
* insert SipCarePlanBody
* category = https://samvard.se/fhir/CodeSystem/care-plan-type#SIP
* activity.detail.status = #scheduled
* activity.detail.description = "Hembesök"

// ---- ServiceRequest -----------------------------------------------------------------

RuleSet: VardbegaranBody
* status = #active
* category = SamvardServiceRequestKindCS#vardbegaran
* code = SamvardHslTaskKindCS#wound-care
* subject = Reference(Patient/patient-example-personnummer)
* authoredOn = "2026-11-21T10:00:00+01:00"
* requester = Reference(Organization/organization-example-region)
* performer = Reference(Organization/organization-example-kommun)
* reasonCode.text = "Bensår"

Instance: invalid-servicerequest-intent-plan
InstanceOf: ServiceRequest
Usage: #example
Description: "intent plan i stället för order / intent plan instead of order"
* insert InvalidExample(samvard-vardbegaran)
* insert VardbegaranBody
* intent = #plan
* note.text = "Sårvård varannan dag"

Instance: invalid-servicerequest-no-medical-information
InstanceOf: ServiceRequest
Usage: #example
Description: "Saknar medicinsk information / No medical information"
* insert InvalidExample(samvard-vardbegaran)
* insert VardbegaranBody
* intent = #order

// ---- Task ---------------------------------------------------------------------------

RuleSet: HslTaskBody
* status = #requested
* intent = #order
* for = Reference(Patient/patient-example-personnummer)
* authoredOn = "2026-11-21T11:00:00+01:00"
* requester = Reference(Organization/organization-example-kommun)
* owner = Reference(Organization/organization-example-hemtjanst)

Instance: invalid-task-based-on-careplan
InstanceOf: Task
Usage: #example
Description: "basedOn bara en CarePlan, ingen ServiceRequest / basedOn only a CarePlan, no ServiceRequest"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* extension[0].url = "https://samvard.se/fhir/StructureDefinition/samvard-delegated-care"
* extension[0].valueBoolean = false
* code = SamvardHslTaskKindCS#wound-care
* basedOn = Reference(CarePlan/careplan-example-sip)

Instance: invalid-task-no-delegated-care
InstanceOf: Task
Usage: #example
Description: "Anger inte om det är delegerad vård / Does not say whether it is delegated care"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* code = SamvardHslTaskKindCS#wound-care
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)

Instance: invalid-task-unknown-kind
InstanceOf: Task
Usage: #example
Description: "Okänd typ av HSL-uppdrag / Unknown kind of HSL task"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* extension[0].url = "https://samvard.se/fhir/StructureDefinition/samvard-delegated-care"
* extension[0].valueBoolean = true
* code.coding.system = "https://samvard.se/fhir/CodeSystem/hsl-task-kind"
* code.coding.code = #hair-cut
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)

Instance: invalid-task-delegated-care-not-boolean
InstanceOf: Task
Usage: #example
Description: "Delegerad vård som text / Delegated care as text"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* extension[0].url = "https://samvard.se/fhir/StructureDefinition/samvard-delegated-care"
* extension[0].valueString = "ja"
* code = SamvardHslTaskKindCS#wound-care
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)

Instance: invalid-task-rejected-without-reason
InstanceOf: Task
Usage: #example
Description: "Avvisat utan orsak / Rejected without a reason"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* status = #rejected
* extension[0].url = "https://samvard.se/fhir/StructureDefinition/samvard-delegated-care"
* extension[0].valueBoolean = true
* code = SamvardHslTaskKindCS#wound-care
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)

Instance: invalid-task-status-draft
InstanceOf: Task
Usage: #example
Description: "Status draft ingår inte i livscykeln / Status draft is not in the lifecycle"
* insert InvalidExample(samvard-hsl-uppdrag)
* insert HslTaskBody
* status = #draft
* extension[0].url = "https://samvard.se/fhir/StructureDefinition/samvard-delegated-care"
* extension[0].valueBoolean = true
* code = SamvardHslTaskKindCS#wound-care
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)

// ---- Observations -------------------------------------------------------------------

Instance: invalid-observation-egenvard-no-performer
InstanceOf: Observation
Usage: #example
Description: "Egenvårdsbedömning utan uppgift om vem som utför egenvården / Self-care assessment that does not say who performs it"
* insert InvalidExample(samvard-egenvardsbedomning)
* status = #final
* code = SamvardObservationCodeCS#egenvardsbedomning
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-21T09:30:00+01:00"
* performer = Reference(PractitionerRole/fysioterapeut-1)
* valueCodeableConcept = SamvardEgenvardOutcomeCS#egenvard
* component[0].code = SamvardObservationCodeCS#egenvard-atgard
* component[0].valueString = "Stödstrumpor morgon och kväll"

Instance: invalid-observation-blood-pressure-unit
InstanceOf: Observation
Usage: #example
Description: "Blodtryck i mmHg i stället för UCUM mm[Hg] / Blood pressure in mmHg instead of UCUM mm[Hg]"
* insert InvalidExample(samvard-blood-pressure)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#85354-9
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* component[0].code = $loinc#8480-6
* component[0].valueQuantity = $ucum#mmHg "mmHg"
* component[0].valueQuantity.value = 128
* component[1].code = $loinc#8462-4
* component[1].valueQuantity = $ucum#mm[Hg] "mmHg"
* component[1].valueQuantity.value = 82

Instance: invalid-observation-blood-pressure-no-diastolic
InstanceOf: Observation
Usage: #example
Description: "Blodtryck utan diastoliskt värde / Blood pressure without a diastolic value"
* insert InvalidExample(samvard-blood-pressure)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#85354-9
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* component[0].code = $loinc#8480-6
* component[0].valueQuantity = $ucum#mm[Hg] "mmHg"
* component[0].valueQuantity.value = 128

Instance: invalid-observation-heart-rate-string
InstanceOf: Observation
Usage: #example
Description: "Puls som text / Heart rate as text"
* insert InvalidExample(samvard-heart-rate)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#8867-4
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueString = "72 slag/min"

Instance: invalid-observation-temperature-fahrenheit
InstanceOf: Observation
Usage: #example
Description: "Temperatur i Fahrenheit / Temperature in Fahrenheit"
* insert InvalidExample(samvard-body-temperature)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#8310-5
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#[degF] "°F"
* valueQuantity.value = 99.1

Instance: invalid-observation-weight-no-performer
InstanceOf: Observation
Usage: #example
Description: "Vikt utan uppgift om vem som mätte / Weight without who measured it"
* insert InvalidExample(samvard-body-weight)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#29463-7
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* valueQuantity = $ucum#kg "kg"
* valueQuantity.value = 71.5

Instance: invalid-observation-oxygen-saturation-fraction
InstanceOf: Observation
Usage: #example
Description: "Syremättnad som bråktal i stället för procent / SpO2 as a fraction instead of percent"
* insert InvalidExample(samvard-oxygen-saturation)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#2708-6
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Patient/patient-example-personnummer)
* valueQuantity = $ucum#1 "1"
* valueQuantity.value = 0.96

Instance: invalid-observation-respiratory-rate-no-patient
InstanceOf: Observation
Usage: #example
Description: "Andningsfrekvens utan patient / Respiratory rate without a patient"
* insert InvalidExample(samvard-respiratory-rate)
* status = #final
* category = $obscat#vital-signs
* code = $loinc#9279-1
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#/min "/min"
* valueQuantity.value = 16
