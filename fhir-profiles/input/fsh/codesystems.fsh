// samvard's own code systems. Display texts are Swedish; each concept's definition is
// Swedish / English.

CodeSystem: SamvardCarePlanTypeCS
Id: care-plan-type
Title: "Typ av vårdplan (RIV-TA TypeOfCarePlanEnum)"
Description: """
Typer av planer enligt RIV-TA TypeOfCarePlanEnum (clinicalprocess:logistics). / Care plan types as in the RIV-TA
TypeOfCarePlanEnum (clinicalprocess:logistics).
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #SIP "Samordnad individuell plan" "Samordnad individuell plan enligt HSL och SoL, mellan region och kommun. / Coordinated individual plan between region and municipality."
* #SPLPTLRV "Samordnad plan enligt LPT/LRV" "Samordnad vårdplan vid psykiatrisk tvångsvård och rättspsykiatrisk vård. / Coordinated plan under compulsory psychiatric and forensic psychiatric care."
* #SPU "Samordnad plan vid utskrivning" "Samordnad plan vid utskrivning från sluten hälso- och sjukvård. / Coordinated plan at discharge from inpatient care."
* #VP "Vårdplan" "Vårdplan. / Care plan."
* #HP "Habiliteringsplan" "Habiliteringsplan. / Habilitation plan."
* #RP "Rehabiliteringsplan" "Rehabiliteringsplan. / Rehabilitation plan."
* #GP "Genomförandeplan" "Genomförandeplan för insatser inom socialtjänsten. / Implementation plan for social services."
* #SVP "Standardiserad vårdplan" "Standardiserad vårdplan. / Standardised care plan."

ValueSet: SamvardCarePlanTypeVS
Id: care-plan-type
Title: "Typ av vårdplan"
Description: "Alla typer av planer i RIV-TA TypeOfCarePlanEnum. / Every care plan type in RIV-TA TypeOfCarePlanEnum."
* insert SamvardMetadata
* include codes from system SamvardCarePlanTypeCS

CodeSystem: SamvardOrganizationKindCS
Id: organization-kind
Title: "Huvudman"
Description: "Vilken sorts huvudman en vård- eller omsorgsgivare eller enhet hör till. / Which kind of principal a care provider or unit belongs to."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #region "Region" "Region: regional hälso- och sjukvård (sjukhus, vårdcentraler). / Region: regional health care (hospitals, primary care centres)."
* #kommun "Kommun" "Kommun: kommunal hälso- och sjukvård och omsorg (hemsjukvård, hemtjänst, särskilt boende, kommunrehab). / Municipality: municipal health and social care."
* #privat "Privat utförare" "Privat vård- eller omsorgsgivare på uppdrag av region eller kommun. / Private provider contracted by a region or municipality."

ValueSet: SamvardOrganizationKindVS
Id: organization-kind
Title: "Huvudman"
Description: "Region, kommun eller privat utförare. / Region, municipality or private provider."
* insert SamvardMetadata
* include codes from system SamvardOrganizationKindCS

CodeSystem: SamvardServiceRequestKindCS
Id: service-request-kind
Title: "Typ av begäran"
Description: "Vilken sorts begäran mellan vårdgivare en ServiceRequest är. / What kind of request between care providers a ServiceRequest is."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #vardbegaran "Vårdbegäran" "Begäran från region till kommun att utföra en hälso- och sjukvårdsåtgärd. / Request from a region to a municipality to perform a health care measure."
* #ordination "Ordination" "Läkares ordination, t.ex. före ett oplanerat hembesök. / A physician's order, e.g. before an unplanned home visit."

ValueSet: SamvardServiceRequestKindVS
Id: service-request-kind
Title: "Typ av begäran"
Description: "Vårdbegäran eller ordination. / Request for care or order."
* insert SamvardMetadata
* include codes from system SamvardServiceRequestKindCS

CodeSystem: SamvardHslTaskKindCS
Id: hsl-task-kind
Title: "Typ av HSL-uppdrag"
Description: "Hälso- och sjukvårdsuppgifter som lämnas över till kommunens personal, ofta som delegering. / Health care tasks handed over to municipal staff, often as delegated care."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #medication-administration "Läkemedelsadministrering" "Överlämnande eller administrering av läkemedel. / Handing over or administering medication."
* #wound-care "Sårvård" "Omläggning och skötsel av sår. / Wound dressing and care."
* #rehabilitation-exercise "Rehabiliteringsträning" "Träningsprogram enligt fysioterapeut eller arbetsterapeut. / Exercise programme set by a physiotherapist or occupational therapist."
* #vital-sign-measurement "Mätning av vitalparametrar" "Mätning av blodtryck, puls, syremättnad, temperatur, andningsfrekvens eller vikt. / Measuring blood pressure, pulse, SpO2, temperature, respiratory rate or weight."
* #blood-glucose-measurement "Blodsockermätning" "Mätning av blodsocker. / Measuring blood glucose."
* #tube-feeding "Sondmatning" "Nutrition via sond (t.ex. nasogastrisk sond eller PEG). / Feeding through a tube (e.g. nasogastric or PEG)."
* #catheter-stoma-care "Kateter- och stomivård" "Skötsel av urinkateter eller stomi. / Care of a urinary catheter or stoma."
* #compression-therapy "Kompressionsbehandling" "Stödstrumpor eller kompressionslindning. / Compression stockings or bandaging."
* #inhalation "Inhalation" "Hjälp med inhalationsbehandling. / Help with inhalation therapy."
* #other "Övrig HSL-insats" "Annan hälso- och sjukvårdsinsats; beskriv i Task.description. / Another health care task; describe it in Task.description."

ValueSet: SamvardHslTaskKindVS
Id: hsl-task-kind
Title: "Typ av HSL-uppdrag"
Description: "Alla typer av HSL-uppdrag. / Every kind of HSL task."
* insert SamvardMetadata
* include codes from system SamvardHslTaskKindCS

ValueSet: SamvardHslTaskStatusVS
Id: hsl-task-status
Title: "Status för HSL-uppdrag"
Description: """
Livscykeln för ett HSL-uppdrag: begärt → accepterat → pågår → avslutat, misslyckat, avvisat eller avbrutet; "ready" för uppdrag som inte gör utföraren till deltagare i vårdteamet (docs/workflow.md).
/ The HSL task lifecycle: requested → accepted → in progress → completed, failed, rejected or cancelled; "ready" for tasks that add nobody to the care team (docs/workflow.md).
"""
* insert SamvardMetadata
* $task-status#requested
* $task-status#received
* $task-status#accepted
* $task-status#rejected
* $task-status#ready
* $task-status#in-progress
* $task-status#on-hold
* $task-status#completed
* $task-status#failed
* $task-status#cancelled
* $task-status#entered-in-error

CodeSystem: SamvardObservationCodeCS
Id: observation-code
Title: "samvards observationskoder"
Description: "Koder för observationer som saknar en etablerad kod i LOINC eller SNOMED CT. / Codes for observations without an established LOINC or SNOMED CT code."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #egenvardsbedomning "Egenvårdsbedömning" "Bedömning av om en hälso- och sjukvårdsåtgärd kan utföras som egenvård (HSLF-FS 2021:52). / Assessment of whether a health care measure can be performed as self-care."
* #egenvard-atgard "Bedömd åtgärd" "Den åtgärd som bedömningen gäller. / The measure the assessment concerns."
* #egenvard-utforare "Utförare av egenvården" "Vem som utför egenvården. / Who performs the self-care."
* #egenvard-uppfoljning "Uppföljning" "När bedömningen ska följas upp. / When the assessment is to be followed up."

CodeSystem: SamvardEgenvardOutcomeCS
Id: egenvard-outcome
Title: "Utfall av egenvårdsbedömning"
Description: "Om åtgärden är egenvård eller hälso- och sjukvård. / Whether the measure is self-care or health care."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #egenvard "Egenvård" "Åtgärden kan utföras som egenvård. / The measure can be performed as self-care."
* #halso-och-sjukvard "Hälso- och sjukvårdsåtgärd" "Åtgärden kan inte utföras som egenvård; den är en hälso- och sjukvårdsåtgärd (t.ex. delegering). / The measure cannot be self-care; it is a health care measure (e.g. delegated care)."

ValueSet: SamvardEgenvardOutcomeVS
Id: egenvard-outcome
Title: "Utfall av egenvårdsbedömning"
Description: "Egenvård eller hälso- och sjukvårdsåtgärd. / Self-care or health care measure."
* insert SamvardMetadata
* include codes from system SamvardEgenvardOutcomeCS

CodeSystem: SamvardEgenvardPerformerCS
Id: egenvard-performer
Title: "Utförare av egenvård"
Description: "Vem som utför en egenvårdsåtgärd. / Who performs a self-care measure."
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #patient "Patienten själv" "Patienten utför åtgärden själv. / The patient performs the measure."
* #narstaende "Närstående" "En närstående hjälper patienten. / A relative or friend helps the patient."
* #socialtjanst "Personal inom socialtjänsten" "Personal inom socialtjänsten eller LSS, t.ex. hemtjänsten, hjälper patienten. / Social care staff, e.g. home help, help the patient."
* #skola "Personal i skola eller förskola" "Personal i skola eller förskola hjälper patienten. / School or preschool staff help the patient."
* #annan "Annan" "Någon annan hjälper patienten. / Someone else helps the patient."

ValueSet: SamvardEgenvardPerformerVS
Id: egenvard-performer
Title: "Utförare av egenvård"
Description: "Vem som utför egenvården. / Who performs the self-care."
* insert SamvardMetadata
* include codes from system SamvardEgenvardPerformerCS

CodeSystem: SamvardCareTeamRoleCS
Id: care-team-role
Title: "Roll i vårdteamet som samvard för"
Description: """
Varför en deltagare finns i det vårdteam samvard för utifrån HSL-uppdragen i en plan (docs/workflow.md). / Why a participant is in the care team samvard maintains from the HSL tasks of a plan.
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #patient "Patient" "Patienten planen gäller; alltid deltagare. / The patient the plan is for; always a participant."
* #plan-author "Planens författare" "Enheten som ansvarar för planen (CarePlan.author); alltid deltagare. / The unit responsible for the plan (CarePlan.author); always a participant."
* #task-owner "Utförare av HSL-uppdrag" "Enhet som accepterat ett HSL-uppdrag i planen; deltagare från accepterandet tills dess sista uppdrag avslutats eller misslyckats. / A unit that accepted an HSL task of the plan; a participant from the acceptance until its last task completes or fails."

ValueSet: SamvardCareTeamRoleVS
Id: care-team-role
Title: "Roll i vårdteamet som samvard för"
Description: "Roller i de vårdteam samvard för. / Roles in the care teams samvard maintains."
* insert SamvardMetadata
* include codes from system SamvardCareTeamRoleCS

CodeSystem: SamvardWorkflowCS
Id: workflow
Title: "samvards arbetsflöde: markeringar och regler"
Description: """
Markeringar (meta.tag) samvard sätter på det den för själv, och reglerna i tillståndsmaskinen för HSL-uppdrag, som ett nekat anrop namnger (OperationOutcome.issue.details.coding; docs/workflow.md).
/ Tags (meta.tag) samvard puts on what it maintains itself, and the rules of the HSL task state machine, which a refused request names (OperationOutcome.issue.details.coding).
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #maintained-care-team "Vårdteam som samvard för" "Ett CareTeam som samvard för utifrån HSL-uppdragen; klienter skriver det inte. / A CareTeam samvard maintains from the HSL tasks; clients do not write it."
* #created-for-task "Plan skapad för ett HSL-uppdrag" "En CarePlan som samvard skapade när ett HSL-uppdrag saknade plan. / A CarePlan samvard created when an HSL task had none."
* #transition-unknown "Okänd statusövergång" "Tabellen saknar övergången. / The table has no such transition."
* #transition-party "Fel part" "Övergången får bara göras av den part tabellen anger. / Only the party the table names may make the transition."
* #initial-status "Fel startstatus" "Ett uppdrag skapas som requested eller ready. / A task is created as requested or ready."
* #rejection-reason "Avvisning utan orsak" "Den som avvisar anger varför (statusReason). / A rejection says why (statusReason)."
* #immutable "Oföränderligt element" "Elementet ändras inte efter att uppdraget skapats. / The element does not change once the task exists."
* #owner-fixed "Utföraren är bestämd" "Utföraren byts bara innan uppdraget accepterats. / The owner changes only before the task is accepted."
* #not-a-party "Inte part i uppdraget" "Bara beställaren och utföraren ändrar uppdraget. / Only the requester and the owner change the task."
* #plan-not-usable "Planen kan inte användas" "Planen uppdraget bygger på finns inte, gäller en annan patient eller är avslutad. / The plan the task is based on does not exist, is for another patient, or has ended."

ValueSet: SamvardWorkflowVS
Id: workflow
Title: "samvards arbetsflöde"
Description: "Markeringar och regler i samvards arbetsflöde. / Tags and rules of samvard's workflow."
* insert SamvardMetadata
* include codes from system SamvardWorkflowCS
