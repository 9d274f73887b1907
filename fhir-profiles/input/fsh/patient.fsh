// Patient: personnummer and samordningsnummer as in the HL7 Sweden base profiles
// (http://hl7.se/fhir/ig/base), with invariants a vendor can act on: one per rule, so the
// message says which rule a number breaks (format, calendar date, check digit).

Profile: SamvardPatient
Parent: Patient
Id: samvard-patient
Title: "Patient (samvard)"
Description: """
Patient med personnummer eller samordningsnummer (12 siffror, giltigt datum, kontrollsiffra enligt Luhn).
/ A patient identified by a Swedish personnummer or samordningsnummer (12 digits, a real calendar date, a Luhn check digit).
"""
* insert SamvardMetadata
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Svenska personidentiteter / Swedish personal identity numbers"
* identifier contains
    personnummer 0..1 and
    samordningsnummer 0..1
* identifier[personnummer] ^short = "Personnummer (ÅÅÅÅMMDDNNNK)"
* identifier[personnummer] ^definition = "Personnummer enligt folkbokföringslagen, 12 siffror utan bindestreck. / Swedish personal identity number, 12 digits without a hyphen."
* identifier[personnummer].system 1..1
* identifier[personnummer].system = $personnummer (exactly)
* identifier[personnummer].value 1..1
* identifier[personnummer] obeys se-pnr-format and se-pnr-date and se-pnr-luhn
* identifier[samordningsnummer] ^short = "Samordningsnummer (ÅÅÅÅMM(DD+60)NNNK)"
* identifier[samordningsnummer] ^definition = "Samordningsnummer från Skatteverket: som personnummer men dagen plus 60. / Coordination number: like a personnummer with 60 added to the day."
* identifier[samordningsnummer].system 1..1
* identifier[samordningsnummer].system = $samordningsnummer (exactly)
* identifier[samordningsnummer].value 1..1
* identifier[samordningsnummer] obeys se-snr-format and se-snr-date and se-snr-luhn

Invariant: se-pnr-format
Description: "Ett personnummer ska ha exakt 12 siffror, ÅÅÅÅMMDDNNNK, utan bindestreck. / A personnummer must be exactly 12 digits, YYYYMMDDNNNC, with no hyphen."
Expression: "value.exists() implies value.matches('^[0-9]{12}$')"
Severity: #error

Invariant: se-pnr-date
Description: "Ett personnummer ska börja med ett verkligt datum ÅÅÅÅMMDD (t.ex. inte 30 februari). / A personnummer must start with a real calendar date YYYYMMDD (not, e.g., 30 February)."
Expression: "iif(value.matches('^[0-9]{12}$'), value.substring(4,2).toInteger() >= 1 and value.substring(4,2).toInteger() <= 12 and value.substring(6,2).toInteger() >= 1 and value.substring(6,2).toInteger() <= iif(value.substring(4,2).toInteger() = 2, iif((value.substring(0,4).toInteger() mod 4 = 0 and value.substring(0,4).toInteger() mod 100 != 0) or value.substring(0,4).toInteger() mod 400 = 0, 29, 28), iif(value.substring(4,2).toInteger() in (4 | 6 | 9 | 11), 30, 31)), true)"
Severity: #error

// Luhn over the ten digits YYMMDDNNNC: digits 1, 3, 5, 7, 9 are doubled (and a two-digit
// product is replaced by the sum of its digits); the total is a multiple of 10.
Invariant: se-pnr-luhn
Description: "Personnumrets sista siffra är en kontrollsiffra (Luhn) som inte stämmer. / The last digit of the personnummer is a check digit (Luhn) and it is wrong."
Expression: "iif(value.matches('^[0-9]{12}$'), ((value.substring(2,1).toInteger() * 2 div 10 + value.substring(2,1).toInteger() * 2 mod 10) + value.substring(3,1).toInteger() + (value.substring(4,1).toInteger() * 2 div 10 + value.substring(4,1).toInteger() * 2 mod 10) + value.substring(5,1).toInteger() + (value.substring(6,1).toInteger() * 2 div 10 + value.substring(6,1).toInteger() * 2 mod 10) + value.substring(7,1).toInteger() + (value.substring(8,1).toInteger() * 2 div 10 + value.substring(8,1).toInteger() * 2 mod 10) + value.substring(9,1).toInteger() + (value.substring(10,1).toInteger() * 2 div 10 + value.substring(10,1).toInteger() * 2 mod 10) + value.substring(11,1).toInteger()) mod 10 = 0, true)"
Severity: #error

Invariant: se-snr-format
Description: "Ett samordningsnummer ska ha exakt 12 siffror, ÅÅÅÅMM(DD+60)NNNK, utan bindestreck. / A samordningsnummer must be exactly 12 digits, YYYYMM(DD+60)NNNC, with no hyphen."
Expression: "value.exists() implies value.matches('^[0-9]{12}$')"
Severity: #error

Invariant: se-snr-date
Description: "Ett samordningsnummer ska börja med ett verkligt datum där dagen är ökad med 60 (dag 61–91). / A samordningsnummer must start with a real calendar date whose day has 60 added (days 61–91)."
Expression: "iif(value.matches('^[0-9]{12}$'), value.substring(4,2).toInteger() >= 1 and value.substring(4,2).toInteger() <= 12 and (value.substring(6,2).toInteger() - 60) >= 1 and (value.substring(6,2).toInteger() - 60) <= iif(value.substring(4,2).toInteger() = 2, iif((value.substring(0,4).toInteger() mod 4 = 0 and value.substring(0,4).toInteger() mod 100 != 0) or value.substring(0,4).toInteger() mod 400 = 0, 29, 28), iif(value.substring(4,2).toInteger() in (4 | 6 | 9 | 11), 30, 31)), true)"
Severity: #error

Invariant: se-snr-luhn
Description: "Samordningsnumrets sista siffra är en kontrollsiffra (Luhn) som inte stämmer. / The last digit of the samordningsnummer is a check digit (Luhn) and it is wrong."
Expression: "iif(value.matches('^[0-9]{12}$'), ((value.substring(2,1).toInteger() * 2 div 10 + value.substring(2,1).toInteger() * 2 mod 10) + value.substring(3,1).toInteger() + (value.substring(4,1).toInteger() * 2 div 10 + value.substring(4,1).toInteger() * 2 mod 10) + value.substring(5,1).toInteger() + (value.substring(6,1).toInteger() * 2 div 10 + value.substring(6,1).toInteger() * 2 mod 10) + value.substring(7,1).toInteger() + (value.substring(8,1).toInteger() * 2 div 10 + value.substring(8,1).toInteger() * 2 mod 10) + value.substring(9,1).toInteger() + (value.substring(10,1).toInteger() * 2 div 10 + value.substring(10,1).toInteger() * 2 mod 10) + value.substring(11,1).toInteger()) mod 10 = 0, true)"
Severity: #error
