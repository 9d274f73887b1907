Extension: SamvardDelegatedCare
Id: samvard-delegated-care
Title: "Delegerad vård"
Description: "Om HSL-uppdraget utförs som delegerad hälso- och sjukvård (true) eller inte (false). / Whether the HSL task is performed as delegated care (true) or not (false)."
* insert SamvardMetadata
* ^context[0].type = #element
* ^context[0].expression = "Task"
* value[x] 1..1
* value[x] only boolean

Extension: SamvardTaskFrequency
Id: samvard-task-frequency
Title: "Hur ofta"
Description: "Hur ofta uppdraget ska utföras, t.ex. 3 gånger per dag. / How often the task is to be performed, e.g. 3 times a day."
* insert SamvardMetadata
* ^context[0].type = #element
* ^context[0].expression = "Task"
* value[x] 1..1
* value[x] only Timing

Profile: SamvardHslUppdrag
Parent: Task
Id: samvard-hsl-uppdrag
Title: "HSL-uppdrag (Task)"
Description: """
Ett uppdrag att utföra en hälso- och sjukvårdsinsats, t.ex. från kommunrehab eller sjuksköterska till hemtjänsten, grundat på en vårdbegäran; anger utförande enhet, beställare, typ av insats, hur ofta och om det är delegerad vård.
/ An assignment to perform a health care task, e.g. from municipal rehab or a nurse to home help, based on a request; names the performing unit, the requester, the kind of task, how often, and whether it is delegated care.
"""
* insert SamvardMetadata
* obeys samvard-task-1 and samvard-task-2
* extension contains
    SamvardDelegatedCare named delegatedCare 1..1 and
    SamvardTaskFrequency named frequency 0..1
* status from SamvardHslTaskStatusVS (required)
* intent = #order (exactly)
* code 1..1
* code from SamvardHslTaskKindVS (required)
* basedOn 1..*
* basedOn only Reference(ServiceRequest or CarePlan)
* basedOn ^short = "Vårdbegäran uppdraget bygger på, och patientens plan (samvard lägger till planen) / The request the task is based on, and the patient's plan (samvard adds the plan)"
* focus only Reference(ServiceRequest)
* focus ^short = "Vårdbegäran (samvard sätter den om den saknas) / The request (samvard sets it when missing)"
* for 1..1
* for only Reference(Patient)
* authoredOn 1..1
* requester 1..1
* requester only Reference(Organization or PractitionerRole or Practitioner)
* owner 1..1
* owner only Reference(Organization or PractitionerRole or HealthcareService)
* owner ^short = "Utförande enhet / The performing unit"

Invariant: samvard-task-1
Description: "Ett avvisat HSL-uppdrag ska ange varför (statusReason). / A rejected HSL task must say why (statusReason)."
Expression: "status = 'rejected' implies statusReason.exists()"
Severity: #error

Invariant: samvard-task-2
Description: "Ett HSL-uppdrag ska bygga på en vårdbegäran (basedOn en ServiceRequest). / An HSL task must be based on a request (basedOn a ServiceRequest)."
Expression: "basedOn.where(reference.contains('ServiceRequest/') or type = 'ServiceRequest').exists()"
Severity: #error
