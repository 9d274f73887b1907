// Metadata every samvard conformance resource carries.
RuleSet: SamvardMetadata
* ^publisher = "samvard"
* ^jurisdiction = urn:iso:std:iso:3166#SE "Sweden"
* ^experimental = false
