Profile: SamvardEgenvardsbedomning
Parent: Observation
Id: samvard-egenvardsbedomning
Title: "Egenvårdsbedömning (Observation)"
Description: """
Bedömning av om en hälso- och sjukvårdsåtgärd kan utföras som egenvård: åtgärden, utfallet, vem som utför egenvården och vem som bedömt.
/ The assessment whether a health care measure can be performed as self-care: the measure, the outcome, who performs the self-care, and the assessor.
"""
* insert SamvardMetadata
* code = SamvardObservationCodeCS#egenvardsbedomning
* subject 1..1
* subject only Reference(Patient)
* effective[x] 1..1
* effective[x] only dateTime
* performer 1..*
* performer only Reference(Practitioner or PractitionerRole)
* performer ^short = "Bedömare (legitimerad yrkesutövare) / The assessor (licensed professional)"
* value[x] 1..1
* value[x] only CodeableConcept
* value[x] from SamvardEgenvardOutcomeVS (required)
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.rules = #open
* component contains
    measure 1..1 and
    performedBy 1..1 and
    followUp 0..1
* component[measure].code = SamvardObservationCodeCS#egenvard-atgard
* component[measure].value[x] 1..1
* component[measure].value[x] only CodeableConcept or string
* component[measure] ^short = "Åtgärden som bedömts / The measure assessed"
* component[performedBy].code = SamvardObservationCodeCS#egenvard-utforare
* component[performedBy].value[x] 1..1
* component[performedBy].value[x] only CodeableConcept
* component[performedBy].value[x] from SamvardEgenvardPerformerVS (required)
* component[performedBy] ^short = "Vem som utför egenvården / Who performs the self-care"
* component[followUp].code = SamvardObservationCodeCS#egenvard-uppfoljning
* component[followUp].value[x] 1..1
* component[followUp].value[x] only dateTime
