// Vital signs measured at home (egenmonitorering), built on the FHIR R4 vital signs
// profiles, which fix the LOINC codes and UCUM units; samvard adds the patient and who
// measured, and narrows units to those used in Sweden.

RuleSet: SamvardVitalSign
* insert SamvardMetadata
* subject only Reference(Patient)
* performer 1..*
* performer only Reference(Practitioner or PractitionerRole or Patient or RelatedPerson or Organization)
* performer ^short = "Vem som mätte (personal, patienten själv) / Who measured (staff, the patient)"

Profile: SamvardBloodPressure
Parent: http://hl7.org/fhir/StructureDefinition/bp
Id: samvard-blood-pressure
Title: "Blodtryck (Observation)"
Description: "Blodtryck med systoliskt och diastoliskt värde (LOINC 85354-9, 8480-6, 8462-4; mm[Hg]). / Blood pressure panel with systolic and diastolic values."
* insert SamvardVitalSign

Profile: SamvardHeartRate
Parent: http://hl7.org/fhir/StructureDefinition/heartrate
Id: samvard-heart-rate
Title: "Puls (Observation)"
Description: "Puls, slag per minut (LOINC 8867-4; /min). / Heart rate in beats per minute."
* insert SamvardVitalSign

Profile: SamvardOxygenSaturation
Parent: http://hl7.org/fhir/StructureDefinition/oxygensat
Id: samvard-oxygen-saturation
Title: "Syremättnad (Observation)"
Description: "Syremättnad, SpO2, i procent (LOINC 2708-6; %). / Oxygen saturation in percent."
* insert SamvardVitalSign

Profile: SamvardBodyTemperature
Parent: http://hl7.org/fhir/StructureDefinition/bodytemp
Id: samvard-body-temperature
Title: "Kroppstemperatur (Observation)"
Description: "Kroppstemperatur i grader Celsius (LOINC 8310-5; Cel). / Body temperature in degrees Celsius."
* insert SamvardVitalSign
* valueQuantity.code = #Cel (exactly)

Profile: SamvardRespiratoryRate
Parent: http://hl7.org/fhir/StructureDefinition/resprate
Id: samvard-respiratory-rate
Title: "Andningsfrekvens (Observation)"
Description: "Andetag per minut (LOINC 9279-1; /min). / Respiratory rate in breaths per minute."
* insert SamvardVitalSign

Profile: SamvardBodyWeight
Parent: http://hl7.org/fhir/StructureDefinition/bodyweight
Id: samvard-body-weight
Title: "Kroppsvikt (Observation)"
Description: "Kroppsvikt i kilogram (LOINC 29463-7; kg). / Body weight in kilograms."
* insert SamvardVitalSign
* valueQuantity.code = #kg (exactly)
