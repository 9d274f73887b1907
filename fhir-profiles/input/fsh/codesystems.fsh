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

// The access rules and the access log (functions/access/, docs/access.md).

CodeSystem: SamvardSvodConsentCS
Id: svod-consent
Title: "Samtycke och spärr enligt SVOD"
Description: """
Vilken sorts Consent enligt lag (2022:913) om sammanhållen vård- och omsorgsdokumentation (SVOD) en patient har gett, i Consent.category; åtkomstreglerna läser de aktiva (docs/access.md).
/ Which kind of Consent under the Swedish act on shared health and social care documentation (SVOD, 2022:913) a patient has given, in Consent.category; the access rules read the active ones (docs/access.md).
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #samtycke "Samtycke" "Patientens samtycke till att vård- eller omsorgsgivaren eller enheten som provision.actor namnger (roll IRCP) tar del av patientens dokumentation hos andra vårdgivare: en aktiv Consent med provision.type permit, under provision.period om den finns, släpper igenom läsning (regeln consent) när läsaren också har en aktuell vårdrelation, dvs. är aktiv deltagare i patientens CareTeam. / The patient's consent to the care provider or unit named in provision.actor (role IRCP) reading the patient's documentation held by other providers: an active Consent with provision.type permit, within provision.period when given, allows the read (rule consent) when the reader also has a current care relationship, i.e. is an active participant of the patient's CareTeam."
* #sparr "Spärr" "Patientens spärr av den dokumentation som vård- eller omsorgsgivaren eller enheten i provision.actor har gjort: en aktiv Consent med provision.type deny, under provision.period om den finns, döljer den för alla andra vårdgivare (regeln blocked), också vid samtycke och vid nödåtkomst; dokumentatören läser alltid sin egen. En nästlad provision av typ permit med period.end lyfter spärren tillfälligt för den läsare den namnger. Bara patienten själv ändrar eller tar bort en spärr. / The patient's block on the documentation made by the care provider or unit in provision.actor: an active Consent with provision.type deny, within provision.period when given, hides it from every other provider (rule blocked), even with consent and in emergency access; the documenting provider always reads its own. A nested permit provision with a period.end lifts the block for the reader it names until then. Only the patient changes or removes a block."

ValueSet: SamvardSvodConsentVS
Id: svod-consent
Title: "Samtycke och spärr enligt SVOD"
Description: "Samtycke eller spärr (Consent.category). / Consent or block (Consent.category)."
* insert SamvardMetadata
* include codes from system SamvardSvodConsentCS

CodeSystem: SamvardAuditAgentCS
Id: audit-agent
Title: "Aktör i åtkomstloggen"
Description: """
Vem en aktör (AuditEvent.agent.type) i samvards åtkomstlogg är: den som begärde åtkomsten och vårdgivaren och enheten den gjordes för (docs/access.md, avsnitt 4).
/ Who an agent (AuditEvent.agent.type) in samvard's access log is: whoever asked for the access, and the care provider and unit it was made for (docs/access.md, section 4).
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #professional "Personal" "Personen som gjorde åtkomsten, med HSA-id (who.identifier, urn:oid:1.2.752.29.4.19) ur användartokenets hsa_professional; den som begärde åtkomsten (requestor) och den enda som kan begära nödåtkomst. / The person who made the access, by HSA-id from the user token's hsa_professional; the requestor, and the only one who can ask for emergency access."
* #client "Klientsystem" "OAuth-klienten anropet kom från (who.identifier med systemet urn:ietf:params:oauth:client-id, altId tokenets subjekt); den som begärde åtkomsten när ingen person eller patient gjorde det (systemtoken). / The OAuth client the request came from (who.identifier with system urn:ietf:params:oauth:client-id, altId the token's subject); the requestor when no person or patient made it (system token)."
* #patient "Patienten" "Patienten själv med patienttoken (who Patient/<id>); den som begärde åtkomsten. Patienten läser bara sin egen journal och sin egen logg. / The patient with a patient token (who Patient/<id>); the requestor. A patient reads only their own record and its log."
* #care-provider "Vård- eller omsorgsgivare" "Vård- eller omsorgsgivaren åtkomsten gjordes för, med HSA-id ur tokenets hsa_care_provider: egen dokumentation, samtycke och spärr avgörs för den, och den läser loggen över sina egna åtkomster (regeln own-log, loggkontroll). / The care provider the access was made for, by HSA-id from the token's hsa_care_provider: own documentation, consent and block are decided for it, and it reads the log of its own accesses (rule own-log, log follow-up)."
* #care-unit "Vård- eller omsorgsenhet" "Enheten åtkomsten gjordes från, med HSA-id ur tokenets hsa_care_unit; ett samtycke, en spärr eller en vårdrelation som namnger enheten gäller den. / The care unit the access was made from, by HSA-id from the token's hsa_care_unit; a consent, block or care relationship naming the unit holds for it."

ValueSet: SamvardAuditAgentVS
Id: audit-agent
Title: "Aktör i åtkomstloggen"
Description: "Personal, klientsystem, patient, vårdgivare eller enhet (AuditEvent.agent.type). / Professional, client, patient, care provider or unit (AuditEvent.agent.type)."
* insert SamvardMetadata
* include codes from system SamvardAuditAgentCS

CodeSystem: SamvardAuditFlagCS
Id: audit-flag
Title: "Markeringar i åtkomstloggen"
Description: """
Markeringar (meta.tag) på en AuditEvent i samvards åtkomstlogg, för loggkontrollen (docs/access.md, avsnitt 4).
/ Tags (meta.tag) on an AuditEvent in samvard's access log, for log follow-up (docs/access.md, section 4).
"""
* insert SamvardMetadata
* ^caseSensitive = true
* ^content = #complete
* #emergency-access "Nödåtkomst begärd" "Anropet begärde nödåtkomst med ett skäl (rubriken Samvard-Emergency-Access eller tokenets emergency_reason, bara med användartoken); varje AuditEvent för anropet får markeringen och purposeOfEvent ETREAT med skälet som text. Nödåtkomst ger läsning utan vårdrelation och samtycke (regeln emergency), men aldrig förbi en spärr och aldrig rätt att ändra. / The request asked for emergency access with a reason (the Samvard-Emergency-Access header or the token's emergency_reason, user tokens only); every AuditEvent of the request carries this tag and purposeOfEvent ETREAT with the reason as text. Emergency access allows reading without care relationship and consent (rule emergency), but never past a block and never a right to change."
* #emergency-access-used "Nödåtkomst använd" "Något ur patientens journal visades bara tack vare nödåtkomsten: regeln emergency avgjorde, och utan den hade det varit dolt. / Something of the patient's record was shown only because of emergency access: the rule emergency decided, and without it the resource would have been hidden."

ValueSet: SamvardAuditFlagVS
Id: audit-flag
Title: "Markeringar i åtkomstloggen"
Description: "Nödåtkomst begärd eller använd (AuditEvent.meta.tag). / Emergency access asked for or used (AuditEvent.meta.tag)."
* insert SamvardMetadata
* include codes from system SamvardAuditFlagCS
