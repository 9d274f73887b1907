Profile: SamvardVardbegaran
Parent: ServiceRequest
Id: samvard-vardbegaran
Title: "Vårdbegäran eller ordination (ServiceRequest)"
Description: """
En vårdbegäran eller ordination från en regional enhet till en kommunal enhet: patient, beställare, utförare, orsak och den medicinska information kommunens sjuksköterska behöver.
/ A request for care or an order from a regional unit to a municipal unit: patient, requester, performer, reason, and the medical information the municipal nurse needs.
"""
* insert SamvardMetadata
* obeys samvard-sr-1 and samvard-sr-2
* intent = #order (exactly)
* category 1..*
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "coding.system"
* category ^slicing.rules = #open
* category contains kind 1..1
* category[kind] from SamvardServiceRequestKindVS (required)
* category[kind].coding 1..*
* category[kind].coding.system = "https://samvard.se/fhir/CodeSystem/service-request-kind" (exactly)
* code 1..1
* code from SamvardHslTaskKindVS (extensible)
* subject only Reference(Patient)
* requester 1..1
* requester only Reference(Organization or PractitionerRole or Practitioner)
* requester ^short = "Beställande enhet i regionen / The requesting regional unit"
* performer 1..*
* performer only Reference(Organization or PractitionerRole or CareTeam or HealthcareService)
* performer ^short = "Utförande enhet i kommunen / The performing municipal unit"
* authoredOn 1..1
* supportingInfo ^short = "Medicinsk information, t.ex. diagnoser, läkemedelslista, egenvårdsbedömning / Medical information"

Invariant: samvard-sr-1
Description: "En vårdbegäran ska ange orsak (reasonCode eller reasonReference). / A request must give its reason (reasonCode or reasonReference)."
Expression: "reasonCode.exists() or reasonReference.exists()"
Severity: #error

Invariant: samvard-sr-2
Description: "En vårdbegäran ska ge den medicinska information kommunens sjuksköterska behöver (supportingInfo eller note). / A request must carry the medical information the municipal nurse needs (supportingInfo or note)."
Expression: "supportingInfo.exists() or note.exists()"
Severity: #error
