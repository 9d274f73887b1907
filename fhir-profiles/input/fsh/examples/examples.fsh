// Example instances that conform to the profiles. Tests load them from
// fhir-profiles/generated/examples/ and validate each against the profile in its
// meta.profile (SUSHI sets it from InstanceOf).

Alias: $example-sct = http://snomed.info/sct

// ---- Parties ------------------------------------------------------------------------

Instance: patient-example-personnummer
InstanceOf: SamvardPatient
Usage: #example
Title: "Tolvan Tolvansson, personnummer"
* identifier[personnummer].value = "191212121212"
* name.family = "Tolvansson"
* name.given = "Tolvan"
* gender = #male
* birthDate = "1912-12-12"

Instance: patient-example-samordningsnummer
InstanceOf: SamvardPatient
Usage: #example
Title: "Britta, samordningsnummer"
* identifier[samordningsnummer].value = "197010634231"
* name.family = "Andersson"
* name.given = "Britta"
* gender = #female

Instance: patient-example-leap-day
InstanceOf: SamvardPatient
Usage: #example
Title: "Född 29 februari 2000 / Born on 29 February 2000"
* identifier[personnummer].value = "200002291235"
* name.family = "Skottdag"

Instance: organization-example-region
InstanceOf: SamvardOrganization
Usage: #example
Title: "Vårdcentral i en region / A regional primary care centre"
* identifier[hsaId].value = "SE2321000016-15CQ"
* identifier[organisationsnummer].value = "2321000016"
* type[huvudman] = SamvardOrganizationKindCS#region "Region"
* name = "Vårdcentralen Solsidan"

Instance: organization-example-kommun
InstanceOf: SamvardOrganization
Usage: #example
Title: "Hemsjukvård i en kommun / Municipal home health care"
* identifier[hsaId].value = "SE2120000142-HSJV1"
* identifier[organisationsnummer].value = "2120000142"
* type[huvudman] = SamvardOrganizationKindCS#kommun "Kommun"
* name = "Hemsjukvården Norra"

Instance: organization-example-hemtjanst
InstanceOf: SamvardOrganization
Usage: #example
Title: "Hemtjänst i en kommun / Municipal home help"
* identifier[hsaId].value = "SE2120000142-HTJ7"
* type[huvudman] = SamvardOrganizationKindCS#kommun "Kommun"
* name = "Hemtjänsten Norra"

// ---- SIP ----------------------------------------------------------------------------

Instance: careteam-example-sip
InstanceOf: SamvardSipCareTeam
Usage: #example
Title: "SIP-deltagare / SIP participants"
* status = #active
* subject = Reference(Patient/patient-example-personnummer)
* participant[0].role = $example-sct#224535009 "Registered nurse"
* participant[0].member = Reference(Practitioner/sjukskoterska-1)
* participant[0].onBehalfOf = Reference(Organization/organization-example-kommun)
* participant[1].role = $example-sct#158965000 "Medical practitioner"
* participant[1].member = Reference(Practitioner/lakare-1)
* participant[1].onBehalfOf = Reference(Organization/organization-example-region)

Instance: careplan-example-sip
InstanceOf: SamvardCarePlan
Usage: #example
Title: "SIP efter stroke / SIP after a stroke"
* status = #active
* intent = #plan
* category[planType] = SamvardCarePlanTypeCS#SIP "Samordnad individuell plan"
* title = "SIP inför utskrivning"
* subject = Reference(Patient/patient-example-personnummer)
* period.start = "2026-11-20"
* author = Reference(Organization/organization-example-region)
* careTeam = Reference(CareTeam/careteam-example-sip)
* activity[0].detail.status = #scheduled
* activity[0].detail.description = "Sondmatning via nasogastrisk sond 3 gånger per dag"
* activity[0].detail.performer = Reference(Organization/organization-example-kommun)
* activity[1].detail.status = #scheduled
* activity[1].detail.description = "Läkemedelsgenomgång inom två veckor"
* activity[1].detail.performer = Reference(Organization/organization-example-region)

// ---- Vårdbegäran and HSL-uppdrag ----------------------------------------------------

Instance: servicerequest-example-vardbegaran
InstanceOf: SamvardVardbegaran
Usage: #example
Title: "Vårdbegäran: träningsprogram efter höftfraktur / Request: exercise programme after hip fracture"
* status = #active
* intent = #order
* category[kind] = SamvardServiceRequestKindCS#vardbegaran "Vårdbegäran"
* code = SamvardHslTaskKindCS#rehabilitation-exercise "Rehabiliteringsträning"
* subject = Reference(Patient/patient-example-personnummer)
* authoredOn = "2026-11-21T10:00:00+01:00"
* requester = Reference(Organization/organization-example-region)
* performer = Reference(Organization/organization-example-kommun)
* reasonCode = $example-sct#5913000 "Fracture of neck of femur"
* supportingInfo = Reference(Observation/observation-example-egenvardsbedomning)
* note.text = "Opererad för höftfraktur; demens. Träningsprogrammet kan inte utföras som egenvård."
* occurrenceTiming.repeat.frequency = 3
* occurrenceTiming.repeat.period = 1
* occurrenceTiming.repeat.periodUnit = #d

Instance: task-example-hsl-uppdrag
InstanceOf: SamvardHslUppdrag
Usage: #example
Title: "HSL-uppdrag till hemtjänsten, 3 gånger per dag / HSL task to home help, 3 times a day"
* extension[delegatedCare].valueBoolean = true
* extension[frequency].valueTiming.repeat.frequency = 3
* extension[frequency].valueTiming.repeat.period = 1
* extension[frequency].valueTiming.repeat.periodUnit = #d
* status = #requested
* intent = #order
* code = SamvardHslTaskKindCS#rehabilitation-exercise "Rehabiliteringsträning"
* description = "Träningsprogram efter höftfraktur enligt bifogat program"
* basedOn = Reference(ServiceRequest/servicerequest-example-vardbegaran)
* for = Reference(Patient/patient-example-personnummer)
* authoredOn = "2026-11-21T11:00:00+01:00"
* requester = Reference(Organization/organization-example-kommun)
* owner = Reference(Organization/organization-example-hemtjanst)

// ---- Observations -------------------------------------------------------------------

Instance: observation-example-egenvardsbedomning
InstanceOf: SamvardEgenvardsbedomning
Usage: #example
Title: "Egenvårdsbedömning: inte egenvård / Self-care assessment: not self-care"
* status = #final
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-21T09:30:00+01:00"
* performer = Reference(PractitionerRole/fysioterapeut-1)
* valueCodeableConcept = SamvardEgenvardOutcomeCS#halso-och-sjukvard "Hälso- och sjukvårdsåtgärd"
* component[measure].valueString = "Träningsprogram efter höftfraktur, 3 gånger per dag"
* component[performedBy].valueCodeableConcept = SamvardEgenvardPerformerCS#socialtjanst "Personal inom socialtjänsten"
* component[followUp].valueDateTime = "2027-02-21"

Instance: observation-example-blood-pressure
InstanceOf: SamvardBloodPressure
Usage: #example
Title: "Blodtryck 128/82 / Blood pressure 128/82"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#85354-9 "Blood pressure panel with all children optional"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* component[SystolicBP].code = $loinc#8480-6 "Systolic blood pressure"
* component[SystolicBP].valueQuantity = $ucum#mm[Hg] "mmHg"
* component[SystolicBP].valueQuantity.value = 128
* component[DiastolicBP].code = $loinc#8462-4 "Diastolic blood pressure"
* component[DiastolicBP].valueQuantity = $ucum#mm[Hg] "mmHg"
* component[DiastolicBP].valueQuantity.value = 82

Instance: observation-example-heart-rate
InstanceOf: SamvardHeartRate
Usage: #example
Title: "Puls 72 / Heart rate 72"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#8867-4 "Heart rate"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#/min "/min"
* valueQuantity.value = 72

Instance: observation-example-oxygen-saturation
InstanceOf: SamvardOxygenSaturation
Usage: #example
Title: "Syremättnad 96 % / SpO2 96 %"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#2708-6 "Oxygen saturation in Arterial blood"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Patient/patient-example-personnummer)
* valueQuantity = $ucum#% "%"
* valueQuantity.value = 96

Instance: observation-example-body-temperature
InstanceOf: SamvardBodyTemperature
Usage: #example
Title: "Temperatur 37,2 °C / Temperature 37.2 °C"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#8310-5 "Body temperature"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#Cel "°C"
* valueQuantity.value = 37.2

Instance: observation-example-respiratory-rate
InstanceOf: SamvardRespiratoryRate
Usage: #example
Title: "Andningsfrekvens 16 / Respiratory rate 16"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#9279-1 "Respiratory rate"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#/min "/min"
* valueQuantity.value = 16

Instance: observation-example-body-weight
InstanceOf: SamvardBodyWeight
Usage: #example
Title: "Vikt 71,5 kg / Weight 71.5 kg"
* status = #final
* category[VSCat] = $obscat#vital-signs
* code = $loinc#29463-7 "Body weight"
* subject = Reference(Patient/patient-example-personnummer)
* effectiveDateTime = "2026-11-22T08:00:00+01:00"
* performer = Reference(Organization/organization-example-hemtjanst)
* valueQuantity = $ucum#kg "kg"
* valueQuantity.value = 71.5
