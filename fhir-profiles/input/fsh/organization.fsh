Profile: SamvardOrganization
Parent: Organization
Id: samvard-organization
Title: "Vårdgivare, omsorgsgivare eller enhet (Organization)"
Description: """
En vård- eller omsorgsgivare eller en enhet med HSA-id, gärna organisationsnummer, och om den hör till en region eller en kommun.
/ A care provider or unit with an HSA-id, preferably an organisationsnummer, and whether it belongs to a region or a municipality.
"""
* insert SamvardMetadata
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier contains
    hsaId 1..1 and
    organisationsnummer 0..1
* identifier[hsaId] ^short = "HSA-id"
* identifier[hsaId] ^definition = "HSA-id för vårdgivaren eller enheten. / The HSA-id of the care provider or unit."
* identifier[hsaId].system 1..1
* identifier[hsaId].system = $hsaid (exactly)
* identifier[hsaId].value 1..1
* identifier[hsaId] obeys se-hsaid-format
* identifier[organisationsnummer] ^short = "Organisationsnummer"
* identifier[organisationsnummer].system 1..1
* identifier[organisationsnummer].system = $orgnr (exactly)
* identifier[organisationsnummer].value 1..1
* identifier[organisationsnummer] obeys se-orgnr-format and se-orgnr-luhn
* type 1..*
* type ^slicing.discriminator.type = #value
* type ^slicing.discriminator.path = "coding.system"
* type ^slicing.rules = #open
* type contains huvudman 1..1
* type[huvudman] ^short = "Region, kommun eller privat utförare"
* type[huvudman] from SamvardOrganizationKindVS (required)
* type[huvudman].coding 1..*
* type[huvudman].coding.system = "https://samvard.se/fhir/CodeSystem/organization-kind" (exactly)
* name 1..1

Invariant: se-hsaid-format
Description: "Ett HSA-id är SE, organisationsnumret (10 siffror), bindestreck och ett suffix, t.ex. SE2321000016-15CQ. / An HSA-id is SE, the organisationsnummer (10 digits), a hyphen and a suffix, e.g. SE2321000016-15CQ."
Expression: "value.exists() implies value.matches('^SE[0-9]{10}-[A-Za-z0-9]{1,18}$')"
Severity: #error

Invariant: se-orgnr-format
Description: "Ett organisationsnummer ska ha exakt 10 siffror utan bindestreck. / An organisationsnummer must be exactly 10 digits with no hyphen."
Expression: "value.exists() implies value.matches('^[0-9]{10}$')"
Severity: #error

Invariant: se-orgnr-luhn
Description: "Organisationsnumrets sista siffra är en kontrollsiffra (Luhn) som inte stämmer. / The last digit of the organisationsnummer is a check digit (Luhn) and it is wrong."
Expression: "iif(value.matches('^[0-9]{10}$'), ((value.substring(0,1).toInteger() * 2 div 10 + value.substring(0,1).toInteger() * 2 mod 10) + value.substring(1,1).toInteger() + (value.substring(2,1).toInteger() * 2 div 10 + value.substring(2,1).toInteger() * 2 mod 10) + value.substring(3,1).toInteger() + (value.substring(4,1).toInteger() * 2 div 10 + value.substring(4,1).toInteger() * 2 mod 10) + value.substring(5,1).toInteger() + (value.substring(6,1).toInteger() * 2 div 10 + value.substring(6,1).toInteger() * 2 mod 10) + value.substring(7,1).toInteger() + (value.substring(8,1).toInteger() * 2 div 10 + value.substring(8,1).toInteger() * 2 mod 10) + value.substring(9,1).toInteger()) mod 10 = 0, true)"
Severity: #error
