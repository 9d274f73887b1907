Profile: SamvardSipCareTeam
Parent: CareTeam
Id: samvard-sip-careteam
Title: "Deltagare i samordnad plan (CareTeam)"
Description: """
Deltagarna i en SIP eller annan samordnad plan: personer och enheter från minst två vård- eller omsorgsgivare.
/ The participants in a SIP or other coordinated plan: people and units from at least two care providers.
"""
* insert SamvardMetadata
* obeys samvard-careteam-1
* subject 1..1
* subject only Reference(Patient)
* participant 2..*
* participant.member 1..1
* participant.role 1..*

Invariant: samvard-careteam-1
Description: "Deltagarna ska komma från minst två vård- eller omsorgsgivare (participant.onBehalfOf eller en Organization som member). / The participants must come from at least two care providers (participant.onBehalfOf, or an Organization as member)."
Expression: "(participant.onBehalfOf.reference | participant.onBehalfOf.identifier.value | participant.member.where(reference.startsWith('Organization/') or type = 'Organization').reference).count() >= 2"
Severity: #error

Profile: SamvardCarePlan
Parent: CarePlan
Id: samvard-careplan
Title: "Samordnad plan, t.ex. SIP (CarePlan)"
Description: """
En samordnad plan (SIP, SPU, vårdplan m.fl.) med typ enligt RIV-TA, patient, period, författare, deltagare från flera vårdgivare och aktiviteter som var och en har en ansvarig.
/ A coordinated plan (SIP, SPU, care plan, ...) with its RIV-TA type, patient, period, author, participants from several care providers, and activities that each name the party responsible.
"""
* insert SamvardMetadata
* category 1..*
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "coding.system"
* category ^slicing.rules = #open
* category contains planType 1..1
* category[planType] ^short = "Plantyp (SIP, SPU, VP, GP, RP, HP, SVP, SPLPTLRV)"
* category[planType] from SamvardCarePlanTypeVS (required)
* category[planType].coding 1..*
* category[planType].coding.system = "https://samvard.se/fhir/CodeSystem/care-plan-type" (exactly)
* subject only Reference(Patient)
* period 1..1
* period.start 1..1
* author 1..1
* author only Reference(Organization or PractitionerRole or Practitioner or CareTeam)
* careTeam 1..*
* careTeam only Reference(SamvardSipCareTeam)
* careTeam ^short = "Deltagarna från de olika vårdgivarna / The participants from the care providers"
* activity 1..*
* activity obeys samvard-careplan-1
* activity.reference 0..0
* activity.detail 1..1
* activity.detail.performer 1..*
* activity.detail.performer ^short = "Ansvarig part / The party responsible"

Invariant: samvard-careplan-1
Description: "Varje aktivitet ska beskriva vad som ska göras (detail.code eller detail.description). / Every activity must say what is to be done (detail.code or detail.description)."
Expression: "detail.code.exists() or detail.description.exists()"
Severity: #error

Extension: SamvardCareTeamActiveTask
Id: samvard-care-team-active-task
Title: "Aktivt HSL-uppdrag för deltagaren"
Description: """
På en deltagare i ett vårdteam som samvard för: ett HSL-uppdrag som håller deltagaren aktiv. När det sista avslutas, misslyckas, avbryts eller tas bort slutar deltagarens period (docs/workflow.md).
/ On a participant of a care team samvard maintains: an HSL task that keeps the participant active. When the last one completes, fails, is cancelled or deleted, the participant's period ends.
"""
* insert SamvardMetadata
* ^context[0].type = #element
* ^context[0].expression = "CareTeam.participant"
* value[x] 1..1
* value[x] only Reference(Task)
